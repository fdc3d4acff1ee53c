"""Where a login flow remembers the states it has finished, so that a callback cannot be replayed.

A state is claimed once, atomically, before its code is exchanged: the first callback wins, and
any later one carrying the same state (a reload, the back button, an attacker who copied the URL)
is refused without reaching the token endpoint. The stores keep a SHA-256 digest of the state,
never the state itself, until the state would have expired anyway.

:class:`MemoryFinishedStates` serves one process (the default); :class:`SqliteFinishedStates`
serves the processes of one machine (several workers of one app); :class:`RedisFinishedStates`
serves many machines. A store takes the time as an argument, so it reads no clock of its own.
A claim is one short call (a dict under a lock, one SQLite transaction, one Redis ``SET``), so
the async flow calls it directly, as token sources call their stores.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any, Protocol

from tokenwire.adapters.stores import StoreError

__all__ = [
    "FinishedStates",
    "MemoryFinishedStates",
    "RedisFinishedStates",
    "SqliteFinishedStates",
]


class FinishedStates(Protocol):
    """Remembers finished login states (by digest) until they expire."""

    def claim(self, digest: str, *, now: float, expires_at: float) -> bool:
        """Record ``digest`` as finished until ``expires_at``; ``False`` if it already was."""
        ...


class MemoryFinishedStates:
    """Finished states in this process's memory, forgotten once expired."""

    #: Expired entries are swept once this many claims have been made since the last sweep.
    SWEEP_EVERY = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}
        self._claims = 0

    def claim(self, digest: str, *, now: float, expires_at: float) -> bool:
        """Record ``digest``; ``False`` if it is recorded and not yet expired."""
        with self._lock:
            self._claims += 1
            if self._claims >= self.SWEEP_EVERY:
                self._claims = 0
                self._until = {d: t for d, t in self._until.items() if t > now}
            until = self._until.get(digest)
            if until is not None and until > now:
                return False
            self._until[digest] = expires_at
            return True

    def __len__(self) -> int:
        return len(self._until)


class SqliteFinishedStates:
    """Finished states in a SQLite database at ``path`` (created ``0600``), shared by processes."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 5.0) -> None:
        self._path = os.fspath(path)
        self._lock = threading.Lock()
        try:
            if not os.path.exists(self._path):
                os.close(os.open(self._path, os.O_CREAT | os.O_WRONLY, 0o600))
            self._conn = sqlite3.connect(
                self._path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS tokenwire_login_finished"
                " (digest TEXT PRIMARY KEY, expires_at REAL NOT NULL)"
            )
        except (OSError, sqlite3.Error) as exc:
            name = type(exc).__name__
            raise StoreError(f"sqlite: cannot open the finished-login table ({name})") from None

    def claim(self, digest: str, *, now: float, expires_at: float) -> bool:
        """Insert ``digest`` unless a live row has it; expired rows are dropped first."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    self._conn.execute(
                        "DELETE FROM tokenwire_login_finished WHERE expires_at <= ?", (now,)
                    )
                    inserted = self._conn.execute(
                        "INSERT OR IGNORE INTO tokenwire_login_finished VALUES (?, ?)",
                        (digest, expires_at),
                    ).rowcount
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise StoreError(f"sqlite: cannot record a finished login ({exc})") from None
        return inserted == 1

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()

    def __repr__(self) -> str:
        return f"SqliteFinishedStates({self._path!r})"


class RedisFinishedStates:
    """Finished states in Redis (``SET ... NX PX``), given a redis-py client."""

    def __init__(self, client: Any, *, prefix: str = "tokenwire:login:finished:") -> None:
        self._client = client
        self._prefix = prefix

    def claim(self, digest: str, *, now: float, expires_at: float) -> bool:
        """``SET NX`` the digest, expiring with the state; ``False`` if it was set already."""
        if expires_at <= now:
            return True  # expired already: nothing to remember (the flow refuses it anyway)
        from redis.exceptions import RedisError

        try:
            ttl_ms = max(1, int((expires_at - now) * 1000))
            done = self._client.set(self._prefix + digest, b"1", nx=True, px=ttl_ms)
        except RedisError as exc:
            name = type(exc).__name__
            raise StoreError(f"redis: cannot record a finished login ({name})") from None
        return bool(done)
