"""The documentation site for tests: built with ``mkdocs build --strict``, served on loopback.

The build runs ``mkdocs`` from the ``docs`` dependency group in a fresh interpreter (as CI does),
into a temporary directory, never into the work tree. :func:`serve` serves a built site over
HTTP on ``127.0.0.1`` (not ``file://``: the browser then behaves as it does for a reader, search
included).
"""

from __future__ import annotations

import contextlib
import functools
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from typing_extensions import override

ROOT = Path(__file__).resolve().parents[1]
#: Bound on one build, in seconds (it takes a few).
BUILD_TIMEOUT = 300


class SiteBuildFailed(AssertionError):
    """``mkdocs build --strict`` failed; the message holds its output."""


def build_site(destination: Path) -> Path:
    """Build the site into ``destination`` with ``--strict``; the directory, or raise."""
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(destination)],
        cwd=ROOT,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin", "HOME": str(destination)},
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    if built.returncode != 0:
        raise SiteBuildFailed(f"mkdocs build --strict failed:\n{built.stdout}\n{built.stderr}")
    return destination


class _QuietHandler(SimpleHTTPRequestHandler):
    @override
    def log_message(self, format: str, *args: Any) -> None:
        """Nothing: a test's output is not the place for an access log."""


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on a free loopback port; yields the base URL (ending in ``/``)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="docs-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
