"""The OIDC reference provider the adapter tests share (one per module: tests rotate keys)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.oidc_cases import reason_provider
from tokenwire.conformance.reference.oidc_provider import OidcReferenceProvider


@pytest.fixture(scope="module")
def reasons_op() -> Iterator[OidcReferenceProvider]:
    """RS256 (two keys), ES256 and HS256 advertised; never rotated by a test."""
    with reason_provider() as provider:
        yield provider


@pytest.fixture
def op() -> Iterator[OidcReferenceProvider]:
    """A fresh RS256 provider for one test (free to rotate, count requests, misbehave)."""
    with OidcReferenceProvider(("RS256",)) as provider:
        yield provider
