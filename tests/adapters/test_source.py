"""TokenSource and AsyncTokenSource in one process: single flight, leeway, rotation, failures.

Every test talks to a real loopback token server (the embedded reference provider, or a bare
loopback server that answers 500) through the httpcore transports, with real stores. Waits are
polls with a deadline; nothing sleeps to let something happen.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
import pytest
import trio

from tests.recording_provider import provider_starter
from tokenwire.adapters.httpcore import AsyncTokenClient, TokenClient
from tokenwire.adapters.source import AsyncTokenSource, RefreshTimeout, TokenSource
from tokenwire.adapters.source.cached import Cached
from tokenwire.adapters.source.renewal import Renewer
from tokenwire.adapters.source.steps import TakeLease, perform
from tokenwire.adapters.stores import MemoryStore, SqliteStore
from tokenwire.conformance.loopback import serving
from tokenwire.conformance.reference import POST_CLIENT, REDIRECT_URI, ReferenceProvider
from tokenwire.conformance.reference.handler import ReferenceHTTPServer, ReferenceRequestHandler
from tokenwire.conformance.reference.replies import ProviderReply
from tokenwire.core import (
    ClientCredentials,
    ConfigurationError,
    HttpRequest,
    InvalidGrant,
    Profile,
    ReauthorizationRequired,
    RefreshToken,
    Send,
    ServerError,
    Sleep,
    Token,
)

WAIT = 30.0  # upper bound on any wait in these tests; never reached when things work
KEY = "user-42"


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
def provider_factory(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., ReferenceProvider]]:
    """Start reference providers on demand; all are stopped at the end of the test."""
    # TCP_NODELAY on the provider's sockets: it writes headers and body separately, and Nagle's
    # algorithm meeting the client's delayed ACK adds 40 ms to every request otherwise.
    monkeypatch.setattr(ReferenceRequestHandler, "disable_nagle_algorithm", True)
    with provider_starter(functools.partial(ReferenceProvider, "rfc6749")) as start:
        yield start


@pytest.fixture
def slow_provider(provider_factory: Callable[..., ReferenceProvider]) -> ReferenceProvider:
    """Rotates refresh tokens, refuses a used one, and takes 300 ms per token request."""
    return provider_factory(rotate_refresh_tokens=True, token_delay=0.3)


def client_for(provider: ReferenceProvider) -> TokenClient:
    return TokenClient(provider.profile(), POST_CLIENT.auth())


def first_token(provider: ReferenceProvider) -> Token:
    """A real token with a real refresh token, from an authorization code."""
    with client_for(provider) as client:
        return client.exchange_code(provider.issue_code(POST_CLIENT.client_id), REDIRECT_URI)


def due(token: Token) -> Token:
    """``token`` as if its lifetime had run out: due for renewal, refresh token intact."""
    return msgspec.structs.replace(token, expires_at=time.time() - 1.0)


class Clock:
    """A wall clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def requests_made(provider: ReferenceProvider, since: int) -> int:
    return provider.token_requests - since


def run_threads(count: int, call: Callable[[], object]) -> list[object]:
    """Run ``call`` in ``count`` threads released together; each result or exception, in order."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def work(index: int) -> None:
        barrier.wait(timeout=WAIT)
        try:
            results[index] = call()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT)
    assert not any(thread.is_alive() for thread in threads), "a caller never returned"
    return results


class FailingServer:
    """A loopback token endpoint that answers every request with 500 ``server_error``, slowly."""

    def __init__(self, delay: float = 0.3) -> None:
        self.delay = delay
        self.requests = 0
        self._lock = threading.Lock()
        self.http = ReferenceHTTPServer(self._answer)

    def _answer(self, request: HttpRequest) -> ProviderReply:
        with self._lock:
            self.requests += 1
        time.sleep(self.delay)  # the point: the refresh is in flight while others ask
        return ProviderReply(
            500, (("Content-Type", "application/json"),), json={"error": "server_error"}
        )

    def profile(self) -> Profile:
        return Profile(token_url=f"{self.http.base_url}/token")


@pytest.fixture
def failing_server() -> Iterator[FailingServer]:
    server = FailingServer()
    with serving(server.http):
        yield server


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)  # poll interval


# --- single flight --------------------------------------------------------------------------


def test_200_threads_asking_for_a_due_token_cause_one_request(
    slow_provider: ReferenceProvider,
) -> None:
    seed = due(first_token(slow_provider))
    source = TokenSource(client_for(slow_provider), token=seed)
    before = slow_provider.token_requests

    results = run_threads(200, source.access_token)

    assert requests_made(slow_provider, before) == 1
    assert [r for r in results if not isinstance(r, str)] == []
    assert len(set(results)) == 1
    assert results[0] != seed.access_token
    assert source.access_token() == results[0]  # cached now: no further request
    assert requests_made(slow_provider, before) == 1


def test_1000_asyncio_tasks_asking_for_a_due_token_cause_one_request(
    slow_provider: ReferenceProvider,
) -> None:
    seed = due(first_token(slow_provider))
    before = slow_provider.token_requests

    async def main() -> list[str]:
        async with AsyncTokenClient(slow_provider.profile(), POST_CLIENT.auth()) as client:
            source = AsyncTokenSource(client, token=seed)
            return await asyncio.wait_for(
                asyncio.gather(*(source.access_token() for _ in range(1000))), WAIT
            )

    results = asyncio.run(main())

    assert requests_made(slow_provider, before) == 1
    assert len(results) == 1000
    assert len(set(results)) == 1
    assert results[0] != seed.access_token


def test_trio_tasks_asking_for_a_due_token_cause_one_request(
    slow_provider: ReferenceProvider,
) -> None:
    seed = due(first_token(slow_provider))
    before = slow_provider.token_requests
    results: list[str] = []

    async def main() -> None:
        async with AsyncTokenClient(slow_provider.profile(), POST_CLIENT.auth()) as client:
            source = AsyncTokenSource(client, token=seed)

            async def ask() -> None:
                results.append(await source.access_token())

            with trio.fail_after(WAIT):
                async with trio.open_nursery() as nursery:
                    for _ in range(100):
                        nursery.start_soon(ask)

    trio.run(main)

    assert requests_made(slow_provider, before) == 1
    assert len(results) == 100
    assert len(set(results)) == 1


# --- failures -------------------------------------------------------------------------------


def test_a_failed_refresh_gives_every_waiter_the_same_error_and_is_not_memoized(
    failing_server: FailingServer,
) -> None:
    client = TokenClient(failing_server.profile(), POST_CLIENT.auth())
    store = MemoryStore()
    seed = due(Token(access_token="AT-SECRET-old", token_type="Bearer", expires_in=3600,
                     refresh_token="RT-SECRET-old", received_at=time.time()))  # fmt: skip
    source = TokenSource(client, token=seed, store=store, key=KEY)

    results = run_threads(50, source.access_token)

    assert failing_server.requests == 1
    assert all(isinstance(r, ServerError) for r in results), results
    assert len({str(r) for r in results}) == 1
    assert len({id(r) for r in results}) == 50  # each caller has its own exception object
    assert "SECRET" not in str(results[0])
    # Not poisoned: the lease is free and the next call asks the server again.
    lease = store.acquire_lease(KEY, 1.0)
    assert lease is not None
    assert store.release_lease(lease)
    with pytest.raises(ServerError):
        source.access_token()
    assert failing_server.requests == 2
    stored = store.get(KEY)
    assert stored is not None
    assert stored.version == 1  # nothing was written by the failed refreshes


def test_a_failed_refresh_reaches_every_waiting_task(failing_server: FailingServer) -> None:
    seed = due(Token(access_token="AT-SECRET-old", token_type="Bearer", expires_in=3600,
                     refresh_token="RT-SECRET-old", received_at=time.time()))  # fmt: skip

    async def main() -> list[BaseException | str]:
        async with AsyncTokenClient(failing_server.profile(), POST_CLIENT.auth()) as client:
            source = AsyncTokenSource(client, token=seed)
            gathered = asyncio.gather(
                *(source.access_token() for _ in range(100)), return_exceptions=True
            )
            return await asyncio.wait_for(gathered, WAIT)

    results = asyncio.run(main())

    assert failing_server.requests == 1
    assert all(isinstance(r, ServerError) for r in results)
    assert len({str(r) for r in results}) == 1


def test_invalid_grant_requires_reauthorization_once_for_everyone(
    slow_provider: ReferenceProvider,
) -> None:
    store = MemoryStore()
    real = first_token(slow_provider)
    bogus = due(msgspec.structs.replace(real, refresh_token="RT-SECRET-bogus-0123456789"))
    source = TokenSource(client_for(slow_provider), token=bogus, store=store, key=KEY)
    before = slow_provider.token_requests

    results = run_threads(50, source.access_token)

    assert requests_made(slow_provider, before) == 1
    assert all(isinstance(r, ReauthorizationRequired) for r in results), results
    error = results[0]
    assert isinstance(error, InvalidGrant)  # still an invalid_grant for generic handlers
    assert "re-authorization is needed" in str(error)
    assert "RT-SECRET" not in str(error)
    assert "RT-SECRET" not in repr(error)
    # Not retried in a loop: the next calls fail at once, without a request.
    for _ in range(3):
        with pytest.raises(ReauthorizationRequired, match="re-authorization is needed"):
            source.access_token()
    assert requests_made(slow_provider, before) == 1
    stored = store.get(KEY)
    assert stored is not None
    assert (stored.version, stored.token.refresh_token) == (1, bogus.refresh_token)
    # A newer token in the store (the user authorized again, elsewhere) is picked up.
    store.compare_and_set(KEY, 1, real)
    assert source.access_token() == real.access_token
    assert requests_made(slow_provider, before) == 1


def test_a_newly_given_token_replaces_a_refused_one(
    provider_factory: Callable[..., ReferenceProvider],
) -> None:
    provider = provider_factory()
    store = MemoryStore()
    stale = due(first_token(provider))
    client = client_for(provider)
    client.refresh(stale.refresh_token or "")  # rotated away: the stored one is now dead
    source = TokenSource(client, token=stale, store=store, key=KEY)
    with pytest.raises(ReauthorizationRequired):
        source.token()

    fresh = first_token(provider)  # re-authorized
    again = TokenSource(client, token=fresh, store=store, key=KEY)

    assert again.access_token() == fresh.access_token
    assert source.access_token() == fresh.access_token  # the first source sees it in the store


def test_waiting_for_a_lease_that_never_frees_is_a_refresh_timeout(
    provider_factory: Callable[..., ReferenceProvider],
) -> None:
    provider = provider_factory()
    store = MemoryStore()
    store.compare_and_set(KEY, None, due(first_token(provider)))
    lease = store.acquire_lease(KEY, 600.0)  # a refresher elsewhere that hangs
    assert lease is not None
    source = TokenSource(client_for(provider), store=store, key=KEY, wait_timeout=0.2)
    before = provider.token_requests

    with pytest.raises(RefreshTimeout, match=KEY):
        source.access_token()
    assert requests_made(provider, before) == 0

    assert store.release_lease(lease)
    assert source.access_token()
    assert requests_made(provider, before) == 1


def test_a_cancelled_leader_leaves_a_waiter_to_finish_the_refresh(
    provider_factory: Callable[..., ReferenceProvider],
) -> None:
    provider = provider_factory(rotate_refresh_tokens=False, token_delay=0.3)
    store = MemoryStore()
    seed = due(first_token(provider))
    before = provider.token_requests

    async def main() -> str:
        async with AsyncTokenClient(provider.profile(), POST_CLIENT.auth()) as client:
            source = AsyncTokenSource(client, token=seed, store=store, key=KEY)
            leader = asyncio.create_task(source.access_token())
            while provider.token_requests == before:  # the leader's request is in flight
                await asyncio.sleep(0.005)  # poll interval
            waiter = asyncio.create_task(source.access_token())
            await asyncio.sleep(0)  # let the waiter join the flight
            leader.cancel()
            with pytest.raises(asyncio.CancelledError):
                await leader
            return await asyncio.wait_for(waiter, WAIT)

    token = asyncio.run(main())

    assert token != seed.access_token
    assert requests_made(provider, before) == 2  # the waiter led a new attempt
    lease = store.acquire_lease(KEY, 1.0)  # the cancelled leader released its lease
    assert lease is not None


# --- leeway ---------------------------------------------------------------------------------


def test_a_299_second_token_is_refreshed_once_near_its_end(
    provider_factory: Callable[..., ReferenceProvider],
) -> None:
    provider = provider_factory(access_token_lifetime=299)
    clock = Clock()
    client = TokenClient(provider.profile(), POST_CLIENT.auth(), clock=clock)
    source = TokenSource(client, ClientCredentials())
    before = provider.token_requests

    first = source.token()
    assert first.expires_in == 299
    seen = set()
    for _ in range(260):  # one call a second for 260 s: well inside the lifetime
        seen.add(source.access_token())
        clock.now += 1.0
    assert seen == {first.access_token}
    assert requests_made(provider, before) == 1

    clock.now = (first.expires_at or 0) - 1.0  # inside the leeway, not yet expired
    second = source.access_token()
    assert second != first.access_token
    assert source.access_token() == second
    assert requests_made(provider, before) == 2  # renewed with the grant (no refresh token)


def test_a_token_without_expires_in_is_kept_until_invalidated(
    provider_factory: Callable[..., ReferenceProvider],
) -> None:
    provider = provider_factory()
    clock = Clock()
    real = first_token(provider)
    forever = msgspec.structs.replace(real, expires_in=None, expires_at=None)
    source = TokenSource(client_for(provider), token=forever, clock=clock)
    before = provider.token_requests

    for _ in range(5):
        assert source.access_token() == real.access_token
        clock.now += 10 * 365 * 86400.0
    assert requests_made(provider, before) == 0

    source.invalidate()
    renewed = source.access_token()
    assert renewed != real.access_token
    assert requests_made(provider, before) == 1


# --- rotation, seeding, invalidation ----------------------------------------------------------


def test_a_rotated_refresh_token_is_stored_before_the_access_token_is_handed_out(
    provider_factory: Callable[..., ReferenceProvider],
) -> None:
    provider = provider_factory(rotate_refresh_tokens=True)
    store = MemoryStore()
    seed = due(first_token(provider))
    source = TokenSource(client_for(provider), token=seed, store=store, key=KEY)

    token = source.token()

    stored = store.get(KEY)
    assert stored is not None
    assert stored.version == 2
    assert stored.token.access_token == token.access_token
    assert stored.token.refresh_token not in (None, seed.refresh_token)
    with client_for(provider) as client:
        with pytest.raises(InvalidGrant):
            client.refresh(seed.refresh_token or "")  # the old one is spent
        assert client.refresh(stored.token.refresh_token or "").access_token


def test_a_refresh_without_a_new_refresh_token_keeps_the_old_one(
    provider_factory: Callable[..., ReferenceProvider],
) -> None:
    provider = provider_factory(rotate_refresh_tokens=False)
    store = MemoryStore()
    seed = due(first_token(provider))
    source = TokenSource(client_for(provider), token=seed, store=store, key=KEY)

    token = source.token()

    assert token.access_token != seed.access_token
    assert token.refresh_token == seed.refresh_token  # RFC 6749 §6
    stored = store.get(KEY)
    assert stored is not None
    assert stored.token.refresh_token == seed.refresh_token


def test_a_given_token_seeds_the_store_only_when_nothing_newer_is_stored(
    provider_factory: Callable[..., ReferenceProvider], tmp_path: Any
) -> None:
    provider = provider_factory()
    store = SqliteStore(tmp_path / "tokens.db")
    try:
        older, newer = first_token(provider), first_token(provider)
        client = client_for(provider)

        assert TokenSource(client, token=newer, store=store, key=KEY).access_token() == (
            newer.access_token
        )
        # A second process starting with an older token in hand works from the stored one.
        assert TokenSource(client, token=older, store=store, key=KEY).access_token() == (
            newer.access_token
        )
        stored = store.get(KEY)
        assert stored is not None
        assert (stored.version, stored.token.access_token) == (1, newer.access_token)
        # Nothing given, nothing but the store and the key: still the stored token.
        assert TokenSource(client, store=store, key=KEY).access_token() == newer.access_token

        newest = first_token(provider)
        assert TokenSource(client, token=newest, store=store, key=KEY).access_token() == (
            newest.access_token
        )
        stored = store.get(KEY)
        assert stored is not None
        assert stored.version == 2
        assert provider.token_requests == 3  # the three codes; no refresh was needed
    finally:
        store.close()


def test_invalidate_refreshes_unless_the_store_already_holds_a_newer_token(
    provider_factory: Callable[..., ReferenceProvider],
) -> None:
    provider = provider_factory()
    store = MemoryStore()
    client = client_for(provider)
    first = first_token(provider)
    one = TokenSource(client, token=first, store=store, key=KEY)
    two = TokenSource(client, store=store, key=KEY)
    assert one.access_token() == two.access_token() == first.access_token
    before = provider.token_requests

    one.invalidate()
    renewed = one.access_token()
    assert renewed != first.access_token
    assert requests_made(provider, before) == 1

    two.invalidate()  # its copy was rejected too, but the store already holds the renewal
    assert two.access_token() == renewed
    assert requests_made(provider, before) == 1

    two.invalidate(first.access_token)  # a late report about an already replaced token
    assert two.access_token() == renewed
    assert requests_made(provider, before) == 1


def test_renewal_without_a_refresh_token_repeats_the_grant(
    provider_factory: Callable[..., ReferenceProvider],
) -> None:
    provider = provider_factory()
    source = TokenSource(client_for(provider), ClientCredentials())
    first = source.token()
    assert first.refresh_token is None

    source.invalidate()
    assert source.access_token() != first.access_token
    assert provider.token_requests == 2


def test_a_refresh_token_grant_can_start_a_source(
    provider_factory: Callable[..., ReferenceProvider],
) -> None:
    provider = provider_factory(rotate_refresh_tokens=True)
    real = first_token(provider)
    source = TokenSource(client_for(provider), RefreshToken(real.refresh_token or ""))

    token = source.token()
    assert token.access_token != real.access_token
    source.invalidate()
    assert source.token().refresh_token != token.refresh_token  # renewed with the rotated one


def drive_by_hand(
    renewer: Renewer, client: TokenClient, before: Callable[[object], None]
) -> tuple[Cached, list[type]]:
    """Run a renewal step by hand, as the sans-IO design allows, calling ``before(step)`` first.

    Store steps go to the renewer's real store, sends to the real provider. Returns the result
    and the kinds of steps taken.
    """
    renewal = renewer.renew()
    reply: Any = None
    steps: list[type] = []
    while True:
        try:
            step = renewal.send(reply)
        except StopIteration as stop:
            return stop.value, steps
        steps.append(type(step))
        before(step)
        if isinstance(step, Send):
            reply = client.transport.send(step.request)
        elif isinstance(step, Sleep):
            reply = None
        else:
            reply = perform(renewer.store, step)


def hand_renewer(client: TokenClient, store: MemoryStore) -> Renewer:
    return Renewer(
        client, None, token=None, store=store, key=KEY, lease_ttl=5.0, wait_timeout=5.0,
        clock=time.time, random=lambda: 0.5,
    )  # fmt: skip


def test_a_lost_compare_and_set_hands_out_the_newer_stored_token(
    provider_factory: Callable[..., ReferenceProvider],
) -> None:
    provider = provider_factory(rotate_refresh_tokens=False)
    store = MemoryStore()
    seed = due(first_token(provider))
    store.compare_and_set(KEY, None, seed)
    client = client_for(provider)
    theirs = client.refresh(seed.refresh_token or "")

    def meanwhile(step: object) -> None:
        if isinstance(step, Send):
            # A refresher whose lease outlived ours stores its token while ours is in flight.
            assert store.compare_and_set(KEY, 1, theirs) is not None

    result, steps = drive_by_hand(hand_renewer(client, store), client, meanwhile)

    assert steps.count(Send) == 1
    assert result.access_token == theirs.access_token
    stored = store.get(KEY)
    assert stored is not None
    assert (stored.version, stored.token.access_token) == (2, theirs.access_token)
    lease = store.acquire_lease(KEY, 1.0)
    assert lease is not None  # released on the way out


def test_the_store_is_read_again_once_the_lease_is_taken(
    provider_factory: Callable[..., ReferenceProvider],
) -> None:
    provider = provider_factory()
    store = MemoryStore()
    seed = due(first_token(provider))
    store.compare_and_set(KEY, None, seed)
    client = client_for(provider)
    theirs = client.refresh(seed.refresh_token or "")
    before = provider.token_requests

    def meanwhile(step: object) -> None:
        if isinstance(step, TakeLease):
            # The previous holder stored its token and let go just before we took the lease.
            assert store.compare_and_set(KEY, 1, theirs) is not None

    result, steps = drive_by_hand(hand_renewer(client, store), client, meanwhile)

    assert Send not in steps
    assert provider.token_requests == before
    assert result.access_token == theirs.access_token


# --- configuration and hygiene --------------------------------------------------------------


def test_configuration_errors(provider_factory: Callable[..., ReferenceProvider]) -> None:
    provider = provider_factory()
    client = client_for(provider)
    with pytest.raises(ConfigurationError, match="needs a grant, a token"):
        TokenSource(client)
    with pytest.raises(ConfigurationError, match="needs a key"):
        TokenSource(client, ClientCredentials(), store=MemoryStore())
    with pytest.raises(ConfigurationError, match="lease_ttl"):
        TokenSource(client, ClientCredentials(), lease_ttl=0)
    with pytest.raises(ConfigurationError, match="grant"):
        TokenSource(client, "client_credentials")  # type: ignore[arg-type]

    no_refresh = due(first_token(provider))
    no_refresh = msgspec.structs.replace(no_refresh, refresh_token=None)
    source = TokenSource(client, token=no_refresh)
    with pytest.raises(ConfigurationError, match="no refresh token and no grant"):
        source.access_token()
    with pytest.raises(ConfigurationError, match="nothing is stored"):
        TokenSource(client, store=MemoryStore(), key=KEY).access_token()


def test_default_lease_outlasts_the_longest_request(
    provider_factory: Callable[..., ReferenceProvider],
) -> None:
    provider = provider_factory()
    client = client_for(provider)
    source = TokenSource(client, ClientCredentials())
    options = client.transport.options  # type: ignore[attr-defined]
    retry = client.retry
    longest = retry.max_attempts * options.total_timeout + (retry.max_attempts - 1) * max(
        retry.max_delay, retry.max_retry_after
    )
    assert source.lease_ttl > longest
    assert source.wait_timeout > source.lease_ttl
    assert TokenSource(client, ClientCredentials(), lease_ttl=3.0).lease_ttl == 3.0


def test_no_secret_in_reprs(provider_factory: Callable[..., ReferenceProvider]) -> None:
    provider = provider_factory()
    token = first_token(provider)
    source = TokenSource(client_for(provider), token=token)
    source.access_token()
    text = repr(source) + repr(source._cached) + repr(source._renewer)
    for secret in (token.access_token, token.refresh_token or "", POST_CLIENT.client_secret or ""):
        assert secret not in text
