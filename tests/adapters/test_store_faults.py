"""Store guarantees under faults (issue 9 items 5, 6, 7, 12, and Token.extra round trips).

Against the real backends: a SQLite file, a redis-server on loopback (plain and in cluster
mode), and the in-process store. Versions never repeat for a key (after delete or expiry),
leases ignore wall-clock steps and earlier boots, corrupt stored bytes are a typed error that
keeps no bytes, and a lifetime no clock reaches is stored without an expiry instead of failing
half-written.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.redis_peer import RedisPeer
from tests.store_helpers import FakeClock as StepClock
from tests.store_helpers import make_token
from tokenwire.adapters.stores import MemoryStore, RedisStore, SqliteStore, StoreError, TokenStore
from tokenwire.core import Token

WAIT = 30.0  # upper bound on any wait here; never reached when things work


def token(name: str) -> Token:
    return make_token(name, extra={"tenant": name, "n": 7, "nested": {"list": [1, "two", None]}})


@pytest.fixture(params=["memory", "sqlite", "redis", "redis-cluster"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TokenStore]:
    made: TokenStore
    if request.param == "memory":
        made = MemoryStore()
    elif request.param == "sqlite":
        made = SqliteStore(tmp_path / "tokens.db")
    elif request.param == "redis":
        peer: RedisPeer = request.getfixturevalue("redis_peer")
        made = RedisStore(peer.url, prefix=f"test:{uuid.uuid4().hex}:")
    else:
        cluster = request.getfixturevalue("redis_cluster_client")
        made = RedisStore(client=cluster, prefix=f"{{tokenwire-test}}:{uuid.uuid4().hex}:")
    try:
        yield made
    finally:
        made.close()


def write(store: TokenStore, key: str, name: str) -> int:
    current = store.get(key)
    stored = store.compare_and_set(key, None if current is None else current.version, token(name))
    assert stored is not None
    return stored.version


# --- item 5: versions never repeat ----------------------------------------------------------


def test_a_version_written_after_delete_is_higher_than_any_before(store: TokenStore) -> None:
    seen = [write(store, "k", "a"), write(store, "k", "b"), write(store, "k", "c")]
    store.delete("k")
    after = write(store, "k", "d")
    assert after > max(seen)
    store.delete("k")
    assert write(store, "k", "e") > after


def test_a_sqlite_version_survives_delete_in_another_store_on_the_same_file(
    tmp_path: Path,
) -> None:
    first = SqliteStore(tmp_path / "tokens.db")
    try:
        seen = [write(first, "k", "a"), write(first, "k", "b")]
        first.delete("k")
    finally:
        first.close()
    second = SqliteStore(tmp_path / "tokens.db")
    try:
        assert write(second, "k", "c") > max(seen)
    finally:
        second.close()


def test_a_redis_version_written_after_the_token_expired_is_higher_than_any_before(
    redis_store: RedisStore, redis_prefix: str, redis_client: Any
) -> None:
    seen = [write(redis_store, "k", "a"), write(redis_store, "k", "b")]
    # Let Redis expire the hash for real (the store's own TTL is at least a minute).
    redis_client.pexpire(f"{redis_prefix}token:k", 1)
    deadline = time.monotonic() + WAIT
    while redis_client.exists(f"{redis_prefix}token:k"):
        assert time.monotonic() < deadline, "redis never expired the token"
        time.sleep(0.005)  # poll interval
    assert redis_store.get("k") is None
    assert write(redis_store, "k", "c") > max(seen)


def test_a_redis_hash_from_before_the_counter_still_gets_a_higher_version(
    redis_store: RedisStore, redis_prefix: str, redis_client: Any
) -> None:
    write(redis_store, "k", "a")
    stored = redis_store.get("k")
    assert stored is not None
    redis_client.hset(f"{redis_prefix}token:k", "v", 41)  # as an older tokenwire left it
    redis_client.delete(f"{redis_prefix}version:k")
    assert write(redis_store, "k", "b") == 42


# --- item 12: a lifetime no clock reaches --------------------------------------------------


def test_redis_stores_a_lifetime_of_2_63_without_expiry_instead_of_failing_after_writing(
    redis_store: RedisStore, redis_prefix: str, redis_client: Any
) -> None:
    forever = Token(
        access_token="AT-SECRET",
        token_type="Bearer",
        expires_in=2**63 - 1,
        expires_at=time.time() + (2**63 - 1),
        received_at=time.time(),
    )
    stored = redis_store.compare_and_set("k", None, forever)
    assert stored is not None
    assert redis_store.get("k") == stored
    assert redis_client.pttl(f"{redis_prefix}token:k") == -1  # kept, with no expiry


# --- item 6: leases and clock steps ---------------------------------------------------------


@pytest.fixture(params=["memory", "sqlite"])
def stepped(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TokenStore, Any]]:
    """A store whose wall and monotonic clocks the test steps: (store, (wall, monotonic))."""
    wall, mono = StepClock(1_700_000_000.0), StepClock(5_000.0)
    made: TokenStore
    if request.param == "memory":
        made = MemoryStore(clock=wall, monotonic=mono)
    else:
        made = SqliteStore(tmp_path / "tokens.db", clock=wall, monotonic=mono)
    try:
        yield made, (wall, mono)
    finally:
        made.close()


def test_a_wall_clock_step_forward_does_not_let_a_second_holder_in(
    stepped: tuple[TokenStore, Any],
) -> None:
    store, (wall, mono) = stepped
    holder = store.acquire_lease("k", 165.0)
    assert holder is not None
    wall.now += 200.0
    mono.now += 1.0
    assert store.acquire_lease("k", 165.0) is None
    assert store.release_lease(holder) is True


def test_a_wall_clock_step_back_does_not_make_a_dead_holders_lease_last(
    stepped: tuple[TokenStore, Any],
) -> None:
    store, (wall, mono) = stepped
    dead = store.acquire_lease("k", 10.0)
    assert dead is not None
    wall.now -= 3600.0
    mono.now += 11.0
    successor = store.acquire_lease("k", 10.0)
    assert successor is not None
    assert store.release_lease(dead) is False


def test_a_sqlite_lease_from_another_boot_is_expired(tmp_path: Path) -> None:
    path = tmp_path / "tokens.db"
    mono = StepClock(90_000.0)
    before = SqliteStore(path, monotonic=mono, boot_id=lambda: "boot-1")
    lease = before.acquire_lease("k", 600.0)
    assert lease is not None
    assert before.acquire_lease("k", 600.0) is None
    before.close()
    # After a reboot the monotonic clock starts again near zero.
    mono.now = 12.0
    after = SqliteStore(path, monotonic=mono, boot_id=lambda: "boot-2")
    try:
        taken = after.acquire_lease("k", 600.0)
        assert taken is not None
        assert after.release_lease(lease) is False
        assert after.acquire_lease("k", 600.0) is None
    finally:
        after.close()


def test_without_a_boot_id_a_lease_from_before_a_reboot_outlives_it_by_at_most_its_ttl(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tokens.db"
    mono = StepClock(90_000.0)
    store = SqliteStore(path, monotonic=mono, boot_id=lambda: "")
    try:
        assert store.acquire_lease("k", 60.0) is not None
        mono.now = 12.0  # rebooted: the stored deadline is now far more than 60 s ahead
        assert store.acquire_lease("k", 60.0) is not None
    finally:
        store.close()


def test_the_default_boot_id_is_this_machines() -> None:
    from tokenwire.adapters.stores.clocks import BOOT_ID_PATH, boot_id

    if Path(BOOT_ID_PATH).exists():
        assert boot_id() == Path(BOOT_ID_PATH).read_text().strip()
        assert boot_id()
    else:
        assert boot_id() == ""


# --- item 7: corrupt bytes, and round trips --------------------------------------------------

BAD_RECORD = b'{"access_token": "AT-SECRET-\xff\xfe", "token_type": "Bearer"}'


def assert_no_bytes_kept(error: StoreError) -> None:
    assert "AT-SECRET" not in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None


def test_a_sqlite_record_with_invalid_utf8_is_a_store_error_that_keeps_no_bytes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tokens.db"
    store = SqliteStore(path)
    try:
        write(store, "k", "a")
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE tokenwire_tokens SET token = ? WHERE key = 'k'", (BAD_RECORD,))
        with pytest.raises(StoreError, match="corrupt") as caught:
            store.get("k")
        assert_no_bytes_kept(caught.value)
    finally:
        store.close()


def test_a_redis_record_with_invalid_utf8_is_a_store_error_that_keeps_no_bytes(
    redis_store: RedisStore, redis_prefix: str, redis_client: Any
) -> None:
    redis_client.hset(f"{redis_prefix}token:k", mapping={"v": 1, "t": BAD_RECORD})
    with pytest.raises(StoreError, match="corrupt") as caught:
        redis_store.get("k")
    assert_no_bytes_kept(caught.value)


def test_a_token_read_back_from_any_store_equals_the_one_written_and_stays_read_only(
    store: TokenStore,
) -> None:
    written = token("a")
    store.compare_and_set("k", None, written)
    stored = store.get("k")
    assert stored is not None
    assert stored.token == written
    assert stored.token.extra == written.extra
    with pytest.raises(TypeError):
        stored.token.extra["tenant"] = "b"  # type: ignore[index]
