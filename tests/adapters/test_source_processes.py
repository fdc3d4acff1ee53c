"""TokenSource across processes: one refresh between them, rotation that loses nothing, takeover.

Children are spawned (a fresh interpreter each, as separate machines would be), released together
by a barrier or an event, and talk to a real reference provider in the parent over loopback, with
a real SqliteStore file or a real redis-server between them. The module is importable by the
children because the test puts the repository root on ``sys.path``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tests.redis_peer import RedisPeer
from tests.spawned import run_spawned
from tokenwire.adapters.httpcore import TokenClient
from tokenwire.adapters.source import TokenSource
from tokenwire.adapters.stores import RedisStore, SqliteStore, TokenStore
from tokenwire.conformance.loopback import HOST
from tokenwire.conformance.reference import POST_CLIENT, REDIRECT_URI, ReferenceProvider
from tokenwire.conformance.reference.handler import ReferenceRequestHandler
from tokenwire.core import Profile, Token, TokenwireError

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60.0  # upper bound on any wait in these tests; never reached when things work
KEY = "shared-user"
#: Where each child finds the store: ("sqlite", path) or ("redis", url, prefix).
StoreSpec = tuple[str, ...]


# --- what runs in the children ----------------------------------------------------------------


def _tmpfs() -> str | None:
    """The shared-memory tmpfs if it is writable (Linux), else None (the default temp dir).

    Only ever a parent for ``TemporaryDirectory``, which makes a private (0700) directory in it.
    """
    shm = "/dev/shm"  # noqa: S108  (see above)
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def open_store(spec: StoreSpec) -> TokenStore:
    if spec[0] == "sqlite":
        return SqliteStore(spec[1])
    return RedisStore(spec[1], prefix=spec[2])


def _ask_once(spec: StoreSpec, profile: Profile, barrier: Any, results: Any) -> None:
    """Ask for the token once, together with the others; report ``(access_token, error)``."""
    try:
        store = open_store(spec)
        try:
            source = TokenSource(TokenClient(profile, POST_CLIENT.auth()), store=store, key=KEY)
            barrier.wait(timeout=WAIT)
            results.put((source.access_token(), None))
        finally:
            store.close()
    except Exception as exc:
        barrier.abort()
        results.put((None, repr(exc)))


def _churn(spec: StoreSpec, profile: Profile, until: int, barrier: Any, results: Any) -> None:
    """Report the token rejected and renew it, until the stored version reaches ``until``.

    Reports ``(renewals asked for, errors)``. Each round is what an API client does after a
    401: ``invalidate()`` then ``token()``; the store's version counts the refreshes done.
    """
    asked = 0
    errors: list[str] = []
    try:
        store = open_store(spec)
        try:
            source = TokenSource(TokenClient(profile, POST_CLIENT.auth()), store=store, key=KEY)
            barrier.wait(timeout=WAIT)
            deadline = time.monotonic() + WAIT
            while time.monotonic() < deadline:
                stored = store.get(KEY)
                if stored is None or stored.version >= until:
                    break
                source.invalidate()
                try:
                    source.token()
                except TokenwireError as exc:
                    errors.append(repr(exc))
                    break
                asked += 1
        finally:
            store.close()
    except Exception as exc:
        barrier.abort()
        errors.append(repr(exc))
    results.put((asked, errors))


def _refresh_into_a_black_hole(
    spec: StoreSpec, profile: Profile, lease_ttl: float, results: Any
) -> None:
    """Take the lease and send the refresh to an endpoint that never answers (then get killed)."""
    try:
        store = open_store(spec)
        client = TokenClient(profile, POST_CLIENT.auth())
        source = TokenSource(client, store=store, key=KEY, lease_ttl=lease_ttl)
        source.access_token()
        results.put(("returned", None))  # never: the endpoint does not answer in time
    except Exception as exc:
        results.put(("error", repr(exc)))


def _take_over(spec: StoreSpec, profile: Profile, go: Any, results: Any) -> None:
    """Wait for ``go``, then ask for the token; report ``(access_token, error)``."""
    try:
        store = open_store(spec)
        try:
            source = TokenSource(TokenClient(profile, POST_CLIENT.auth()), store=store, key=KEY)
            if not go.wait(timeout=WAIT):
                raise TimeoutError("never told to go")
            results.put((source.access_token(), None))
        finally:
            store.close()
    except Exception as exc:
        results.put((None, repr(exc)))


# --- the parent's side ------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "redis"])
def store_spec(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[StoreSpec]:
    monkeypatch.syspath_prepend(str(ROOT))  # so spawned children can import this module
    if request.param == "sqlite":
        # On tmpfs when there is one: SqliteStore syncs every write (three per refresh), which
        # on a disk costs ~10 ms per refresh and would make the 1,000-refresh test slow.
        # What is tested, the locking and versioning between processes, is the same.
        with tempfile.TemporaryDirectory(dir=_tmpfs(), prefix="tokenwire-") as scratch:
            yield ("sqlite", str(Path(scratch) / "tokens.db"))
    else:
        peer: RedisPeer = request.getfixturevalue("redis_peer")
        yield ("redis", peer.url, f"test:{uuid.uuid4().hex}:")


@pytest.fixture
def provider_factory(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., ReferenceProvider]]:
    # TCP_NODELAY on the provider's sockets: it writes headers and body separately, and Nagle's
    # algorithm meeting the client's delayed ACK adds 40 ms to every request otherwise.
    monkeypatch.setattr(ReferenceRequestHandler, "disable_nagle_algorithm", True)
    started: list[ReferenceProvider] = []

    def start(**options: Any) -> ReferenceProvider:
        provider = ReferenceProvider("rfc6749", rotate_refresh_tokens=True, **options).start()
        started.append(provider)
        return provider

    yield start
    for provider in started:
        provider.stop()


def store_first_token(provider: ReferenceProvider, spec: StoreSpec, *, due: bool) -> Token:
    """Store a real token (with a real refresh token) under KEY as version 1."""
    with TokenClient(provider.profile(), POST_CLIENT.auth()) as client:
        token = client.exchange_code(provider.issue_code(POST_CLIENT.client_id), REDIRECT_URI)
    if due:
        token = msgspec.structs.replace(token, expires_at=time.time() - 1.0)
    store = open_store(spec)
    try:
        assert store.compare_and_set(KEY, None, token) is not None
    finally:
        store.close()
    return token


def stored_token(spec: StoreSpec) -> tuple[int, Token]:
    store = open_store(spec)
    try:
        stored = store.get(KEY)
    finally:
        store.close()
    assert stored is not None
    return stored.version, stored.token


def still_works(provider: ReferenceProvider, refresh_token: str | None) -> bool:
    """True if the provider accepts ``refresh_token`` now (the rotation chain is intact)."""
    assert refresh_token is not None
    with TokenClient(provider.profile(), POST_CLIENT.auth()) as client:
        try:
            client.refresh(refresh_token)
        except TokenwireError:
            return False
    return True


# --- tests ------------------------------------------------------------------------------------


def test_six_processes_asking_at_once_cause_one_request(
    store_spec: StoreSpec, provider_factory: Callable[..., ReferenceProvider]
) -> None:
    provider = provider_factory(token_delay=0.3)
    old = store_first_token(provider, store_spec, due=True)
    before = provider.token_requests

    outcomes = run_spawned(_ask_once, [(store_spec, provider.profile())] * 6, wait=WAIT)

    assert [error for _, error in outcomes if error is not None] == []
    assert provider.token_requests - before == 1
    tokens = {token for token, _ in outcomes}
    assert len(tokens) == 1
    assert tokens != {old.access_token}
    version, stored = stored_token(store_spec)
    assert (version, stored.access_token) == (2, tokens.pop())


def test_1000_refreshes_from_four_processes_never_burn_a_rotated_refresh_token(
    store_spec: StoreSpec, provider_factory: Callable[..., ReferenceProvider]
) -> None:
    provider = provider_factory()
    store_first_token(provider, store_spec, due=False)
    before = provider.token_requests
    refreshes = 1000

    outcomes = run_spawned(_churn, [(store_spec, provider.profile(), 1 + refreshes)] * 4, wait=WAIT)

    assert [errors for _, errors in outcomes if errors] == []  # zero invalid_grant, zero errors
    assert all(asked > 0 for asked, _ in outcomes)
    version, stored = stored_token(store_spec)
    made = provider.token_requests - before
    assert made >= refreshes
    assert made == version - 1  # every refresh was stored: none lost, none wasted
    assert still_works(provider, stored.refresh_token)


class BlackHole:
    """A loopback token endpoint that reads requests and never answers (a refresher's last call).

    ``received`` is set once a request has arrived: its sender then holds the refresh lease.
    """

    def __init__(self) -> None:
        self.listener = socket.create_server((HOST, 0))
        self.received = threading.Event()
        self._connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.listener.getsockname()[1]}/token"

    def _accept(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return  # closed
        self._connections.append(connection)
        connection.settimeout(WAIT)
        try:
            if connection.recv(65536):
                self.received.set()
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()
        for connection in self._connections:
            connection.close()
        self._thread.join(timeout=WAIT)


def test_a_refresher_killed_holding_the_lease_is_replaced_and_its_refresh_token_kept(
    store_spec: StoreSpec, provider_factory: Callable[..., ReferenceProvider]
) -> None:
    provider = provider_factory()
    original = store_first_token(provider, store_spec, due=True)
    before = provider.token_requests
    hole = BlackHole()
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    go = context.Event()
    victim_profile = Profile(token_url=hole.url)
    victim = context.Process(
        target=_refresh_into_a_black_hole, args=(store_spec, victim_profile, 2.0, results)
    )
    successor = context.Process(
        target=_take_over, args=(store_spec, provider.profile(), go, results)
    )
    try:
        victim.start()
        successor.start()
        assert hole.received.wait(timeout=WAIT), "the victim never sent its refresh"
        os.kill(victim.pid or 0, signal.SIGKILL)
        victim.join(timeout=WAIT)
        assert victim.exitcode == -signal.SIGKILL
        store = open_store(store_spec)
        try:
            assert store.acquire_lease(KEY, 60.0) is None  # the dead refresher's lease holds
        finally:
            store.close()

        go.set()
        token, error = results.get(timeout=WAIT)
    finally:
        for process in (victim, successor):
            process.join(timeout=WAIT)
            if process.is_alive():
                process.kill()
                process.join(timeout=WAIT)
        hole.close()

    assert error is None
    assert successor.exitcode == 0
    assert provider.token_requests - before == 1  # the successor's takeover refresh
    version, stored = stored_token(store_spec)
    assert (version, stored.access_token) == (2, token)
    assert stored.refresh_token != original.refresh_token
    assert still_works(provider, stored.refresh_token)
