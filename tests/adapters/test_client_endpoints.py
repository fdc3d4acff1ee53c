"""The client's device flow, revocation and introspection, and a source's logout, through every
built-in transport against the reference provider."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest

from tests.endpoint_harness import SPECS, call, logout
from tokenwire.adapters.stores import MemoryStore
from tokenwire.conformance.loopback import HOST, free_port
from tokenwire.conformance.reference import ReferenceProvider
from tokenwire.conformance.suite import TransportSpec
from tokenwire.core import (
    AccessDenied,
    DeviceAuthorization,
    Introspection,
    InvalidClient,
    Token,
    TransportError,
)

IDS = [spec.name for spec in SPECS]


@pytest.fixture(scope="module")
def provider() -> Iterator[ReferenceProvider]:
    with ReferenceProvider("rfc6749") as started:
        yield started


def _device_token(spec: TransportSpec, provider: ReferenceProvider) -> Token:
    """A token with a refresh token, by an approved device flow."""
    auth = provider.POST_CLIENT.auth()
    started = call(spec, provider.profile(), auth, "start_device_authorization", "read")
    provider.decide_device(started.user_code)
    token: Token = call(spec, provider.profile(), auth, "poll_device", started)
    return token


def _active(spec: TransportSpec, provider: ReferenceProvider, token: str) -> bool:
    info = call(spec, provider.profile(), provider.POST_CLIENT.auth(), "introspect", token)
    assert isinstance(info, Introspection)
    return info.active


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_poll_device_waits_the_interval_until_the_user_approves_then_returns_the_token(
    spec: TransportSpec, provider: ReferenceProvider
) -> None:
    auth, profile = provider.POST_CLIENT.auth(), provider.profile()
    started = call(spec, profile, auth, "start_device_authorization", "read")
    assert isinstance(started, DeviceAuthorization)
    assert started.verification_uri == provider.base_url + "/device"
    assert started.device_code not in repr(started)
    now = [1000.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the user approves while the third wait goes by
        now[0] += seconds
        waits.append(seconds)
        if len(waits) == 3:
            provider.decide_device(started.user_code)

    before = provider.token_requests
    token = call(spec, profile, auth, "poll_device", started, clock=lambda: now[0], sleep=sleep)
    assert isinstance(token, Token)
    assert token.scope == "read"
    assert waits == [5.0, 5.0, 5.0]
    assert provider.token_requests - before == 3  # two pending polls, then the token


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_a_slow_down_widens_every_later_wait_by_five_seconds(
    spec: TransportSpec, provider: ReferenceProvider
) -> None:
    auth, profile = provider.POST_CLIENT.auth(), provider.profile()
    started = call(spec, profile, auth, "start_device_authorization")
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 4:
            provider.decide_device(started.user_code)

    provider.slow_down(2)
    try:
        call(spec, profile, auth, "poll_device", started, sleep=sleep)
    finally:
        provider.slow_down(0)
    assert waits == [5.0, 10.0, 15.0, 15.0]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_a_denied_device_code_raises_access_denied(
    spec: TransportSpec, provider: ReferenceProvider
) -> None:
    auth, profile = provider.POST_CLIENT.auth(), provider.profile()
    started = call(spec, profile, auth, "start_device_authorization")
    provider.decide_device(started.user_code, approved=False)
    with pytest.raises(AccessDenied):
        call(spec, profile, auth, "poll_device", started)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_a_revoked_token_introspects_as_inactive(
    spec: TransportSpec, provider: ReferenceProvider
) -> None:
    token = _device_token(spec, provider)
    auth, profile = provider.POST_CLIENT.auth(), provider.profile()
    info = call(spec, profile, auth, "introspect", token.access_token, "access_token")
    assert info.active
    assert info.client_id == provider.POST_CLIENT.client_id
    assert token.access_token not in repr(info)
    assert call(spec, profile, auth, "revoke", token.access_token, "access_token") is None
    assert not _active(spec, provider, token.access_token)
    assert _active(spec, provider, token.refresh_token or "")  # only what was named is gone
    # An unknown token: still a success (RFC 7009 §2.2).
    assert call(spec, profile, auth, "revoke", "never-issued") is None


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_introspection_without_client_authentication_is_invalid_client(
    spec: TransportSpec, provider: ReferenceProvider
) -> None:
    public = provider.PUBLIC_CLIENT.auth()
    with pytest.raises(InvalidClient):
        call(spec, provider.profile(), public, "introspect", "anything")


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_logout_forgets_the_token_and_revokes_refresh_and_access_tokens(
    spec: TransportSpec, provider: ReferenceProvider
) -> None:
    token = _device_token(spec, provider)
    store = MemoryStore()
    handed = logout(spec, provider.profile(), provider.POST_CLIENT.auth(), token, store, "k")
    assert handed == token.access_token
    assert store.get("k") is None
    assert not _active(spec, provider, token.refresh_token or "")
    assert not _active(spec, provider, token.access_token)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_logout_forgets_the_token_even_when_revocation_fails_and_reports_the_failure(
    spec: TransportSpec, provider: ReferenceProvider
) -> None:
    token = _device_token(spec, provider)
    store = MemoryStore()
    unreachable = f"http://{HOST}:{free_port()}/revoke"
    profile = msgspec.structs.replace(provider.profile(), revocation_url=unreachable)
    with pytest.raises(TransportError) as caught:
        logout(spec, profile, provider.POST_CLIENT.auth(), token, store, "k")
    assert store.get("k") is None
    shown = f"{caught.value!r} {caught.value}"
    assert token.access_token not in shown
    assert (token.refresh_token or "") not in shown
    assert _active(spec, provider, token.access_token)  # the server never heard of it


@pytest.mark.parametrize("spec", SPECS[:1], ids=IDS[:1])
def test_logout_before_any_call_revokes_the_seed_token_too(
    spec: TransportSpec, provider: ReferenceProvider
) -> None:
    token = _device_token(spec, provider)
    logout(
        spec,
        provider.profile(),
        provider.POST_CLIENT.auth(),
        token,
        MemoryStore(),
        "k",
        read_first=False,
    )
    assert not _active(spec, provider, token.access_token)
    assert not _active(spec, provider, token.refresh_token or "")
