"""The finished-login stores: a state is claimed once until it expires, across store instances."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.redis_peer import RedisPeer
from tokenwire.adapters.login import (
    FinishedStates,
    MemoryFinishedStates,
    RedisFinishedStates,
    SqliteFinishedStates,
)


def claims_once_until_expiry(first: FinishedStates, second: FinishedStates) -> None:
    assert first.claim("a" * 64, now=100.0, expires_at=160.0) is True
    assert second.claim("a" * 64, now=101.0, expires_at=161.0) is False
    assert first.claim("b" * 64, now=101.0, expires_at=161.0) is True


def test_memory_claims_a_state_once_and_forgets_it_once_expired() -> None:
    store = MemoryFinishedStates()
    claims_once_until_expiry(store, store)
    assert store.claim("a" * 64, now=160.0, expires_at=220.0) is True  # expired: claimable
    for n in range(MemoryFinishedStates.SWEEP_EVERY):
        store.claim(f"{n:064x}", now=300.0, expires_at=300.5)
    assert len(store) >= MemoryFinishedStates.SWEEP_EVERY
    outcomes = {store.claim("c" * 64, now=400.0, expires_at=460.0) for _ in range(300)}
    assert outcomes == {True, False}
    assert len(store) == 1  # the sweep dropped every expired state


def test_sqlite_claims_are_shared_by_two_stores_on_one_private_file(tmp_path: Path) -> None:
    path = tmp_path / "finished.sqlite3"
    first, second = SqliteFinishedStates(path), SqliteFinishedStates(path)
    try:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        claims_once_until_expiry(first, second)
        assert second.claim("a" * 64, now=170.0, expires_at=230.0) is True
    finally:
        first.close()
        second.close()


def test_redis_claims_are_shared_by_two_stores_and_expire_with_the_state(
    redis_peer: RedisPeer, redis_client: Any, redis_prefix: str
) -> None:
    first = RedisFinishedStates(redis_client, prefix=redis_prefix)
    second = RedisFinishedStates(redis_client, prefix=redis_prefix)
    claims_once_until_expiry(first, second)
    ttl = redis_client.pttl(redis_prefix + "a" * 64)
    assert 0 < ttl <= 60_000
    assert first.claim("d" * 64, now=100.0, expires_at=100.0) is True  # already expired


def test_a_sqlite_store_that_cannot_open_is_a_store_error(tmp_path: Path) -> None:
    from tokenwire.adapters.stores import StoreError

    with pytest.raises(StoreError):
        SqliteFinishedStates(tmp_path / "missing-dir" / "f.sqlite3")
