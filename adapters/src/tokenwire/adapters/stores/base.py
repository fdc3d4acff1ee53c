"""The token-store protocol and what every backend shares.

A :class:`TokenStore` is the only state a token source shares between threads, processes or
machines, so it offers exactly the three things single-flight refresh needs and nothing more:

* **read** (:meth:`TokenStore.get`),
* **compare-and-set** on a per-key version (:meth:`TokenStore.compare_and_set`): a writer states
  the version it read, and loses if anyone wrote since. This is the fence that stops a refresher
  whose lease ran out from overwriting the newer token (and the rotated refresh token in it) that
  its successor already stored;
* **a lease** (:meth:`TokenStore.acquire_lease` / :meth:`TokenStore.release_lease`): at most one
  live holder per key, taken over once it expires, so a refresher that dies is replaced, and
  released only by the owner id it was issued to.

Tokens are stored as msgspec JSON of :class:`~tokenwire.core.Token` (every field, ``extra``
included). ``expires_at`` and ``received_at`` must be wall-clock epoch seconds (``time.time``):
other processes and machines read them. A stored token never holds the client secret: ``Token``
has no field for it.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import msgspec

from tokenwire.core import ConfigurationError, Token, TokenwireError
from tokenwire.core.redact import scrub


class StoreError(TokenwireError):
    """The token store failed: unreachable, busy past its timeout, or holding corrupt data.

    The message names the operation and the backend's complaint (scrubbed); it never contains a
    token value. The backend's own exception is chained as ``__cause__``.
    """


class StoredToken(msgspec.Struct, frozen=True, kw_only=True):
    """A token as stored, with the version that fences writes to its key.

    ``repr`` shows no token value (it is :class:`~tokenwire.core.Token`'s redacted repr).
    """

    token: Token
    #: Higher than every version the key had before, also across :meth:`TokenStore.delete` and
    #: expiry (a version never repeats for a key, so "version <= the one rejected" stays true
    #: only of tokens already seen). 1 for a key never written; otherwise usually +1.
    version: int


class Lease(msgspec.Struct, frozen=True, kw_only=True):
    """The right to refresh ``key`` for a while, proven by ``owner``."""

    key: str
    #: A random id issued with the lease; only this id can release it.
    owner: str
    #: When the lease ends, in wall-clock seconds, for information only: the store decides expiry
    #: with a clock that wall-clock steps do not move (monotonic, or Redis's own).
    expires_at: float


class TokenStore(Protocol):
    """Versioned token storage plus a refresher lease, per key. All methods are synchronous."""

    def get(self, key: str) -> StoredToken | None:
        """The stored token for ``key``, or ``None`` if nothing is stored."""
        ...

    def compare_and_set(
        self, key: str, expected_version: int | None, token: Token
    ) -> StoredToken | None:
        """Write iff the stored version is ``expected_version`` (``None`` = nothing stored yet).

        Returns the new :class:`StoredToken` (version + 1, or 1 for a first write), or ``None``
        if someone else wrote first (the stored token is then left as it is).
        """
        ...

    def acquire_lease(self, key: str, ttl: float) -> Lease | None:
        """Try once to become the refresher for ``key`` for ``ttl`` seconds.

        Returns ``None`` if another live lease holds it; an expired lease (its holder died) is
        taken over.
        """
        ...

    def release_lease(self, lease: Lease) -> bool:
        """Release iff ``lease.owner`` still holds a live lease on ``lease.key``.

        Returns ``True`` if released, else ``False`` and nothing changes (the lease expired, or
        someone else took it over).
        """
        ...

    def delete(self, key: str) -> None:
        """Forget the token stored for ``key`` (a lease on the key is left alone)."""
        ...

    def close(self) -> None:
        """Release the backend's resources (connections); idempotent."""
        ...


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Token)


def encode_token(token: Token) -> bytes:
    """Serialize every field of ``token`` (msgspec JSON)."""
    if not isinstance(token, Token):
        raise ConfigurationError(f"a store holds tokenwire.core.Token, not {type(token).__name__}")
    try:
        return _encoder.encode(token)
    except (msgspec.EncodeError, TypeError, OverflowError) as exc:
        # ``extra`` comes from a JSON body, so this only happens to a hand-built Token.
        raise StoreError(f"token cannot be serialized: {scrub(str(exc), 120)}") from exc


def decode_token(data: bytes | str, key: str) -> Token:
    """Parse a stored token; corrupt data is a :class:`StoreError`, never a decode error.

    For invalid UTF-8 inside a string msgspec raises ``UnicodeDecodeError``, whose ``.object``
    holds the raw stored bytes (a token): that one is neither chained nor kept as the context.
    """
    corrupt = f"stored token for key {scrub(key, 80)!r} is corrupt"
    try:
        return _decoder.decode(data)
    except msgspec.DecodeError as exc:
        # msgspec names the position and expected type, never the value.
        raise StoreError(f"{corrupt}: {scrub(str(exc), 120)}") from exc
    except (UnicodeDecodeError, RecursionError) as exc:
        detail = type(exc).__name__
    raise StoreError(f"{corrupt}: {detail}")


def check_key(key: str) -> str:
    if not isinstance(key, str) or not key:
        raise ConfigurationError("a store key must be a non-empty string")
    return key


def check_ttl(ttl: float, what: str = "lease ttl") -> float:
    if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not math.isfinite(ttl):
        raise ConfigurationError(f"{what} must be a finite number of seconds")
    if ttl <= 0:
        raise ConfigurationError(f"{what} must be positive, got {ttl!r}")
    return float(ttl)


def check_version(expected_version: int | None) -> None:
    if expected_version is not None and (
        isinstance(expected_version, bool) or not isinstance(expected_version, int)
    ):
        raise ConfigurationError("expected_version must be an int or None")


def new_owner() -> str:
    """A fresh, unguessable lease owner id."""
    return secrets.token_hex(16)


@contextmanager
def store_errors(backend: str, operation: str, *errors: type[BaseException]) -> Iterator[None]:
    """Turn the backend's ``errors`` raised in the block into a chained :class:`StoreError`."""
    try:
        yield
    except errors as exc:
        detail = scrub(str(exc), 160) or type(exc).__name__
        raise StoreError(
            f"{backend} store: {operation} failed ({type(exc).__name__}: {detail})"
        ) from exc
