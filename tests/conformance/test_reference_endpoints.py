"""The reference provider's device, revocation, introspection and token exchange endpoints refuse
what RFC 8628, 7009, 7662 and 8693 have them refuse (their successes run in the suite's round trips
and in tests/adapters/test_client_endpoints.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tokenwire.adapters.stdlib import TokenClient
from tokenwire.conformance.reference import BASIC_CLIENT, POST_CLIENT, ReferenceProvider
from tokenwire.core import (
    ClientAuth,
    ConfigurationError,
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    TokenExchange,
    TokenTypes,
    UnauthorizedClient,
)


@pytest.fixture(scope="module")
def provider() -> Iterator[ReferenceProvider]:
    with ReferenceProvider("rfc6749") as started:
        yield started


@pytest.fixture
def client(provider: ReferenceProvider) -> Iterator[TokenClient]:
    started = TokenClient(provider.profile(), POST_CLIENT.auth(), sleep=lambda _: None)
    try:
        yield started
    finally:
        started.close()


def test_deciding_a_user_code_no_device_has_is_refused(provider: ReferenceProvider) -> None:
    with pytest.raises(ConfigurationError):
        provider.decide_device("NOPE-NOPE")


def test_a_device_code_polled_by_another_client_is_refused(
    provider: ReferenceProvider, client: TokenClient
) -> None:
    started = client.start_device_authorization()
    provider.decide_device(started.user_code)
    with (
        TokenClient(provider.profile(), BASIC_CLIENT.auth(), sleep=lambda _: None) as other,
        pytest.raises(UnauthorizedClient),
    ):
        other.poll_device(started)


def test_a_spent_device_code_is_refused(provider: ReferenceProvider, client: TokenClient) -> None:
    started = client.start_device_authorization()
    provider.decide_device(started.user_code)
    client.poll_device(started)
    with pytest.raises(InvalidRequest):
        client.poll_device(started)


def test_a_token_of_another_client_is_inactive_to_it_and_cannot_be_revoked_by_it(
    provider: ReferenceProvider, client: TokenClient
) -> None:
    token = client.client_credentials("read")
    with TokenClient(provider.profile(), BASIC_CLIENT.auth()) as other:
        assert not other.introspect(token.access_token).active
        with pytest.raises(InvalidGrant):
            other.revoke(token.access_token)
    assert client.introspect(token.access_token).active


def test_a_wrong_secret_at_introspection_is_invalid_client(provider: ReferenceProvider) -> None:
    wrong = ClientAuth(POST_CLIENT.client_id, "wrong", "client_secret_post")
    with TokenClient(provider.profile(), wrong) as client, pytest.raises(InvalidClient):
        client.introspect("anything")


@pytest.mark.parametrize(
    ("exchange", "error"),
    [
        ({"subject_token": "never-issued"}, InvalidGrant),
        ({"subject_token_type": TokenTypes.ID_TOKEN}, InvalidRequest),
        ({"requested_token_type": TokenTypes.REFRESH_TOKEN}, InvalidRequest),
        ({"scope": "write"}, InvalidScope),
    ],
)
def test_token_exchange_refuses_what_it_does_not_support(
    client: TokenClient, exchange: dict[str, str], error: type[Exception]
) -> None:
    subject = client.client_credentials("read")
    fields: dict[str, str] = {
        "subject_token": subject.access_token,
        "subject_token_type": TokenTypes.ACCESS_TOKEN,
        **exchange,
    }
    with pytest.raises(error):
        client.request(TokenExchange(**fields))  # type: ignore[arg-type]
