"""A real browser for tests: Debian's headless Chromium, driven by Playwright for Python.

Playwright normally downloads its own browser build; that cannot work here (and CI installs
nothing from outside the package registries), so it drives the system's ``chromium`` package
(``scripts/install-peers`` installs it) through ``executable_path``. Never run
``playwright install``.

:func:`launch_chromium` starts one headless browser on a thread of its own (see :class:`Chromium`
for why); the session fixture ``chromium`` in ``tests/conftest.py`` keeps one for the whole run,
and each test opens its own context (cookies and storage of its own) in the work it hands over.
:class:`Watch` guards a context: every request to a host other than loopback is aborted and
recorded, and every console error or uncaught page error is recorded, so a test can insist
that a page did nothing it should not have.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    Route,
    sync_playwright,
)

from tests.peers import peers_required

#: Where Debian's ``chromium`` package puts the browser.
CHROMIUM = "/usr/bin/chromium"

#: Headless, with nothing that reaches for the network on its own (updates, sync, QUIC probes,
#: background fetches), and no sandbox (the tests run as root in a container).
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

#: The hosts a test page may talk to.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})

#: Bound on each browser action (navigation, click, wait), in milliseconds.
ACTION_TIMEOUT_MS = 15_000
#: Bounds on starting the browser, and on one piece of work a test hands it, in seconds.
LAUNCH_TIMEOUT = 60.0
RUN_TIMEOUT = 120.0

T = TypeVar("T")


def chromium_path() -> str:
    """The Chromium executable; skip (or fail under TOKENWIRE_REQUIRE_PEERS=1) when missing."""
    path = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    if path is None:
        message = "chromium not found (run: bash scripts/install-peers)"
        if peers_required():
            pytest.fail(f"TOKENWIRE_REQUIRE_PEERS=1: {message}")
        pytest.skip(message)
    return path


class Chromium:
    """One headless Chromium on a thread of its own; :meth:`run` calls code there with it.

    Playwright's sync API leaves its asyncio loop set as the running loop of the thread that
    uses it, for as long as it lives. Launched on the main thread for a whole session, it would
    make every later ``asyncio.run`` (and anyio, and trio's asyncio guest) in that thread fail.
    So the browser lives on one worker thread, and a test hands it a function:
    ``chromium.run(lambda browser: ...)``. Whatever the function raises (a failed assert, too)
    is raised again in the test.
    """

    def __init__(self, executable: str, *, timeout: float = LAUNCH_TIMEOUT) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self._playwright: Playwright | None = None
        try:
            self._browser = self._thread.submit(self._launch, executable).result(timeout)
        except BaseException:
            self.close()
            raise

    def _launch(self, executable: str) -> Browser:
        self._playwright = sync_playwright().start()
        return self._playwright.chromium.launch(
            executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
        )

    def run(self, work: Callable[[Browser], T], *, timeout: float = RUN_TIMEOUT) -> T:
        """``work(browser)`` on the browser's thread; its result, or its exception."""
        return self._thread.submit(work, self._browser).result(timeout)

    def close(self) -> None:
        """Close the browser and stop Playwright and the thread."""
        if self._playwright is not None:
            self._thread.submit(self._stop).result(LAUNCH_TIMEOUT)
        self._thread.shutdown(wait=True)

    def _stop(self) -> None:
        with contextlib.suppress(Error):
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None


@contextlib.contextmanager
def launch_chromium() -> Iterator[Chromium]:
    """One headless Chromium for the block's duration (see :class:`Chromium`)."""
    chromium = Chromium(chromium_path())
    try:
        yield chromium
    finally:
        chromium.close()


@dataclass
class Watch:
    """What a guarded context did that a test forbids: off-loopback requests, console errors."""

    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        parts = urlsplit(route.request.url)
        local = parts.scheme in ("data", "blob", "about")
        if local or parts.hostname in LOOPBACK_HOSTS:
            route.continue_()
        else:
            self.blocked.append(f"{parts.scheme}://{parts.netloc}")
            route.abort("blockedbyclient")

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def page_error(self, error: Error) -> None:
        self.errors.append(f"page error: {error.message}")

    def watch(self, page: Page) -> None:
        page.on("console", self.console)
        page.on("pageerror", self.page_error)
        page.set_default_timeout(ACTION_TIMEOUT_MS)

    def assert_clean(self) -> None:
        assert self.blocked == [], f"requests off loopback were blocked: {self.blocked}"
        assert self.errors == [], f"the browser reported errors: {self.errors}"


@contextlib.contextmanager
def guarded_context(browser: Browser) -> Iterator[tuple[BrowserContext, Watch]]:
    """A fresh context whose pages may reach loopback only, with a :class:`Watch` on it."""
    watch = Watch()
    context = browser.new_context()
    try:
        context.route("**/*", watch.route)
        context.on("page", watch.watch)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        yield context, watch
    finally:
        context.close()
