"""A peer server run as a child process: its output kept in a temporary file, stopped by PID.

Shared by the third-party peers (oidc-provider under Node, django-oauth-toolkit under Django):
:class:`ChildPeer` starts the process, says whether it died, shows what it printed when start-up
fails, and stops it (SIGTERM, then SIGKILL). :func:`poll_until_ready` waits for a readiness check
by polling, never by sleeping a fixed time.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

from tests.peers import stop_process


class ChildPeer:
    """One child process and the log of what it printed."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def spawn(self, argv: list[str], *, cwd: Path, env: Mapping[str, str]) -> None:
        """Start ``argv`` in ``cwd`` with exactly ``env``; its output goes to the log."""
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop)
        self._process = subprocess.Popen(
            argv,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=dict(env),
        )

    def exit_status(self) -> int | None:
        """The exit status if the process has ended, else ``None``."""
        return None if self._process is None else self._process.poll()

    def log(self) -> str:
        """What the process printed so far (its last 4000 characters)."""
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        text = self._log.read().decode("utf-8", "replace")
        self._log.seek(0, os.SEEK_END)
        return text[-4000:]

    def stop(self, timeout: float) -> None:
        """Stop the process by its PID: SIGTERM, then SIGKILL if it lingers."""
        process, self._process = self._process, None
        if process is not None:
            stop_process(process, timeout)
        if self._log is not None:
            self._log.close()
            self._log = None


def poll_until_ready(
    child: ChildPeer,
    ready: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    error: type[AssertionError],
) -> None:
    """Poll ``ready()`` until it is true; raise ``error`` if ``child`` dies or time runs out.

    ``ready`` returns ``False`` while the server is not up (and may raise ``error`` if it is up
    but wrong).
    """
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        status = child.exit_status()
        if status is not None:
            raise error(f"{what} exited with status {status}:\n{child.log()}")
        if ready():
            return
        if time.monotonic() >= deadline:
            raise error(f"{what} not ready after {timeout} s:\n{child.log()}")
        time.sleep(delay)  # poll interval, not a wait for readiness
        delay = min(delay * 2, 0.1)
