"""Shared pytest configuration for the tokenwire test tree.

Peers used across directories are session fixtures here: one headless Chromium per run
(:mod:`tests.browser`), launched only when a test asks for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # imported lazily: tests/core also runs inside Pyodide, without Playwright
    from tests.browser import Chromium


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    """Debian's Chromium, headless, once per session: ``chromium.run(lambda browser: ...)``.

    Each test opens its own context in the work it hands over.
    """
    from tests.browser import launch_chromium

    with launch_chromium() as launched:
        yield launched
