"""Session fixtures for the Pyodide tests: the wheels are built and Pyodide started once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.pyodide.browser import CHROMIUM, CHROMIUM_ARGS, chromium_missing
from tests.pyodide.harness import (
    PyodideProcess,
    build_tokenwire_wheels,
    missing_peer,
    pinned_wheels,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture(scope="session")
def pyodide_wheels(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The pinned third-party wheels and tokenwire's core and adapters wheels, built once."""
    pinned = pinned_wheels()
    return [*pinned, *build_tokenwire_wheels(tmp_path_factory.mktemp("tokenwire-wheels"))]


@pytest.fixture(scope="session")
def pyodide(pyodide_wheels: list[Path]) -> Iterator[PyodideProcess]:
    """One Pyodide interpreter (under Node) for the session, with tokenwire installed."""
    process = PyodideProcess(pyodide_wheels)
    process.run("import sys; sys.path.insert(0, '/repo/tests/pyodide'); import inside; ''")
    try:
        yield process
    finally:
        process.close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Headless Debian Chromium for the session (a fixture the shared browser one can replace)."""
    why = chromium_missing()
    if why is not None:
        missing_peer(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
