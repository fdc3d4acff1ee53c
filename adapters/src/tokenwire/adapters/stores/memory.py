"""MemoryStore: the default store, shared by the threads of one process.

A dict under a ``threading.Lock``: every operation is a few dict lookups, so one lock is both the
simplest and the fastest choice. Tokens are kept as the frozen structs they are (no
serialization; a token's ``extra`` is read-only). Each key's last version is remembered after
:meth:`MemoryStore.delete`, so versions never repeat for a key. Leases run on the monotonic clock
(see :mod:`tokenwire.adapters.stores.clocks`): a wall-clock step neither frees a held lease nor
prolongs a dead one.
"""

from __future__ import annotations

import threading
import time

import msgspec

from tokenwire.adapters.stores.base import (
    Lease,
    StoredToken,
    check_key,
    check_ttl,
    check_version,
    encode_token,
    new_owner,
)
from tokenwire.adapters.stores.clocks import Clock
from tokenwire.core import Token


class _Held(msgspec.Struct, frozen=True):
    lease: Lease
    #: Monotonic time at which the lease ends.
    deadline: float


class MemoryStore:
    """In-process token store.

    ``monotonic`` decides lease expiry; ``clock`` (wall-clock seconds) only fills
    :attr:`Lease.expires_at` for the caller's information.
    """

    def __init__(self, *, clock: Clock = time.time, monotonic: Clock = time.monotonic) -> None:
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._tokens: dict[str, StoredToken] = {}
        #: The last version written per key, kept when the token is deleted.
        self._versions: dict[str, int] = {}
        self._leases: dict[str, _Held] = {}

    def get(self, key: str) -> StoredToken | None:
        check_key(key)
        with self._lock:
            return self._tokens.get(key)

    def compare_and_set(
        self, key: str, expected_version: int | None, token: Token
    ) -> StoredToken | None:
        check_key(key)
        check_version(expected_version)
        encode_token(token)  # same input checks as the persistent stores
        with self._lock:
            current = self._tokens.get(key)
            if (None if current is None else current.version) != expected_version:
                return None
            stored = StoredToken(token=token, version=self._versions.get(key, 0) + 1)
            self._tokens[key] = stored
            self._versions[key] = stored.version
            return stored

    def acquire_lease(self, key: str, ttl: float) -> Lease | None:
        check_key(key)
        ttl = check_ttl(ttl)
        with self._lock:
            now = self._monotonic()
            held = self._leases.get(key)
            if held is not None and now < held.deadline:
                return None
            lease = Lease(key=key, owner=new_owner(), expires_at=self._clock() + ttl)
            self._leases[key] = _Held(lease, now + ttl)
            return lease

    def release_lease(self, lease: Lease) -> bool:
        with self._lock:
            held = self._leases.get(lease.key)
            if held is None or held.lease.owner != lease.owner:
                return False
            # The owner's entry goes either way; an expired one no longer counted as held.
            del self._leases[lease.key]
            return self._monotonic() < held.deadline

    def delete(self, key: str) -> None:
        check_key(key)
        with self._lock:
            self._tokens.pop(key, None)

    def close(self) -> None:
        """Nothing to release; the store stays usable."""

    def __repr__(self) -> str:
        return f"MemoryStore(keys={len(self._tokens)}, leases={len(self._leases)})"
