"""Token stores: the same contract for MemoryStore, SqliteStore and RedisStore (a real server,
and a real Redis Cluster node).

The contract is what single-flight refresh across processes relies on: compare-and-set on a
version (a stale writer loses and changes nothing), an exclusive lease that is taken over once it
expires and released only by its owner, lossless round trips, and typed errors that show no token.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tests.redis_peer import RedisPeer, cluster_client
from tests.spawned import run_spawned
from tests.store_helpers import FakeClock, make_token
from tokenwire.adapters.stores import (
    Lease,
    MemoryStore,
    RedisStore,
    SqliteStore,
    StoredToken,
    StoreError,
    TokenStore,
)
from tokenwire.adapters.stores.redis import EXPIRY_GRACE
from tokenwire.conformance.loopback import free_port
from tokenwire.core import ConfigurationError, Token

ROOT = Path(__file__).resolve().parents[2]
WAIT = 30.0  # upper bound on any wait in these tests; never reached when things work


@dataclass
class Harness:
    """A store under test and how to make its leases expire."""

    store: TokenStore
    kind: str
    clock: FakeClock | None = None  # the monotonic clock that times leases (not Redis's)
    raw: Any = None  # a plain redis client on the same server, for inspection
    prefix: str = ""

    @property
    def short_ttl(self) -> float:
        # Redis owns the lease clock, so a redis lease really has to run out.
        return 0.05 if self.kind == "redis" else 10.0

    def expire(self, lease: Lease) -> None:
        """Return once ``lease`` has expired in the store's own clock."""
        if self.clock is not None:
            self.clock.now += 10_000.0  # past any ttl these tests use
            return
        name = f"{self.prefix}lease:{lease.key}"
        deadline = time.monotonic() + WAIT
        while self.raw.exists(name):
            assert time.monotonic() < deadline, "redis never expired the lease"
            time.sleep(0.01)  # poll interval


def redis_harness(peer: RedisPeer, **options: Any) -> Harness:
    import redis

    prefix = f"test:{uuid.uuid4().hex}:"
    return Harness(
        store=RedisStore(peer.url, prefix=prefix, **options),
        kind="redis",
        raw=redis.Redis.from_url(peer.url, socket_timeout=5.0),
        prefix=prefix,
    )


def redis_cluster_harness(peer: RedisPeer) -> Harness:
    """A RedisStore on a cluster client, under a hash-tagged prefix (all keys in one slot)."""
    client = cluster_client(peer)
    prefix = f"{{tokenwire-test}}:{uuid.uuid4().hex}:"
    return Harness(
        store=RedisStore(client=client, prefix=prefix), kind="redis", raw=client, prefix=prefix
    )


@pytest.fixture(params=["memory", "sqlite", "redis", "redis-cluster"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    kind: str = request.param
    if kind == "memory":
        clock = FakeClock()
        made = Harness(MemoryStore(monotonic=clock), kind, clock)
    elif kind == "sqlite":
        clock = FakeClock()
        made = Harness(SqliteStore(tmp_path / "tokens.db", monotonic=clock), kind, clock)
    elif kind == "redis":
        made = redis_harness(request.getfixturevalue("redis_peer"))
    else:
        made = redis_cluster_harness(request.getfixturevalue("redis_cluster_peer"))
    try:
        yield made
    finally:
        made.store.close()
        if made.raw is not None:
            made.raw.close()


@pytest.fixture
def redis_harness_factory(redis_peer: RedisPeer) -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def factory(**options: Any) -> Harness:
        made.append(redis_harness(redis_peer, **options))
        return made[-1]

    yield factory
    for each in made:
        each.store.close()
        each.raw.close()


# --- the shared contract -------------------------------------------------------------------


def test_get_on_empty_key_is_none(harness: Harness) -> None:
    assert harness.store.get("nothing-here") is None


def test_first_write_expects_none(harness: Harness) -> None:
    store = harness.store
    first = store.compare_and_set("k", None, make_token("a"))
    assert first is not None
    assert first.version == 1
    assert store.get("k") == first
    # A second "first write" lost the race: nothing changes.
    assert store.compare_and_set("k", None, make_token("b")) is None
    assert store.get("k") == first


def test_expecting_a_version_on_an_empty_key_fails(harness: Harness) -> None:
    assert harness.store.compare_and_set("k", 3, make_token()) is None
    assert harness.store.get("k") is None


def test_stale_version_fails_and_keeps_the_stored_token(harness: Harness) -> None:
    store = harness.store
    store.compare_and_set("k", None, make_token("a"))
    second = store.compare_and_set("k", 1, make_token("b"))
    assert second is not None
    assert second.version == 2
    assert store.compare_and_set("k", 1, make_token("stale")) is None
    stored = store.get("k")
    assert stored is not None
    assert stored.version == 2
    assert stored.token.access_token == "AT-SECRET-b"
    assert stored.token.refresh_token == "RT-SECRET-b"


def test_versions_increase_by_one(harness: Harness) -> None:
    store = harness.store
    version: int | None = None
    for n in range(1, 6):
        written = store.compare_and_set("k", version, make_token(str(n)))
        assert written is not None
        assert written.version == n
        version = written.version
    stored = store.get("k")
    assert stored is not None
    assert (stored.version, stored.token.access_token) == (5, "AT-SECRET-5")


def test_keys_are_independent(harness: Harness) -> None:
    store = harness.store
    store.compare_and_set("one", None, make_token("1"))
    assert store.get("two") is None
    two = store.compare_and_set("two", None, make_token("2"))
    assert two is not None
    assert two.version == 1


def test_delete_forgets_the_token(harness: Harness) -> None:
    store = harness.store
    store.compare_and_set("k", None, make_token("a"))
    store.delete("k")
    assert store.get("k") is None
    again = store.compare_and_set("k", None, make_token("b"))
    assert again is not None
    assert again.version == 2  # versions never repeat for a key
    store.delete("never-written")  # not an error


def test_racing_threads_from_one_version_one_wins(harness: Harness) -> None:
    store = harness.store
    store.compare_and_set("k", None, make_token("seed"))
    barrier = threading.Barrier(8)
    results: list[StoredToken | None] = [None] * 8

    def race(index: int) -> None:
        barrier.wait(timeout=WAIT)
        results[index] = store.compare_and_set("k", 1, make_token(f"t{index}"))

    threads = [threading.Thread(target=race, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT)
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert store.get("k") == winners[0]
    assert winners[0].version == 2


def test_round_trip_keeps_every_token_field(harness: Harness) -> None:
    token = Token(
        access_token="AT-SECRET-ü",
        token_type="Bearer",
        expires_in=299,
        refresh_token="RT-SECRET",
        scope="openid profile get_user_info",
        id_token="ID-SECRET",
        expires_at=1_700_000_299.123456,
        received_at=1_700_000_000.123456,
        extra={"tenant": "t-1", "n": 7, "ratio": 0.5, "nested": {"list": [1, "two", None]}},
    )
    harness.store.compare_and_set("k", None, token)
    stored = harness.store.get("k")
    assert stored is not None
    assert stored.token == token
    for field in msgspec.structs.fields(Token):
        assert getattr(stored.token, field.name) == getattr(token, field.name), field.name


def test_lease_is_exclusive_until_released(harness: Harness) -> None:
    store = harness.store
    lease = store.acquire_lease("k", 60.0)
    assert lease is not None
    assert lease.key == "k"
    assert store.acquire_lease("k", 60.0) is None
    other = store.acquire_lease("other-key", 60.0)
    assert other is not None
    assert store.release_lease(lease) is True
    again = store.acquire_lease("k", 60.0)
    assert again is not None
    assert again.owner != lease.owner


def test_release_by_a_non_owner_is_refused(harness: Harness) -> None:
    store = harness.store
    lease = store.acquire_lease("k", 60.0)
    assert lease is not None
    forged = Lease(key="k", owner="not-the-owner", expires_at=lease.expires_at)
    assert store.release_lease(forged) is False
    assert store.acquire_lease("k", 60.0) is None  # still held
    assert store.release_lease(lease) is True
    assert store.release_lease(lease) is False  # already released


def test_expired_lease_is_taken_over_and_fenced(harness: Harness) -> None:
    store = harness.store
    dead = store.acquire_lease("k", harness.short_ttl)
    assert dead is not None
    if harness.clock is not None:
        assert store.acquire_lease("k", 60.0) is None
    harness.expire(dead)
    successor = store.acquire_lease("k", 60.0)
    assert successor is not None
    assert successor.owner != dead.owner
    # The dead holder cannot release its successor's lease.
    assert store.release_lease(dead) is False
    assert store.acquire_lease("k", 60.0) is None
    assert store.release_lease(successor) is True


def test_releasing_an_expired_lease_reports_false(harness: Harness) -> None:
    store = harness.store
    lease = store.acquire_lease("k", harness.short_ttl)
    assert lease is not None
    harness.expire(lease)
    assert store.release_lease(lease) is False
    assert store.acquire_lease("k", 60.0) is not None


def test_stale_refresher_cannot_clobber_its_successor(harness: Harness) -> None:
    """The fencing story end to end: lease expires, successor writes, the late write fails."""
    store = harness.store
    seeded = store.compare_and_set("k", None, make_token("old"))
    assert seeded is not None
    slow = store.acquire_lease("k", harness.short_ttl)
    assert slow is not None
    harness.expire(slow)
    fast = store.acquire_lease("k", 60.0)
    assert fast is not None
    assert store.compare_and_set("k", seeded.version, make_token("rotated")) is not None
    assert store.release_lease(fast) is True
    # The slow refresher finally answers, with the version it read before its lease ran out.
    assert store.compare_and_set("k", seeded.version, make_token("late")) is None
    assert store.release_lease(slow) is False
    stored = store.get("k")
    assert stored is not None
    assert stored.token.refresh_token == "RT-SECRET-rotated"


def test_repr_shows_no_token_value(harness: Harness) -> None:
    token = make_token("repr")
    stored = harness.store.compare_and_set("k", None, token)
    assert stored is not None
    for text in (repr(harness.store), repr(stored), str(stored), repr(harness.store.get("k"))):
        assert "AT-SECRET" not in text
        assert "RT-SECRET" not in text


def test_bad_arguments_are_configuration_errors(harness: Harness) -> None:
    store = harness.store
    with pytest.raises(ConfigurationError):
        store.get("")
    with pytest.raises(ConfigurationError):
        store.acquire_lease("k", 0)
    with pytest.raises(ConfigurationError):
        store.acquire_lease("k", float("nan"))
    with pytest.raises(ConfigurationError):
        store.compare_and_set("k", None, {"access_token": "x"})  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        store.compare_and_set("k", "1", make_token())  # type: ignore[arg-type]


# --- SqliteStore ---------------------------------------------------------------------------


def test_sqlite_files_are_private_even_with_an_open_umask(tmp_path: Path) -> None:
    path = tmp_path / "tokens.db"
    old = os.umask(0)
    try:
        store = SqliteStore(path)
        store.compare_and_set("k", None, make_token())
    finally:
        os.umask(old)
    try:
        for name in ("tokens.db", "tokens.db-wal", "tokens.db-shm"):
            mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
            assert mode == 0o600, f"{name}: {mode:o}"
    finally:
        store.close()


def test_sqlite_busy_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "tokens.db"
    store = SqliteStore(path, timeout=0.05)
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match="compare_and_set") as caught:
            store.compare_and_set("k", None, make_token())
        assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
        with pytest.raises(StoreError, match="acquire_lease"):
            store.acquire_lease("k", 10.0)
        blocker.execute("ROLLBACK")
        assert store.compare_and_set("k", None, make_token()) is not None  # not poisoned
    finally:
        blocker.close()
        store.close()


def test_sqlite_corrupt_row_is_a_store_error_without_the_token(tmp_path: Path) -> None:
    path = tmp_path / "tokens.db"
    store = SqliteStore(path)
    store.compare_and_set("k", None, make_token())
    with sqlite3.connect(path) as raw:
        raw.execute(
            "UPDATE tokenwire_tokens SET token = ? WHERE key = 'k'",
            (b'{"access_token": "AT-SECRET-planted", "token_type": 5}',),
        )
    raw.close()
    try:
        with pytest.raises(StoreError, match="corrupt") as caught:
            store.get("k")
        assert "AT-SECRET" not in str(caught.value)
        assert isinstance(caught.value.__cause__, msgspec.ValidationError)
    finally:
        store.close()


def test_sqlite_unusable_path_and_closed_store_are_store_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        SqliteStore(tmp_path / "missing-dir" / "tokens.db")
    store = SqliteStore(tmp_path / "tokens.db")
    store.close()
    store.close()  # idempotent
    with pytest.raises(StoreError, match="closed"):
        store.get("k")


def _race(path: str, index: int, barrier: Any, results: Any) -> None:
    """One racer: for the lease, then to write from version 1.

    Reports ``(index, lease owner, written version, error)``; on error it breaks the barrier so
    the other racers fail at once instead of waiting out the timeout.
    """
    owner: str | None = None
    version: int | None = None
    try:
        store = SqliteStore(path)
        try:
            barrier.wait(timeout=WAIT)
            lease = store.acquire_lease("shared", 600.0)
            owner = None if lease is None else lease.owner
            barrier.wait(timeout=WAIT)
            written = store.compare_and_set("shared", 1, make_token(f"p{index}"))
            version = None if written is None else written.version
        finally:
            store.close()
    except Exception as exc:
        barrier.abort()
        results.put((index, owner, version, repr(exc)))
    else:
        results.put((index, owner, version, None))


def test_sqlite_processes_racing_have_one_lease_holder_and_one_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(ROOT))  # so spawned children can import this module
    path = str(tmp_path / "tokens.db")
    seed = SqliteStore(path)
    seed.compare_and_set("shared", None, make_token("seed"))
    seed.close()

    outcomes = run_spawned(_race, [(path, i) for i in range(4)], wait=WAIT)

    assert [error for *_, error in outcomes if error is not None] == []
    owners = [owner for _, owner, _, _ in outcomes if owner is not None]
    assert len(owners) == 1
    writers = [index for index, _, version, _ in outcomes if version is not None]
    assert len(writers) == 1
    assert [version for _, _, version, _ in outcomes if version is not None] == [2]
    check = SqliteStore(path)
    try:
        assert check.acquire_lease("shared", 1.0) is None
        assert check.release_lease(Lease(key="shared", owner=owners[0], expires_at=0.0))
        stored = check.get("shared")
        assert stored is not None
        assert (stored.version, stored.token.access_token) == (2, f"AT-SECRET-p{writers[0]}")
    finally:
        check.close()


# --- RedisStore ----------------------------------------------------------------------------


def test_redis_token_ttl_follows_the_refresh_token(
    redis_harness_factory: Callable[..., Harness],
) -> None:
    plain = redis_harness_factory()
    store, raw = plain.store, plain.raw

    def pttl(key: str) -> int:
        value: int = raw.pttl(f"{plain.prefix}token:{key}")
        return value

    # No refresh token: gone shortly after the access token expires.
    store.compare_and_set("access-only", None, make_token(refresh=False, expires_in=100))
    assert 90_000 < pttl("access-only") <= (100 + EXPIRY_GRACE) * 1000
    # A refresh token outlives any access token: no TTL without refresh_ttl ...
    store.compare_and_set("refreshable", None, make_token(refresh=True, expires_in=100))
    assert pttl("refreshable") == -1
    # ... and a rewrite that adds a refresh token removes an earlier TTL.
    store.compare_and_set("access-only", 1, make_token(refresh=True, expires_in=100))
    assert pttl("access-only") == -1
    # Nothing says when a token without expiry or refresh token dies: no TTL.
    store.compare_and_set("forever", None, make_token(refresh=False, expires_in=None))
    assert pttl("forever") == -1

    with_ttl = redis_harness_factory(refresh_ttl=86_400)
    with_ttl.store.compare_and_set("k", None, make_token(refresh=True, expires_in=100))
    ttl = with_ttl.raw.pttl(f"{with_ttl.prefix}token:k")
    assert 86_000_000 < ttl <= 86_400_000


def test_redis_lease_is_a_px_key_holding_the_owner(
    redis_harness_factory: Callable[..., Harness],
) -> None:
    made = redis_harness_factory()
    lease = made.store.acquire_lease("k", 30.0)
    assert lease is not None
    name = f"{made.prefix}lease:k"
    assert made.raw.get(name) == lease.owner.encode()
    assert 0 < made.raw.pttl(name) <= 30_000


def test_redis_unreachable_is_a_store_error() -> None:
    import redis

    port = free_port()  # nothing listens here
    store = RedisStore(f"redis://127.0.0.1:{port}/0?socket_timeout=0.5&socket_connect_timeout=0.5")
    try:
        calls: list[Callable[[], object]] = [
            lambda: store.get("k"),
            lambda: store.compare_and_set("k", None, make_token()),
            lambda: store.acquire_lease("k", 1.0),
            lambda: store.release_lease(Lease(key="k", owner="o", expires_at=0.0)),
            lambda: store.delete("k"),
        ]
        for call in calls:
            with pytest.raises(StoreError, match="redis store") as caught:
                call()
            assert isinstance(caught.value.__cause__, redis.ConnectionError)
            assert "AT-SECRET" not in str(caught.value)
    finally:
        store.close()


def test_redis_corrupt_data_is_a_store_error(
    redis_harness_factory: Callable[..., Harness],
) -> None:
    made = redis_harness_factory()
    made.raw.set(f"{made.prefix}token:wrong-type", "a string, not a hash")
    with pytest.raises(StoreError, match="get"):
        made.store.get("wrong-type")
    with pytest.raises(StoreError, match="compare_and_set"):
        made.store.compare_and_set("wrong-type", None, make_token())
    made.raw.hset(
        f"{made.prefix}token:bad-json", mapping={"v": 1, "t": b'{"access_token": "AT-SECRET-x"'}
    )
    with pytest.raises(StoreError, match="corrupt") as caught:
        made.store.get("bad-json")
    assert "AT-SECRET" not in str(caught.value)
    made.raw.hset(f"{made.prefix}token:bad-version", mapping={"v": "x", "t": b"{}"})
    with pytest.raises(StoreError, match="corrupt"):
        made.store.get("bad-version")


def test_redis_repr_hides_url_credentials() -> None:
    store = RedisStore("redis://user:hunter2-password@127.0.0.1:1/0?password=hunter3")
    try:
        text = repr(store)
        assert "hunter" not in text
        assert "127.0.0.1:1" in text
    finally:
        store.close()


def test_redis_bad_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        RedisStore("http://127.0.0.1:1/")
    with pytest.raises(ConfigurationError):
        RedisStore()
    with pytest.raises(ConfigurationError):
        RedisStore("redis://127.0.0.1:1/0", refresh_ttl=0)


def test_redis_is_imported_only_by_a_redis_store(monkeypatch: pytest.MonkeyPatch) -> None:
    probe = (
        "import sys, tokenwire.adapters.stores as s; "
        "s.MemoryStore(); assert 'redis' not in sys.modules, 'redis imported'"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=WAIT)
    monkeypatch.setitem(sys.modules, "redis", None)  # as if redis-py were not installed
    with pytest.raises(ConfigurationError, match=r"tokenwire-adapters\[redis\]"):
        RedisStore("redis://127.0.0.1:1/0")
