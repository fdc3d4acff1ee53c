"""The django-oauth-toolkit peer, started once per test session (Django's start-up and
migrations cost about two seconds)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.dot_peer import DotPeer, require_dot


@pytest.fixture(scope="session")
def dot_provider() -> Iterator[DotPeer]:
    """A running django-oauth-toolkit on a free loopback port."""
    require_dot()
    with DotPeer() as peer:
        yield peer
