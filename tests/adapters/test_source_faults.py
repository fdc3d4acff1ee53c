"""Token sources under store faults and connection faults (issue 9 item 1).

Against a real SQLite file held locked by another connection's ``BEGIN EXCLUSIVE``, a real
redis-server at ``maxmemory`` with ``noeviction``, and a loopback reference provider that rotates
refresh tokens, refuses a reused one and records every refresh token and code it was sent. The
store fails *after* the provider has answered (rotated the token): the renewed token must survive
in the process, be stored on the next call, and no spent token may ever reach the provider again.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.error_chain import shown
from tests.fault_stores import FULL_REDIS_OPTIONS, FullRedis, Locker, ReleaseFault
from tests.peers import require_executable
from tests.recording_provider import RecordingProvider, client_for, due_token
from tests.redis_peer import RedisPeer, redis_server
from tokenwire.adapters.httpcore import AsyncTokenClient, TokenClient
from tokenwire.adapters.source import AsyncTokenSource, RefreshTimeout, TokenSource
from tokenwire.adapters.stores import RedisStore, SqliteStore, StoreError, TokenStore
from tokenwire.conformance.reference import POST_CLIENT
from tokenwire.conformance.replay import ReplayServer, ScriptedReply
from tokenwire.core import (
    ClientAuth,
    Profile,
    Token,
    TransportError,
)

KEY = "user-7"
WAIT = 30.0  # upper bound on any wait here; never reached when things work


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[tuple[SqliteStore, Locker]]:
    """A SqliteStore that gives up on a busy file quickly, and a Locker on the same file."""
    path = tmp_path / "tokens.db"
    store = SqliteStore(path, timeout=0.2)
    locker = Locker(path)
    try:
        yield store, locker
    finally:
        locker.close()
        store.close()


@pytest.fixture(scope="module")
def small_redis() -> Iterator[RedisPeer]:
    """A redis-server of this module's own, small and refusing writes when full."""
    executable = require_executable(
        "redis-server", "apt-get install -y --no-install-recommends redis-server"
    )
    with redis_server(executable, options=FULL_REDIS_OPTIONS) as peer:
        yield peer


@pytest.fixture
def full_redis(small_redis: RedisPeer) -> Iterator[tuple[RedisStore, FullRedis]]:
    full = FullRedis(small_redis)
    store = RedisStore(small_redis.url, prefix=f"test:{uuid.uuid4().hex}:")
    try:
        yield store, full
    finally:
        full.drain()
        full.client.close()
        store.close()


def assert_no_secret(error: BaseException, *secrets: str | None) -> None:
    text = shown(error)
    for secret in secrets:
        assert secret
        assert secret not in text


def after_answer_once(provider: RecordingProvider, fault: Callable[[], None]) -> None:
    """Run ``fault`` once, right after the provider answers the next token request."""

    def run() -> None:
        provider.after_answer = None
        fault()

    provider.after_answer = run


# --- item 1: the store fails after the server rotated ------------------------------------------


def renew_into_a_locked_file(
    provider: RecordingProvider, store: SqliteStore, locker: Locker
) -> tuple[Token, TokenSource]:
    """A source whose due token is refreshed while another connection locks the file: the
    provider rotates the refresh token, then the write finds the file locked. Returns the seed
    and the source; the file is still locked."""
    seed = due_token(provider)
    source = TokenSource(client_for(provider), token=seed, store=store, key=KEY)
    after_answer_once(provider, locker.lock)
    with pytest.raises(StoreError, match="kept in this process") as failed:
        source.token()
    assert_no_secret(failed.value, seed.refresh_token, seed.access_token)
    stored = store.get(KEY)
    assert stored is not None
    assert stored.token.refresh_token == seed.refresh_token  # the store still holds the old one
    return seed, source


def assert_stored_and_sent_once(
    provider: RecordingProvider, store: TokenStore, token: Token, *sent: str | None
) -> None:
    """``token`` is the stored one, and the provider saw exactly ``sent``, none of them twice."""
    stored = store.get(KEY)
    assert stored is not None
    assert stored.token.access_token == token.access_token
    assert stored.token.refresh_token == token.refresh_token
    assert token.refresh_token not in sent
    assert provider.refresh_tokens_seen == list(sent)
    assert provider.reused() == []


def test_a_token_renewed_while_sqlite_is_locked_is_stored_on_the_next_call_and_never_lost(
    rotating_provider: RecordingProvider, sqlite_file: tuple[SqliteStore, Locker]
) -> None:
    provider = rotating_provider
    store, locker = sqlite_file
    seed, source = renew_into_a_locked_file(provider, store, locker)
    locker.unlock()

    token = source.token()  # the kept token is written first: no request at all

    assert_stored_and_sent_once(provider, store, token, seed.refresh_token)
    source.invalidate()
    renewed = source.token()  # the rotated refresh token works
    assert_stored_and_sent_once(provider, store, renewed, seed.refresh_token, token.refresh_token)


def test_a_token_renewed_while_sqlite_stays_locked_is_kept_across_failing_calls(
    rotating_provider: RecordingProvider, sqlite_file: tuple[SqliteStore, Locker]
) -> None:
    provider = rotating_provider
    store, locker = sqlite_file
    seed, source = renew_into_a_locked_file(provider, store, locker)
    for _ in range(3):  # the store keeps failing: every call says so, none asks the server
        with pytest.raises(StoreError, match="still not stored"):
            source.token()
    locker.unlock()

    token = source.token()

    assert_stored_and_sent_once(provider, store, token, seed.refresh_token)


def test_another_source_waits_for_the_kept_token_instead_of_resending_the_spent_one(
    rotating_provider: RecordingProvider, sqlite_file: tuple[SqliteStore, Locker]
) -> None:
    provider = rotating_provider
    store, locker = sqlite_file
    seed, first = renew_into_a_locked_file(provider, store, locker)
    locker.unlock()
    # Another process (here: another source on the store) finds the old token due, and the lease
    # still held by the first: it waits rather than refreshing with the spent refresh token.
    second = TokenSource(client_for(provider), store=store, key=KEY, wait_timeout=0.3)
    with pytest.raises(RefreshTimeout):
        second.token()

    token = first.token()  # the first writes its kept token and lets go of the lease

    assert second.token().access_token == token.access_token
    assert_stored_and_sent_once(provider, store, token, seed.refresh_token)


def test_a_lease_whose_release_failed_is_released_by_its_holder_not_waited_on(
    rotating_provider: RecordingProvider, sqlite_file: tuple[SqliteStore, Locker]
) -> None:
    provider = rotating_provider
    store, locker = sqlite_file
    faulty = ReleaseFault(store, locker)
    shared: TokenStore = faulty
    seed = due_token(provider)
    # A long lease and a short wait: waiting on its own lease would end in RefreshTimeout.
    source = TokenSource(
        client_for(provider), token=seed, store=shared, key=KEY, lease_ttl=60.0, wait_timeout=0.3
    )
    faulty.armed = True
    token = source.token()  # stored; the release then found the file locked
    assert store.get(KEY) is not None
    locker.unlock()
    assert store.acquire_lease(KEY, 60.0) is None  # the release failed: still held

    source.invalidate()
    renewed = source.token()

    assert renewed.access_token != token.access_token
    assert provider.refresh_tokens_seen == [seed.refresh_token, token.refresh_token]
    assert provider.reused() == []


def test_a_lease_that_cannot_be_released_is_a_store_error_at_once_not_a_wait(
    rotating_provider: RecordingProvider, sqlite_file: tuple[SqliteStore, Locker]
) -> None:
    provider = rotating_provider
    store, locker = sqlite_file
    faulty = ReleaseFault(store, locker)
    seed = due_token(provider)
    source = TokenSource(
        client_for(provider), token=seed, store=faulty, key=KEY, lease_ttl=60.0, wait_timeout=WAIT
    )
    faulty.armed = True
    source.token()
    source.invalidate()

    with pytest.raises(StoreError, match="holds the refresher lease"):
        source.token()  # still locked: neither a refresh nor a wait on its own lease
    locker.unlock()
    source.token()
    assert len(provider.refresh_tokens_seen) == 2
    assert provider.reused() == []


def test_a_token_renewed_while_redis_is_full_is_stored_on_the_next_call_and_never_lost(
    rotating_provider: RecordingProvider, full_redis: tuple[RedisStore, FullRedis]
) -> None:
    provider = rotating_provider
    store, full = full_redis
    seed = due_token(provider)
    source = TokenSource(client_for(provider), token=seed, store=store, key=KEY)
    assert source.token().access_token  # the seed was due: one refresh, stored
    source.invalidate()
    before = store.get(KEY)
    assert before is not None
    after_answer_once(provider, full.fill)

    with pytest.raises(StoreError) as failed:
        source.token()

    assert "maxmemory" in str(failed.value)
    assert_no_secret(failed.value, before.token.refresh_token)
    full.drain()
    token = source.token()

    sent = [seed.refresh_token, before.token.refresh_token]
    assert_stored_and_sent_once(provider, store, token, *sent)
    stored = store.get(KEY)
    assert stored is not None
    assert stored.version == before.version + 1
    source.invalidate()
    renewed = source.token()
    assert_stored_and_sent_once(provider, store, renewed, *sent, token.refresh_token)


def test_the_async_source_keeps_a_token_renewed_while_redis_is_full(
    rotating_provider: RecordingProvider, full_redis: tuple[RedisStore, FullRedis]
) -> None:
    provider = rotating_provider
    store, full = full_redis
    seed = due_token(provider)

    async def main() -> Token:
        async with AsyncTokenClient(provider.profile(), POST_CLIENT.auth()) as client:
            source = AsyncTokenSource(client, token=seed, store=store, key=KEY)
            after_answer_once(provider, full.fill)
            with pytest.raises(StoreError):
                await source.token()
            full.drain()
            return await source.token()

    token = asyncio.run(main())
    assert_stored_and_sent_once(provider, store, token, seed.refresh_token)


# --- a connection fault after the refresh was sent ----------------------------------------------


def test_a_refresh_reset_after_sending_is_not_resent_and_leaves_the_store_and_lease_free(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "tokens.db")
    seed = Token(
        access_token="AT-old",
        token_type="Bearer",
        refresh_token="RT-sent-once",
        expires_in=60,
        expires_at=time.time() - 1.0,
        received_at=time.time() - 61.0,
    )
    try:
        with ReplayServer() as replay:
            replay.arm([ScriptedReply(action="reset")])
            client = TokenClient(
                Profile(token_url=f"{replay.base_url}/token"), ClientAuth("c", "s")
            )
            source = TokenSource(client, token=seed, store=store, key=KEY)
            with pytest.raises(TransportError) as failed:
                source.token()
            assert failed.value.sent is True
            assert_no_secret(failed.value, seed.refresh_token)
            assert replay.take().requests == 1  # the flow never resent it
        stored = store.get(KEY)
        assert stored is not None
        assert stored.token.refresh_token == seed.refresh_token  # nothing invented, nothing lost
        lease = store.acquire_lease(KEY, 1.0)
        assert lease is not None  # released: the next call (here or elsewhere) may try again
    finally:
        store.close()
