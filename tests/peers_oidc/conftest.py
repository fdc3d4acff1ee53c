"""The oidc-provider peer, started once per test session (a Node process costs about a second)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.oidc_peer import OidcProviderPeer, require_oidc_provider


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OidcProviderPeer]:
    """A running oidc-provider on a free loopback port; skipped (or failed) if Node is missing."""
    node = require_oidc_provider()
    with OidcProviderPeer(node) as peer:
        yield peer
