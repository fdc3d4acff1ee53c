"""Loopback plumbing shared by the replay server, the reference providers and the tests.

Everything tokenwire serves for testing binds to 127.0.0.1 on a port the kernel picks, and is
waited for by polling its socket, never by sleeping a fixed time.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from socketserver import BaseServer

from typing_extensions import override

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, *, host: str = HOST, timeout: float = 15.0) -> None:
    """Poll until something accepts TCP connections on ``host:port``; raise after ``timeout``."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            with socket.create_connection((host, port), timeout=1.0):
                return
        except OSError:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s") from None
            time.sleep(delay)  # poll interval, not a wait for readiness
            delay = min(delay * 2, 0.1)


@contextlib.contextmanager
def serving(server: BaseServer) -> Iterator[BaseServer]:
    """Run ``server.serve_forever`` in a daemon thread for the duration of the block."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5.0)


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server bound to 127.0.0.1 on a kernel-chosen port."""

    daemon_threads = True
    allow_reuse_address = True

    @override
    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet when a client hangs up mid-exchange (fault scenarios do it on purpose)."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    @property
    def port(self) -> int:
        port: int = self.server_address[1]
        return port

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"
