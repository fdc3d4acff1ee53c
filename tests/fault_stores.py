"""Stores that fail for real, on demand: a SQLite file another connection locks, a full Redis.

The token-source fault tests need a store to fail at an exact moment (after the server answered
a refresh, just before a lease release) with the backend's own error, not a mock's:

* :class:`Locker` holds a SQLite file with ``BEGIN EXCLUSIVE`` from another connection, so a
  :class:`~tokenwire.adapters.stores.SqliteStore` with a short ``timeout`` fails its writes
  (reads still work: the file is in WAL mode);
* :class:`FullRedis` fills a redis-server started with a small ``maxmemory`` and ``noeviction``
  until it refuses writes (OOM), and drains it again;
* :class:`ReleaseFault` wraps a SqliteStore and locks the file just before one lease release.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.redis_peer import RedisPeer
from tokenwire.adapters.stores import Lease, SqliteStore
from tokenwire.core import Token

#: Upper bound on any wait for a lock; never reached when things work.
WAIT = 30.0
#: ``redis-server`` options for :class:`FullRedis`.
FULL_REDIS_OPTIONS = ("--maxmemory", "8mb", "--maxmemory-policy", "noeviction")


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


class FullRedis:
    """A redis-server started with :data:`FULL_REDIS_OPTIONS`, filled and drained on demand."""

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
