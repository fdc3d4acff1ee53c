"""Shared pytest configuration for the tokenwire test tree.

Peers used across directories are session fixtures here: one headless Chromium per run
(:mod:`tests.browser`), launched only when a test asks for it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser import Chromium, launch_chromium


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    """Debian's Chromium, headless, once per session: ``chromium.run(lambda browser: ...)``.

    Each test opens its own context in the work it hands over.
    """
    with launch_chromium() as launched:
        yield launched
