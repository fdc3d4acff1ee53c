"""A named profile keeps its quirks when built from a provider's discovery document."""

from __future__ import annotations

import pytest

from tests.oidc_cases import CLIENT
from tests.oidc_harness import TRANSPORTS, with_provider
from tokenwire.adapters.oidc import AsyncProvider, Provider
from tokenwire.adapters.profiles import tencent_ciam
from tokenwire.conformance.reference.oidc_provider import OidcReferenceProvider
from tokenwire.core import ConfigurationError, Profile


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_tencent_ciam_profile_built_from_discovery_keeps_the_bodiless_401_quirk(
    op: OidcReferenceProvider, transport: str
) -> None:
    base = tencent_ciam(op.issuer)

    async def profile(provider: AsyncProvider) -> Profile:
        return provider.profile

    built = with_provider(transport, op.issuer, lambda p: p.profile, profile, profile=base)
    assert built.bodiless_401_is_invalid_client
    assert (built.name, built.issuer) == ("tencent-ciam", op.issuer)
    assert built.token_url == f"{op.issuer}/token"  # the metadata's, not the profile's guess
    assert built.jwks_url == f"{op.issuer}/jwks"


def test_a_profile_for_another_issuer_is_refused(op: OidcReferenceProvider) -> None:
    with pytest.raises(ConfigurationError):
        Provider.discover(op.issuer, profile=tencent_ciam("other.example.com"))


def test_a_discovered_profile_verifies_tokens_for_its_issuer(op: OidcReferenceProvider) -> None:
    with Provider.discover(op.issuer, profile=tencent_ciam(op.issuer)) as provider:
        assert provider.verify_id_token(op.id_token(), **CLIENT).iss == op.issuer
