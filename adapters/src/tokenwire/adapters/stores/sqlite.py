"""SqliteStore: one machine, many processes, on the standard library's ``sqlite3``.

Design choices, and why:

* **WAL mode**, so readers never block the one writer and a reader in another process never sees
  a half-written token. ``synchronous`` stays at SQLite's default (FULL): a rotated refresh token
  that is lost on power failure cannot be recovered, and writes happen once per refresh.
* **Every write is a ``BEGIN IMMEDIATE`` transaction** that reads the current version or lease and
  writes in the same transaction, so compare-and-set and lease acquisition are atomic across
  processes. A database busy for longer than ``timeout`` is a :class:`StoreError`.
* **One connection per store, guarded by a lock** (not one per thread): a token source touches its
  store only around a refresh, each call is a short transaction, and SQLite serializes writers
  anyway, so per-thread connections would buy read concurrency nobody uses while costing a file
  handle per thread that ``close()`` could not reach. Waiting for the lock is bounded by
  ``timeout`` too. After ``fork()`` the child opens its own connection (SQLite connections must
  not cross a fork).
* **The file is private**: created ``0600`` with ``os.open`` before SQLite opens it. SQLite gives
  its ``-wal`` and ``-shm`` files the database file's permissions; the store checks that and
  tightens them if they are looser. An existing database file keeps the mode its owner gave it.
* **Versions never repeat for a key**: ``tokenwire_versions`` keeps each key's last version, and
  :meth:`SqliteStore.delete` leaves it, so a token written after a delete gets a higher version
  than any before (a token source remembers rejected versions).
* **Leases run on the monotonic clock** (one clock for every process of the machine), with the
  boot id they were taken under (see :mod:`tokenwire.adapters.stores.clocks`): a wall-clock step
  neither frees a held lease nor prolongs a dead one, and a lease left by a previous boot is
  expired. ``clock`` (wall) only fills :attr:`Lease.expires_at`. Leases live in
  ``tokenwire_lease_holders``; the wall-clock ``tokenwire_leases`` of earlier versions is unused.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tokenwire.adapters.stores import clocks
from tokenwire.adapters.stores.base import (
    Lease,
    StoredToken,
    StoreError,
    check_key,
    check_ttl,
    check_version,
    decode_token,
    encode_token,
    new_owner,
    store_errors,
)
from tokenwire.adapters.stores.clocks import Clock, lease_is_live
from tokenwire.core import Token

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS tokenwire_tokens ("
    " key TEXT PRIMARY KEY, version INTEGER NOT NULL, token BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tokenwire_versions ("
    " key TEXT PRIMARY KEY, version INTEGER NOT NULL)",
    # deadline: monotonic seconds under boot_id; expires_at: wall clock, for information.
    "CREATE TABLE IF NOT EXISTS tokenwire_lease_holders ("
    " key TEXT PRIMARY KEY, owner TEXT NOT NULL, boot_id TEXT NOT NULL,"
    " deadline REAL NOT NULL, ttl REAL NOT NULL, expires_at REAL NOT NULL)",
)

_PRIVATE = stat.S_IRUSR | stat.S_IWUSR


class SqliteStore:
    """Token store in the SQLite database at ``path`` (created ``0600`` if missing).

    ``monotonic`` and ``boot_id`` decide lease expiry (see the module docstring); ``clock``
    (wall-clock seconds) only fills :attr:`Lease.expires_at`. All three are for tests to step.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = 5.0,
        clock: Clock = time.time,
        monotonic: Clock = time.monotonic,
        boot_id: Callable[[], str] = clocks.boot_id,
    ) -> None:
        self._path = os.fspath(path)
        self._timeout = check_ttl(timeout, "timeout")
        self._clock = clock
        self._monotonic = monotonic
        self._boot_id = boot_id
        self._lock = threading.Lock()
        self._closed = False
        self._pid = os.getpid()
        self._inherited: sqlite3.Connection | None = None
        self._conn = self._open()

    @property
    def path(self) -> str:
        return self._path

    def _open(self) -> sqlite3.Connection:
        with store_errors("sqlite", f"opening {self._path!r}", OSError, sqlite3.Error):
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, _PRIVATE)
            os.close(fd)
            conn = sqlite3.connect(
                self._path, timeout=self._timeout, isolation_level=None, check_same_thread=False
            )
            try:
                self._prepare(conn)
            except BaseException:
                conn.close()
                raise
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            raise StoreError(f"sqlite store: {self._path!r} cannot use WAL mode")
        with _immediate(conn):
            for statement in _SCHEMA:
                conn.execute(statement)
        self._tighten_sidecars()

    def _tighten_sidecars(self) -> None:
        """Make the ``-wal``/``-shm`` files no more accessible than the database file."""
        allowed = stat.S_IMODE(os.stat(self._path).st_mode)
        for suffix in ("-wal", "-shm"):
            try:
                mode = stat.S_IMODE(os.stat(self._path + suffix).st_mode)
            except FileNotFoundError:
                continue
            if mode & ~allowed:
                os.chmod(self._path + suffix, mode & allowed)

    @contextmanager
    def _connection(self, operation: str) -> Iterator[sqlite3.Connection]:
        """The connection, held exclusively for one operation; SQLite errors become StoreError."""
        if self._pid != os.getpid():
            self._after_fork()
        if not self._lock.acquire(timeout=self._timeout):
            raise StoreError(f"sqlite store: {operation} timed out waiting for another thread")
        try:
            if self._closed:
                raise StoreError(f"sqlite store: {operation} on a closed store")
            with store_errors("sqlite", operation, sqlite3.Error):
                yield self._conn
        finally:
            self._lock.release()

    def _after_fork(self) -> None:
        # The inherited connection is kept referenced but never used or closed here: closing it
        # in the child could disturb the parent's WAL bookkeeping.
        self._inherited = self._conn
        self._lock = threading.Lock()
        self._pid = os.getpid()
        if not self._closed:
            self._conn = self._open()

    def get(self, key: str) -> StoredToken | None:
        check_key(key)
        with self._connection("get") as conn:
            row = conn.execute(
                "SELECT version, token FROM tokenwire_tokens WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        version, data = row
        if not isinstance(version, int) or not isinstance(data, bytes | str):
            raise StoreError("sqlite store: stored token row is corrupt")
        return StoredToken(token=decode_token(data, key), version=version)

    def compare_and_set(
        self, key: str, expected_version: int | None, token: Token
    ) -> StoredToken | None:
        check_key(key)
        check_version(expected_version)
        data = encode_token(token)
        with self._connection("compare_and_set") as conn, _immediate(conn):
            row = conn.execute(
                "SELECT version FROM tokenwire_tokens WHERE key = ?", (key,)
            ).fetchone()
            current = None if row is None else row[0]
            if current is not None and not isinstance(current, int):
                raise StoreError("sqlite store: stored token version is corrupt")
            if current != expected_version:
                return None
            last = conn.execute(
                "SELECT version FROM tokenwire_versions WHERE key = ?", (key,)
            ).fetchone()
            highest = max(current or 0, last[0] if last and isinstance(last[0], int) else 0)
            version = highest + 1
            conn.execute(
                "INSERT INTO tokenwire_tokens (key, version, token) VALUES (?, ?, ?)"
                " ON CONFLICT(key) DO UPDATE SET version = excluded.version,"
                " token = excluded.token",
                (key, version, data),
            )
            conn.execute(
                "INSERT OR REPLACE INTO tokenwire_versions (key, version) VALUES (?, ?)",
                (key, version),
            )
        return StoredToken(token=token, version=version)

    def _live(self, row: tuple[object, ...] | None) -> bool:
        """Whether a ``(boot_id, deadline, ttl)`` lease row still holds; read under the lock."""
        if row is None:
            return False
        boot, deadline, ttl = row
        if not isinstance(boot, str) or not isinstance(deadline, float | int):
            return False  # a corrupt row holds nothing
        if not isinstance(ttl, float | int):
            return False
        return lease_is_live(
            boot=boot,
            deadline=float(deadline),
            ttl=float(ttl),
            current_boot=self._boot_id(),
            now=self._monotonic(),
        )

    def acquire_lease(self, key: str, ttl: float) -> Lease | None:
        check_key(key)
        ttl = check_ttl(ttl)
        with self._connection("acquire_lease") as conn, _immediate(conn):
            # Clocks read once the write lock is ours.
            row = conn.execute(
                "SELECT boot_id, deadline, ttl FROM tokenwire_lease_holders WHERE key = ?", (key,)
            ).fetchone()
            if self._live(row):
                return None
            lease = Lease(key=key, owner=new_owner(), expires_at=self._clock() + ttl)
            conn.execute(
                "INSERT OR REPLACE INTO tokenwire_lease_holders"
                " (key, owner, boot_id, deadline, ttl, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    lease.key,
                    lease.owner,
                    self._boot_id(),
                    self._monotonic() + ttl,
                    ttl,
                    lease.expires_at,
                ),
            )
        return lease

    def release_lease(self, lease: Lease) -> bool:
        with self._connection("release_lease") as conn, _immediate(conn):
            row = conn.execute(
                "SELECT boot_id, deadline, ttl FROM tokenwire_lease_holders"
                " WHERE key = ? AND owner = ?",
                (lease.key, lease.owner),
            ).fetchone()
            if row is None:
                return False
            # The owner's row goes either way; an expired one no longer counted as held.
            conn.execute(
                "DELETE FROM tokenwire_lease_holders WHERE key = ? AND owner = ?",
                (lease.key, lease.owner),
            )
            return self._live(row)

    def delete(self, key: str) -> None:
        check_key(key)
        with self._connection("delete") as conn:
            conn.execute("DELETE FROM tokenwire_tokens WHERE key = ?", (key,))

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def __repr__(self) -> str:
        return f"SqliteStore(path={self._path!r})"


@contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """A ``BEGIN IMMEDIATE`` transaction: committed on normal exit (``return`` included)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
