"""The user's part of a login in the browser tests: oidc-provider's login and consent forms,
and a ``tokenwire`` command run as a real subprocess whose stderr a test reads line by line."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from playwright.sync_api import Page

from tests.oidc_peer import LOGIN

#: The ``tokenwire`` console script of this environment.
TOKENWIRE = str(Path(sys.executable).parent / "tokenwire")
#: Bound on any wait for a command's output or exit, in seconds.
COMMAND_TIMEOUT = 60.0


def sign_in_at_provider(page: Page, issuer: str, *, consent: bool = True) -> None:
    """On oidc-provider's login page: log in as :data:`LOGIN`, then consent."""
    page.wait_for_url(f"{issuer}/interaction/**")
    page.fill("input[name=login]", LOGIN)
    page.fill("input[name=password]", "any password")
    page.click("button[type=submit]")
    if consent:
        page.wait_for_url(f"{issuer}/interaction/**")
        page.click("button[type=submit]")


def command_env(cache_home: Path) -> dict[str, str]:
    """This environment, with the user's cache in ``cache_home`` and no browser to open."""
    env = dict(os.environ)
    env["XDG_CACHE_HOME"] = str(cache_home)
    env["BROWSER"] = "false"  # webbrowser must never open a real one from a test
    return env


class Lines:
    """A subprocess's stream, read on a thread, so a test can wait for a line with a bound."""

    def __init__(self, stream: IO[str]) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        with stream:  # closed here, at its end, by the one thread that reads it
            for line in stream:
                self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def next_url(self, timeout: float = COMMAND_TIMEOUT) -> str:
        """The next line that is a URL (``http://...``)."""
        while True:
            line = self._lines.get(timeout=timeout)
            if line is None:
                raise AssertionError(f"the command ended without a URL: {self.seen}")
            self.seen.append(line)
            if line.startswith("http://"):
                return line

    def rest(self, timeout: float = COMMAND_TIMEOUT) -> list[str]:
        """Every line until the stream ends."""
        while True:
            line = self._lines.get(timeout=timeout)
            if line is None:
                return self.seen
            self.seen.append(line)


def run_tokenwire(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``tokenwire ARGS`` to completion, output captured."""
    return subprocess.run(
        [TOKENWIRE, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )


@contextmanager
def tokenwire_login(
    issuer: str, client_id: str, env: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[str], Lines]]:
    """``tokenwire login --no-browser`` running, and its stderr; killed if still running after."""
    login = subprocess.Popen(
        [TOKENWIRE, "login", "--no-browser", "--issuer", issuer, "--client-id", client_id],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert login.stderr is not None
        yield login, Lines(login.stderr)
    finally:
        if login.poll() is None:
            login.kill()
            login.wait()
