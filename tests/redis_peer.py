"""A real ``redis-server`` on a free loopback port, for the store tests.

Started with persistence off (``--save "" --appendonly no``) in a scratch directory, waited for by
polling ``PING`` (never a fixed sleep), stopped by PID. A port race with another process (the
port was free a moment ago) is retried on a fresh port.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.peers import stop_process
from tokenwire.conformance.loopback import HOST, free_port

READY_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0


@dataclass(frozen=True)
class RedisPeer:
    port: int
    pid: int

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"


def ping(port: int) -> bool:
    """True if a Redis server answers ``PING`` on ``port`` right now."""
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as sock:
            sock.settimeout(1.0)
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _wait_ready(process: subprocess.Popen[bytes], port: int, log: Path) -> bool:
    """Poll PING until ready (True), the server exits (False), or time runs out (raise)."""
    deadline = time.monotonic() + READY_TIMEOUT
    delay = 0.005
    while not ping(port):
        if process.poll() is not None:
            return False
        if time.monotonic() >= deadline:
            tail = log.read_text(errors="replace")[-2000:]
            raise TimeoutError(f"redis-server not ready on port {port}: {tail}")
        time.sleep(delay)  # poll interval, not a wait for readiness
        delay = min(delay * 2, 0.1)
    return True


@contextlib.contextmanager
def redis_server(
    executable: str, *, attempts: int = 3, options: tuple[str, ...] = ()
) -> Iterator[RedisPeer]:
    """Run ``redis-server`` on 127.0.0.1 for the duration of the block, with extra ``options``
    (for example ``("--maxmemory", "8mb")``)."""
    with tempfile.TemporaryDirectory(prefix="tokenwire-redis-") as scratch:
        log = Path(scratch) / "redis.log"
        for _ in range(attempts):
            port = free_port()
            command = [
                executable,
                "--port", str(port),
                "--bind", HOST,
                "--save", "",
                "--appendonly", "no",
                "--dir", scratch,
                "--logfile", str(log),
                "--daemonize", "no",
                *options,
            ]  # fmt: skip
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
            try:
                if _wait_ready(process, port, log):
                    yield RedisPeer(port=port, pid=process.pid)
                    return
            finally:
                stop_process(process, STOP_TIMEOUT)
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"redis-server did not start after {attempts} attempts: {tail}")
