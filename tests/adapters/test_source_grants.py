"""Single-use grants are sent at most once per token source (issue 9 item 4).

An authorization code, a starting refresh token (and a device code) are spent by their first use.
Against a loopback reference provider that records every code and refresh token it was sent, and
real stores (a SQLite file, a redis-server, where the stored token is deleted or expires): once
nothing is stored to renew from, the source raises ``ReauthorizationRequired`` without a request,
and the provider saw the code or the starting token once.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.error_chain import shown
from tests.recording_provider import RecordingProvider, client_for, due_token
from tests.redis_peer import RedisPeer
from tokenwire.adapters.drive import drive
from tokenwire.adapters.source import TokenSource
from tokenwire.adapters.source.steps import perform
from tokenwire.adapters.stores import RedisStore, SqliteStore, TokenStore
from tokenwire.conformance.reference import POST_CLIENT, REDIRECT_URI
from tokenwire.core import (
    AuthorizationCode,
    HttpRequest,
    HttpResponse,
    ReauthorizationRequired,
    RefreshToken,
    TransportError,
)

KEY = "user-9"
WAIT = 30.0  # upper bound on any wait here; never reached when things work


def test_an_authorization_code_is_sent_once_when_the_server_issues_no_refresh_token(
    recording_providers: Callable[..., RecordingProvider],
) -> None:
    provider = recording_providers(refresh_tokens=False)
    code = provider.issue_code(POST_CLIENT.client_id)
    source = TokenSource(client_for(provider), AuthorizationCode(code, REDIRECT_URI))
    first = source.token()
    assert first.refresh_token is None
    source.invalidate()

    with pytest.raises(ReauthorizationRequired, match="used once") as refused:
        source.token()

    assert code not in shown(refused.value)
    assert provider.times_seen(code) == 1
    assert provider.token_requests == 1


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_a_starting_refresh_token_is_not_resent_once_the_stored_token_is_gone(
    rotating_provider: RecordingProvider,
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    provider = rotating_provider
    store: TokenStore
    if backend == "sqlite":
        store = SqliteStore(tmp_path / "tokens.db")
    else:
        peer: RedisPeer = request.getfixturevalue("redis_peer")
        store = RedisStore(peer.url, prefix=f"test:{uuid.uuid4().hex}:")
    try:
        start = due_token(provider).refresh_token
        assert start
        source = TokenSource(client_for(provider), RefreshToken(start), store=store, key=KEY)
        assert source.token().refresh_token != start  # rotated, stored
        store.delete(KEY)  # the stored token is gone (deleted, or expired)
        source.invalidate()

        with pytest.raises(ReauthorizationRequired, match="used once"):
            source.token()

        assert provider.times_seen(start) == 1
        assert provider.reused() == []
    finally:
        store.close()


def test_a_starting_refresh_token_is_not_resent_after_a_redis_ttl_expiry(
    rotating_provider: RecordingProvider,
    redis_store: RedisStore,
    redis_prefix: str,
    redis_client: Any,
) -> None:
    provider = rotating_provider
    start = due_token(provider).refresh_token
    assert start
    source = TokenSource(client_for(provider), RefreshToken(start), store=redis_store, key=KEY)
    source.token()
    # Let Redis expire the stored token for real.
    redis_client.pexpire(f"{redis_prefix}token:{KEY}", 1)
    deadline = time.monotonic() + WAIT
    while redis_client.exists(f"{redis_prefix}token:{KEY}"):
        assert time.monotonic() < deadline, "redis never expired the token"
        time.sleep(0.005)  # poll interval
    source.invalidate()

    with pytest.raises(ReauthorizationRequired, match="used once"):
        source.token()
    assert provider.times_seen(start) == 1
    assert provider.reused() == []


def test_a_refresh_answered_without_a_refresh_token_keeps_the_starting_one(
    recording_providers: Callable[..., RecordingProvider],
) -> None:
    provider = recording_providers(rotate_refresh_tokens=False)
    start = due_token(provider).refresh_token
    assert start
    provider.refresh_tokens = False  # from now on, no answer carries a refresh token
    source = TokenSource(client_for(provider), RefreshToken(start))
    assert source.token().refresh_token == start  # RFC 6749 §6: the old one stays valid
    source.invalidate()
    source.token()  # renewed with the stored refresh token, not with the grant
    assert provider.times_seen(start) == 2
    assert provider.token_requests == 3  # the code, then two refreshes


class NeverConnects:
    """A transport whose every connect fails: nothing is ever sent."""

    def send(self, request: HttpRequest) -> HttpResponse:
        raise TransportError("connection refused", sent=False)

    def close(self) -> None:
        pass


def test_a_code_whose_request_certainly_never_left_is_not_spent(
    recording_providers: Callable[..., RecordingProvider],
) -> None:
    provider = recording_providers(refresh_tokens=False)
    code = provider.issue_code(POST_CLIENT.client_id)
    client = client_for(provider)
    source = TokenSource(client, AuthorizationCode(code, REDIRECT_URI))
    renewer = source._renewer  # driven over a transport whose every connect fails

    with pytest.raises(TransportError):
        drive(
            renewer.renew(),
            NeverConnects(),
            sleep=lambda seconds: None,
            perform=functools.partial(perform, renewer.store),
        )
    assert provider.token_requests == 0

    assert source.token().access_token  # the code was not spent: it is sent now, once
    assert provider.times_seen(code) == 1
