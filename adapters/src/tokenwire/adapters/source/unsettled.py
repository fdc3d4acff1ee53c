"""What a renewal left unsettled when the store failed: a token not yet written, a lease held.

A store can fail *after* the authorization server answered a refresh (SQLite locked past its
timeout, Redis refusing writes at ``maxmemory``). The server has then spent the old refresh token
and issued a new one that exists only in this process. Dropping it would make the next renewal
send the spent token (the server sees reuse; the user must authorize again), so the renewal keeps
it here and writes it, with compare-and-set on the version it was renewed from, before it does
anything else. The lease it refreshed under is kept too: other processes go on waiting instead of
refreshing with the store's spent copy, and this process releases it once the token is written.
A lease whose release failed is remembered the same way, so this process releases it again
rather than waiting on its own lease until it expires.

Only the single flight's leader touches this state, so it needs no lock.
"""

from __future__ import annotations

from tokenwire.adapters.stores import Lease
from tokenwire.core import Token

__all__ = ["Unsettled"]


class Unsettled:
    """A renewed token the store did not take, and a lease this process did not let go of."""

    __slots__ = ("expected_version", "lease", "lease_until", "token")

    def __init__(self) -> None:
        #: The token the server issued that is not stored yet (its refresh token is the live one).
        self.token: Token | None = None
        #: The version ``token`` was renewed from: its write is a compare-and-set on it.
        self.expected_version: int | None = None
        #: A lease this process took and has not released.
        self.lease: Lease | None = None
        #: When ``lease`` ends for sure, on the renewal's monotonic clock.
        self.lease_until = 0.0

    def keep_token(self, expected_version: int | None, token: Token) -> None:
        """Remember ``token``, renewed from ``expected_version``, until it is written."""
        self.expected_version, self.token = expected_version, token

    def written(self) -> None:
        """The kept token is stored (or a newer one is): forget it."""
        self.expected_version, self.token = None, None

    def hold(self, lease: Lease, until: float) -> None:
        """Remember ``lease``, live until ``until`` (monotonic), until it is released."""
        self.lease, self.lease_until = lease, until

    def released(self) -> None:
        """The held lease is released, or has expired: forget it."""
        self.lease, self.lease_until = None, 0.0

    def __repr__(self) -> str:
        # No token value: only whether one is kept.
        return f"Unsettled(token={self.token is not None}, lease={self.lease is not None})"
