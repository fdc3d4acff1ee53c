"""Token sources under store faults, and single-use grants (issue 9 items 1 and 4).

Against a real SQLite file held locked by another connection's ``BEGIN EXCLUSIVE``, a real
redis-server at ``maxmemory`` with ``noeviction``, and a loopback reference provider that rotates
refresh tokens, refuses a reused one and records every refresh token and code it was sent. The
store fails *after* the provider has answered (rotated the token): the renewed token must survive
in the process, be stored on the next call, and no spent token may ever reach the provider again.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tests.peers import require_executable
from tests.recording_provider import RecordingProvider, provider_starter
from tests.redis_peer import RedisPeer, redis_server
from tokenwire.adapters.httpcore import AsyncTokenClient, TokenClient
from tokenwire.adapters.source import AsyncTokenSource, RefreshTimeout, TokenSource
from tokenwire.adapters.stores import Lease, RedisStore, SqliteStore, StoreError, TokenStore
from tokenwire.conformance.reference import POST_CLIENT, REDIRECT_URI
from tokenwire.conformance.reference.handler import ReferenceRequestHandler
from tokenwire.conformance.replay import ReplayServer, ScriptedReply
from tokenwire.core import (
    AuthorizationCode,
    ClientAuth,
    Profile,
    ReauthorizationRequired,
    RefreshToken,
    Token,
    TransportError,
)

KEY = "user-7"
WAIT = 30.0  # upper bound on any wait here; never reached when things work


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
def provider_factory(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., RecordingProvider]]:
    """Start recording providers on demand; all are stopped at the end of the test."""
    monkeypatch.setattr(ReferenceRequestHandler, "disable_nagle_algorithm", True)
    with provider_starter(RecordingProvider) as start:
        yield start


@pytest.fixture
def provider(provider_factory: Callable[..., RecordingProvider]) -> RecordingProvider:
    """Rotates refresh tokens and refuses a reused one."""
    return provider_factory(rotate_refresh_tokens=True)


def client_for(provider: RecordingProvider) -> TokenClient:
    return TokenClient(provider.profile(), POST_CLIENT.auth())


def due_token(provider: RecordingProvider) -> Token:
    """A real token with a real refresh token, due for renewal."""
    with client_for(provider) as client:
        token = client.exchange_code(provider.issue_code(POST_CLIENT.client_id), REDIRECT_URI)
    return msgspec.structs.replace(token, expires_at=time.time() - 1.0)


class Locker:
    """Another connection to the SQLite file that can hold it with ``BEGIN EXCLUSIVE``."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(
            path, timeout=WAIT, isolation_level=None, check_same_thread=False
        )

    def lock(self) -> None:
        self.conn.execute("BEGIN EXCLUSIVE")

    def unlock(self) -> None:
        self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()


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


class FullRedis:
    """A redis-server of the test's own at ``maxmemory`` 8 MB with ``noeviction``."""

    def __init__(self, peer: RedisPeer) -> None:
        import redis

        self.url = peer.url
        self.client = redis.Redis.from_url(peer.url, socket_timeout=5.0)
        self.filler = 0

    def fill(self) -> None:
        """Write until Redis refuses even a tiny write (OOM): full, under ``noeviction``.

        A refused write's own query buffer is freed after the refusal, so big writes alone leave
        room for small ones: the chunks shrink until a 16-byte value is refused too.
        """
        import redis

        for size in (256 * 1024, 16 * 1024, 1024, 16):
            for _ in range(10_000):
                try:
                    self.client.set(f"fill:{self.filler}", b"x" * size)
                except redis.exceptions.OutOfMemoryError:
                    break
                self.filler += 1
            else:
                raise AssertionError("redis never refused a write at its maxmemory")

    def drain(self) -> None:
        keys = [f"fill:{n}" for n in range(self.filler)]
        if keys:
            self.client.delete(*keys)
        self.filler = 0


@pytest.fixture(scope="module")
def small_redis() -> Iterator[RedisPeer]:
    executable = require_executable(
        "redis-server", "apt-get install -y --no-install-recommends redis-server"
    )
    options = ("--maxmemory", "8mb", "--maxmemory-policy", "noeviction")
    with redis_server(executable, options=options) as peer:
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
    text = f"{error} {error!r}"
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
    provider: RecordingProvider, sqlite_file: tuple[SqliteStore, Locker]
) -> None:
    store, locker = sqlite_file
    seed, source = renew_into_a_locked_file(provider, store, locker)
    locker.unlock()

    token = source.token()  # the kept token is written first: no request at all

    assert_stored_and_sent_once(provider, store, token, seed.refresh_token)
    source.invalidate()
    renewed = source.token()  # the rotated refresh token works
    assert_stored_and_sent_once(provider, store, renewed, seed.refresh_token, token.refresh_token)


def test_a_token_renewed_while_sqlite_stays_locked_is_kept_across_failing_calls(
    provider: RecordingProvider, sqlite_file: tuple[SqliteStore, Locker]
) -> None:
    store, locker = sqlite_file
    seed, source = renew_into_a_locked_file(provider, store, locker)
    for _ in range(3):  # the store keeps failing: every call says so, none asks the server
        with pytest.raises(StoreError, match="still not stored"):
            source.token()
    locker.unlock()

    token = source.token()

    assert_stored_and_sent_once(provider, store, token, seed.refresh_token)


def test_another_source_waits_for_the_kept_token_instead_of_resending_the_spent_one(
    provider: RecordingProvider, sqlite_file: tuple[SqliteStore, Locker]
) -> None:
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


class ReleaseFault:
    """A store that locks the SQLite file just before a lease release, when told to."""

    def __init__(self, store: SqliteStore, locker: Locker) -> None:
        self.store = store
        self.locker = locker
        self.armed = False
        self.releases = 0

    def get(self, key: str) -> Any:
        return self.store.get(key)

    def compare_and_set(self, key: str, expected_version: int | None, token: Token) -> Any:
        return self.store.compare_and_set(key, expected_version, token)

    def acquire_lease(self, key: str, ttl: float) -> Lease | None:
        return self.store.acquire_lease(key, ttl)

    def release_lease(self, lease: Lease) -> bool:
        self.releases += 1
        if self.armed:
            self.armed = False
            self.locker.lock()
        return self.store.release_lease(lease)

    def delete(self, key: str) -> None:
        self.store.delete(key)

    def close(self) -> None:
        self.store.close()


def test_a_lease_whose_release_failed_is_released_by_its_holder_not_waited_on(
    provider: RecordingProvider, sqlite_file: tuple[SqliteStore, Locker]
) -> None:
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

    source.invalidate()
    renewed = source.token()

    assert renewed.access_token != token.access_token
    assert provider.refresh_tokens_seen == [seed.refresh_token, token.refresh_token]
    assert provider.reused() == []


def test_a_lease_that_cannot_be_released_is_a_store_error_at_once_not_a_wait(
    provider: RecordingProvider, sqlite_file: tuple[SqliteStore, Locker]
) -> None:
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
    provider: RecordingProvider, full_redis: tuple[RedisStore, FullRedis]
) -> None:
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
    provider: RecordingProvider, full_redis: tuple[RedisStore, FullRedis]
) -> None:
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


# --- item 4: single-use grants are sent once ------------------------------------------------


def test_an_authorization_code_is_sent_once_when_the_server_issues_no_refresh_token(
    provider_factory: Callable[..., RecordingProvider],
) -> None:
    provider = provider_factory(refresh_tokens=False)
    code = provider.issue_code(POST_CLIENT.client_id)
    source = TokenSource(client_for(provider), AuthorizationCode(code, REDIRECT_URI))
    first = source.token()
    assert first.refresh_token is None
    source.invalidate()

    with pytest.raises(ReauthorizationRequired, match="used once") as refused:
        source.token()

    assert_no_secret(refused.value, code)
    assert provider.times_seen(code) == 1
    assert provider.token_requests == 1


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_a_starting_refresh_token_is_not_resent_once_the_stored_token_is_gone(
    provider: RecordingProvider,
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
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
    provider: RecordingProvider, redis_store: RedisStore, redis_prefix: str, redis_client: Any
) -> None:
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

    with pytest.raises(ReauthorizationRequired):
        source.token()
    assert provider.times_seen(start) == 1


def test_a_refresh_answered_without_a_refresh_token_keeps_the_starting_one(
    provider_factory: Callable[..., RecordingProvider],
) -> None:
    provider = provider_factory(rotate_refresh_tokens=False)
    start = due_token(provider).refresh_token
    assert start
    provider.refresh_tokens = False  # from now on, no answer carries a refresh token
    source = TokenSource(client_for(provider), RefreshToken(start))
    assert source.token().refresh_token == start  # RFC 6749 §6: the old one stays valid
    source.invalidate()
    source.token()  # renewed with the stored refresh token, not with the grant
    assert provider.times_seen(start) == 2
    assert provider.token_requests == 3  # the code, then two refreshes
