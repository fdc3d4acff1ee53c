"""The store operations a renewal yields, and :func:`perform`, which carries them out.

The renewal (:mod:`.renewal`) is sans-IO: it asks for a read, a compare-and-set or a lease by
yielding one of these frozen structs, and the driver (:func:`~tokenwire.adapters.drive.drive` or
:func:`~tokenwire.adapters.drive.adrive`) hands every step that is not a ``Send`` or a ``Sleep``
to :func:`perform` on the source's store. Keeping them here, apart from the algorithm, lets a test
or another driver step a renewal by hand.
"""

from __future__ import annotations

import msgspec

from tokenwire.adapters.stores import Lease, StoredToken, TokenStore
from tokenwire.core import Send, Sleep, Token

__all__ = [
    "ForgetStored",
    "GetStored",
    "ReleaseLease",
    "RenewalStep",
    "StoreOp",
    "TakeLease",
    "WriteStored",
    "perform",
]


class GetStored(msgspec.Struct, frozen=True):
    """Read ``key``; reply with the :class:`~tokenwire.adapters.stores.StoredToken` or ``None``."""

    key: str


class WriteStored(msgspec.Struct, frozen=True):
    """Compare-and-set ``token`` on ``key``; reply with the new StoredToken, or ``None`` if lost."""

    key: str
    expected_version: int | None
    token: Token


class TakeLease(msgspec.Struct, frozen=True):
    """Try once to take the refresher lease; reply with the Lease or ``None``."""

    key: str
    ttl: float


class ReleaseLease(msgspec.Struct, frozen=True):
    """Release ``lease``; reply with ``True`` if it was still held."""

    lease: Lease


class ForgetStored(msgspec.Struct, frozen=True):
    """Delete the token stored for ``key`` (logout); reply with ``None``."""

    key: str


#: A step the store answers.
StoreOp = GetStored | WriteStored | TakeLease | ReleaseLease | ForgetStored
#: Every step a renewal yields: the store's, and the token flow's ``Send`` and ``Sleep``.
RenewalStep = Send | Sleep | StoreOp


def perform(store: TokenStore, op: StoreOp) -> StoredToken | Lease | bool | None:
    """Carry out one store operation a renewal or a logout asked for (the drivers call this)."""
    if isinstance(op, GetStored):
        return store.get(op.key)
    if isinstance(op, WriteStored):
        return store.compare_and_set(op.key, op.expected_version, op.token)
    if isinstance(op, TakeLease):
        return store.acquire_lease(op.key, op.ttl)
    if isinstance(op, ForgetStored):
        store.delete(op.key)
        return None
    return store.release_lease(op.lease)
