"""The device flow, revocation and introspection against oidc-provider, through every built-in
transport: the user code is approved through the provider's own pages over plain HTTP."""

from __future__ import annotations

import pytest

from tests.endpoint_harness import SPECS, call
from tests.oidc_peer import DEVICE_CLIENT, DEVICE_PUBLIC_CLIENT, OidcClient, OidcProviderPeer
from tokenwire.conformance.suite import TransportSpec
from tokenwire.core import DeviceAuthorization, Introspection, Token

IDS = [spec.name for spec in SPECS]
SCOPE = "openid offline_access"


def _device_token(spec: TransportSpec, peer: OidcProviderPeer, client: OidcClient) -> Token:
    """Start a device authorization, then poll; the user approves during the second wait."""
    profile = peer.profile()
    started = call(spec, profile, client.auth, "start_device_authorization", SCOPE)
    assert isinstance(started, DeviceAuthorization)
    assert started.verification_uri == f"{peer.issuer}/device"
    assert started.verification_uri_complete is not None
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:  # one poll has been answered authorization_pending
            peer.approve_device(started.verification_uri_complete or "")

    token = call(spec, profile, client.auth, "poll_device", started, sleep=sleep)
    assert waits == [5.0, 5.0]  # oidc-provider names no interval: RFC 8628's default
    assert isinstance(token, Token)
    return token


@pytest.mark.parametrize("client", [DEVICE_CLIENT, DEVICE_PUBLIC_CLIENT], ids=["post", "public"])
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_the_device_flow_ends_with_a_token_once_the_user_approves_on_the_providers_pages(
    oidc_provider: OidcProviderPeer, spec: TransportSpec, client: OidcClient
) -> None:
    token = _device_token(spec, oidc_provider, client)
    assert token.scope == SCOPE
    assert token.refresh_token
    assert token.id_token


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_a_revoked_access_token_introspects_as_inactive(
    oidc_provider: OidcProviderPeer, spec: TransportSpec
) -> None:
    token = _device_token(spec, oidc_provider, DEVICE_CLIENT)
    profile, auth = oidc_provider.profile(), DEVICE_CLIENT.auth
    live = call(spec, profile, auth, "introspect", token.access_token, "access_token")
    assert isinstance(live, Introspection)
    assert live.active
    assert live.client_id == DEVICE_CLIENT.client_id
    assert live.scope == SCOPE
    assert call(spec, profile, auth, "revoke", token.access_token, "access_token") is None
    dead = call(spec, profile, auth, "introspect", token.access_token, "access_token")
    assert dead == Introspection(active=False)
    # A token the provider never issued: revocation still succeeds (RFC 7009 §2.2).
    assert call(spec, profile, auth, "revoke", "never-issued", "refresh_token") is None


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_a_revoked_refresh_token_introspects_as_inactive(
    oidc_provider: OidcProviderPeer, spec: TransportSpec
) -> None:
    token = _device_token(spec, oidc_provider, DEVICE_CLIENT)
    profile, auth = oidc_provider.profile(), DEVICE_CLIENT.auth
    refresh = token.refresh_token or ""
    assert call(spec, profile, auth, "introspect", refresh, "refresh_token").active
    call(spec, profile, auth, "revoke", refresh, "refresh_token")
    assert not call(spec, profile, auth, "introspect", refresh, "refresh_token").active
