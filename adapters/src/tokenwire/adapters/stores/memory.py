"""MemoryStore: the default store, shared by the threads of one process.

A dict under a ``threading.Lock``: every operation is a few dict lookups, so one lock is both the
simplest and the fastest choice. Tokens are kept as the frozen structs they are (no
serialization), so treat a stored token's ``extra`` as read-only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tokenwire.adapters.stores.base import (
    Lease,
    StoredToken,
    check_key,
    check_ttl,
    check_version,
    encode_token,
    new_owner,
)
from tokenwire.core import Token


class MemoryStore:
    """In-process token store; ``clock`` (wall-clock seconds) decides lease expiry."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, StoredToken] = {}
        self._leases: dict[str, Lease] = {}

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
            stored = StoredToken(token=token, version=1 if current is None else current.version + 1)
            self._tokens[key] = stored
            return stored

    def acquire_lease(self, key: str, ttl: float) -> Lease | None:
        check_key(key)
        ttl = check_ttl(ttl)
        with self._lock:
            now = self._clock()
            held = self._leases.get(key)
            if held is not None and held.expires_at > now:
                return None
            lease = Lease(key=key, owner=new_owner(), expires_at=now + ttl)
            self._leases[key] = lease
            return lease

    def release_lease(self, lease: Lease) -> bool:
        with self._lock:
            held = self._leases.get(lease.key)
            if held is None or held.owner != lease.owner:
                return False
            # The owner's row goes either way; an expired one no longer counted as held.
            del self._leases[lease.key]
            return held.expires_at > self._clock()

    def delete(self, key: str) -> None:
        check_key(key)
        with self._lock:
            self._tokens.pop(key, None)

    def close(self) -> None:
        """Nothing to release; the store stays usable."""

    def __repr__(self) -> str:
        return f"MemoryStore(keys={len(self._tokens)}, leases={len(self._leases)})"
