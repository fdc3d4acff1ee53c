"""The renewal algorithm of a token source, written once as a sans-IO generator.

:class:`TokenSource` (threads) and :class:`AsyncTokenSource` (asyncio, trio) differ only in how
they wait; what they do is :meth:`Renewer.renew`, a generator in the style of the core's
``token_flow``. It yields what it needs and receives what happened:

* store operations (:class:`GetStored`, :class:`WriteStored`, :class:`TakeLease`,
  :class:`ReleaseLease`), answered by :func:`perform` on the source's store;
* :class:`~tokenwire.core.Send` and :class:`~tokenwire.core.Sleep`, from ``token_flow`` (through
  ``yield from``) and from polling, answered by the transport and the sleep of the driver.

A store or transport that raises has its exception thrown *into* the generator (a transport
failure is sent in as a :class:`~tokenwire.core.TransportFailure`, as ``token_flow`` expects), so
the lease is always released by the generator itself, whatever went wrong.

The algorithm, per renewal (see ``docs/lifecycle.md``):

1. read the store; plant the seed token if nothing newer is stored; hand out the stored token if it
   is fresh and not the one the caller reported rejected;
2. take the refresher lease; while another holder has it, poll the store (jittered, growing
   interval, bounded by ``wait_timeout``) until a usable token appears or the lease frees;
3. with the lease: read again (someone may have just written), then renew with the stored refresh
   token, or with the configured grant when there is none;
4. write the new token with compare-and-set on the version read (keeping the old refresh token if
   the server sent none, RFC 6749 §6), *then* release the lease and hand it out; a lost
   compare-and-set means a newer token is stored: that one is handed out instead;
5. ``invalid_grant`` raises :class:`~tokenwire.core.ReauthorizationRequired` and is remembered for
   the stored version, so later calls raise it again without a request until a newer token is
   stored.
"""

from __future__ import annotations

import contextlib
import copy
import math
import threading
import time
from collections.abc import Callable, Generator
from typing import Any, Protocol

import msgspec

from tokenwire.adapters.stores import Lease, MemoryStore, StoredToken, StoreError, TokenStore
from tokenwire.adapters.transport import DEFAULT_OPTIONS, TransportOptions
from tokenwire.core import (
    AuthorizationCode,
    ClientAuth,
    ConfigurationError,
    Grant,
    InvalidGrant,
    Profile,
    ReauthorizationRequired,
    RefreshToken,
    RetryPolicy,
    Send,
    Sleep,
    Token,
    TokenwireError,
    token_flow,
)
from tokenwire.core.redact import scrub

__all__ = [
    "DEFAULT_KEY",
    "LEASE_MARGIN",
    "Cached",
    "GetStored",
    "ReleaseLease",
    "RefreshTimeout",
    "Renewer",
    "TakeLease",
    "WriteStored",
    "default_lease_ttl",
    "perform",
    "twin",
]

#: The key a source uses in its private store when it is given none.
DEFAULT_KEY = "default"
#: Added to the longest a token request can take, for the store operations around it.
LEASE_MARGIN = 15.0
#: First and longest pause between two looks at the store while another process refreshes.
POLL_FIRST = 0.01
POLL_MAX = 0.25
#: How many times a write that keeps losing to other writers is tried before giving up.
_WRITE_ATTEMPTS = 3


class RefreshTimeout(TokenwireError):
    """Waited ``wait_timeout`` seconds for another refresher, and no usable token appeared.

    The other refresher (a thread of this process, or another process holding the store's lease)
    neither wrote a token nor let its lease go in time. The next call tries again.
    """


# --- what the generator asks for -----------------------------------------------------------------


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


StoreOp = GetStored | WriteStored | TakeLease | ReleaseLease
Step = Send | Sleep | StoreOp


def perform(store: TokenStore, op: StoreOp) -> StoredToken | Lease | bool | None:
    """Carry out one store operation the generator asked for (both drivers call this)."""
    if isinstance(op, GetStored):
        return store.get(op.key)
    if isinstance(op, WriteStored):
        return store.compare_and_set(op.key, op.expected_version, op.token)
    if isinstance(op, TakeLease):
        return store.acquire_lease(op.key, op.ttl)
    return store.release_lease(op.lease)


# --- what the source keeps between calls ---------------------------------------------------------


class Cached:
    """A stored token as the hot path reads it: one attribute per question, nothing computed.

    ``due_at`` is when the token enters its leeway (``inf`` for a token without ``expires_in``,
    kept until it is reported rejected).
    """

    __slots__ = ("access_token", "due_at", "token", "version")

    def __init__(self, stored: StoredToken) -> None:
        self.token = stored.token
        self.version = stored.version
        self.access_token = stored.token.access_token
        due = stored.token.refresh_due_at()
        self.due_at = math.inf if due is None else due

    def __repr__(self) -> str:
        return f"Cached(version={self.version}, due_at={self.due_at})"


#: ``Renewer.renew()``: receives ``Any`` because each step has its own reply type.
Renewal = Generator[Step, Any, Cached]


class FlowClient(Protocol):
    """What the renewal reads from a ``TokenClient`` or ``AsyncTokenClient`` to run the flow."""

    profile: Profile
    auth: ClientAuth
    retry: RetryPolicy


def default_lease_ttl(client: FlowClient) -> float:
    """The longest one token request through ``client`` can take, plus :data:`LEASE_MARGIN`.

    Every attempt may use the transport's whole ``total_timeout`` (30 s if the transport does not
    say), and between attempts the flow may wait up to the larger of its back-off cap and its
    ``Retry-After`` cap. A lease shorter than this could expire under a refresher that is still
    working, letting a second one start with the same refresh token.
    """
    retry = client.retry
    options = getattr(getattr(client, "transport", None), "options", None)
    per_try = (
        options.total_timeout
        if isinstance(options, TransportOptions)
        else DEFAULT_OPTIONS.total_timeout
    )
    attempts = max(1, retry.max_attempts)
    waits = (attempts - 1) * max(retry.max_delay, retry.max_retry_after)
    return attempts * per_try + waits + LEASE_MARGIN


def _seconds(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigurationError(f"{what} must be a finite number of seconds")
    if value <= 0:
        raise ConfigurationError(f"{what} must be positive, got {value!r}")
    return float(value)


def twin(error: Exception) -> Exception:
    """A copy of a refresh's error for one more caller: same type, message and attributes.

    Every caller that waited on a failed single flight gets the error the refresher got, but as
    its own object, so that concurrent raises do not splice their tracebacks into one.
    """
    try:
        copied = copy.copy(error)
    except Exception:  # an exception type that cannot be rebuilt: share the original
        return error
    if type(copied) is not type(error) or str(copied) != str(error):
        return error
    copied.__cause__ = error.__cause__
    copied.__suppress_context__ = True
    return copied


class Renewer:
    """One source's renewal state and its sans-IO renewal generator.

    Only the single flight's leader runs :meth:`renew`, so the state it changes (the seed, the
    refused version) needs no lock; :meth:`reject` may be called by anyone and takes one.
    """

    def __init__(
        self,
        client: FlowClient,
        grant: Grant | None,
        *,
        token: Token | None,
        store: TokenStore | None,
        key: str | None,
        lease_ttl: float | None,
        wait_timeout: float | None,
        clock: Callable[[], float],
        random: Callable[[], float],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if grant is not None and not isinstance(grant, Grant):
            raise ConfigurationError(f"grant must be a tokenwire grant, not {type(grant).__name__}")
        if token is not None and not isinstance(token, Token):
            raise ConfigurationError(f"token must be a tokenwire Token, not {type(token).__name__}")
        if store is None:
            if grant is None and token is None:
                raise ConfigurationError(
                    "a token source needs a grant, a token, or a shared store and key to start from"
                )
            store = MemoryStore()
            key = DEFAULT_KEY if key is None else key
        elif key is None:
            raise ConfigurationError(
                "a token source with a store needs a key: the name its token is stored under"
            )
        if not isinstance(key, str) or not key:
            raise ConfigurationError("key must be a non-empty string")
        self.client = client
        self.grant = grant
        self.store: TokenStore = store
        self.key = key
        self.lease_ttl = (
            default_lease_ttl(client) if lease_ttl is None else _seconds(lease_ttl, "lease_ttl")
        )
        # Long enough to see a dead holder's lease expire and take over.
        self.wait_timeout = (
            2.0 * self.lease_ttl if wait_timeout is None else _seconds(wait_timeout, "wait_timeout")
        )
        self.clock = clock
        self.random = random
        self.monotonic = monotonic
        #: Offered to the store on the first renewal, then dropped.
        self.seed = token
        #: The highest version a caller reported rejected (``invalidate``).
        self.access_rejected_version: int | None = None
        #: The version whose refresh token the server refused (0: nothing stored, grant refused).
        self.grant_refused_version: int | None = None
        self._lock = threading.Lock()

    @property
    def flight_timeout(self) -> float:
        """The longest a renewal can take: wait out another holder, then refresh under the lease."""
        return self.wait_timeout + self.lease_ttl + LEASE_MARGIN

    def reject(self, version: int) -> None:
        """Remember that the token at ``version`` was rejected by a resource server."""
        with self._lock:
            if self.access_rejected_version is None or version > self.access_rejected_version:
                self.access_rejected_version = version

    def accepts(self, cached: Cached) -> bool:
        """False if ``cached`` is a version a caller has reported rejected."""
        rejected = self.access_rejected_version
        return rejected is None or cached.version > rejected

    # --- the algorithm --------------------------------------------------------------------------

    def renew(self) -> Renewal:
        """Return a usable token, from the store or from the token endpoint (see module doc)."""
        stored: StoredToken | None = yield GetStored(self.key)
        if self.seed is not None:
            stored = yield from self._plant_seed(stored)
        usable = self._usable(stored)
        if usable is not None:
            return usable
        self._check_refused(stored)
        deadline = self.monotonic() + self.wait_timeout
        polls = 0
        while True:
            lease: Lease | None = yield TakeLease(self.key, self.lease_ttl)
            if lease is not None:
                break
            # Someone else is refreshing: watch the store for their result, or for the lease
            # to free up (released, or expired because its holder died).
            now = self.monotonic()
            if now >= deadline:
                raise RefreshTimeout(
                    f"waited {self.wait_timeout:g} s for another refresher of key "
                    f"{scrub(self.key, 80)!r}; no new token was stored and its lease is still held"
                )
            polls += 1
            yield Sleep(self._poll_delay(polls, deadline - now))
            stored = yield GetStored(self.key)
            usable = self._usable(stored)
            if usable is not None:
                return usable
            self._check_refused(stored)
        try:
            result = yield from self._under_lease()
        except GeneratorExit:
            raise  # closed without being driven: nothing can be yielded; the lease expires
        except BaseException:
            yield from self._release(lease)
            raise
        yield from self._release(lease)
        return result

    def _under_lease(self) -> Renewal:
        stored: StoredToken | None = yield GetStored(self.key)  # someone may have just written
        usable = self._usable(stored)
        if usable is not None:
            return usable
        self._check_refused(stored)
        previous = None if stored is None else stored.token.refresh_token
        if previous:
            grant: Grant = RefreshToken(previous)
        elif self.grant is not None:
            grant = self.grant
        elif stored is None:
            raise ConfigurationError(
                f"nothing is stored under key {scrub(self.key, 80)!r} and no grant is configured"
            )
        else:
            raise ConfigurationError(
                "the token cannot be renewed: it has no refresh token and no grant is configured"
            )
        flow = token_flow(
            self.client.profile,
            self.client.auth,
            grant,
            clock=self.clock,
            random=self.random,
            retry=self.client.retry,
        )
        try:
            token = yield from flow
        except InvalidGrant as exc:
            if not isinstance(grant, RefreshToken | AuthorizationCode):
                raise
            return (yield from self._refused(stored, grant, exc))
        if previous and token.refresh_token is None:
            # RFC 6749 §6: no new refresh token in the response means the old one stays valid.
            token = msgspec.structs.replace(token, refresh_token=previous)
        written = yield from self._write(stored, token)
        return Cached(written)

    def _refused(
        self, stored: StoredToken | None, grant: Grant, exc: InvalidGrant
    ) -> Generator[Step, Any, Cached]:
        """``invalid_grant``: adopt a token stored meanwhile, else require re-authorization."""
        latest: StoredToken | None = yield GetStored(self.key)
        version = 0 if stored is None else stored.version
        if latest is not None and latest.version > version:
            # Another refresher (whose lease outlived ours) used the refresh token first.
            usable = self._usable(latest)
            if usable is not None:
                return usable
        self.grant_refused_version = version
        what = "refresh token" if isinstance(grant, RefreshToken) else "authorization code"
        raise ReauthorizationRequired(
            exc.error,
            f"the authorization server refused the {what}; "
            "re-authorization is needed to get a new token",
            exc.uri,
            status=exc.status,
        ) from exc

    def _write(self, stored: StoredToken | None, token: Token) -> Generator[Step, Any, StoredToken]:
        """Store ``token`` over ``stored``; if someone wrote since, their newer token wins."""
        expected = None if stored is None else stored.version
        for _ in range(_WRITE_ATTEMPTS):
            written: StoredToken | None = yield WriteStored(self.key, expected, token)
            if written is not None:
                return written
            latest: StoredToken | None = yield GetStored(self.key)
            if latest is not None:
                return latest
            expected = None  # the key was deleted meanwhile: store ours afresh
        raise StoreError(
            f"the token stored under key {scrub(self.key, 80)!r} kept changing during the write"
        )

    def _plant_seed(self, stored: StoredToken | None) -> Generator[Step, Any, StoredToken | None]:
        """Store the token the source was given, unless the store holds a newer one."""
        seed = self.seed
        assert seed is not None
        if stored is None or _newer(seed, stored.token):
            expected = None if stored is None else stored.version
            written: StoredToken | None = yield WriteStored(self.key, expected, seed)
            # Lost: someone wrote after our read, so what is stored now is newer than the seed.
            stored = written if written is not None else (yield GetStored(self.key))
        self.seed = None
        return stored

    def _release(self, lease: Lease) -> Generator[Step, Any, None]:
        # A failed release is harmless: the lease expires on its own, and the token is stored.
        with contextlib.suppress(StoreError):
            yield ReleaseLease(lease)

    # --- small decisions --------------------------------------------------------------------------

    def _usable(self, stored: StoredToken | None) -> Cached | None:
        if stored is None:
            return None
        rejected = self.access_rejected_version
        if rejected is not None and stored.version <= rejected:
            return None
        if not stored.token.is_fresh(self.clock()):
            return None
        return Cached(stored)

    def _check_refused(self, stored: StoredToken | None) -> None:
        """Raise again, without a request, if the server refused this very version before."""
        refused = self.grant_refused_version
        if refused is None:
            return
        if (0 if stored is None else stored.version) > refused:
            self.grant_refused_version = None  # a newer token was stored: try it
            return
        raise ReauthorizationRequired(
            "invalid_grant",
            "the authorization server refused this token's refresh token earlier; "
            "re-authorization is needed to get a new token",
        )

    def _poll_delay(self, polls: int, left: float) -> float:
        """Growing, jittered pause between looks at the store, never past the deadline."""
        ceiling = min(POLL_MAX, POLL_FIRST * 2.0 ** (polls - 1))
        delay = ceiling / 2 + ceiling / 2 * self.random()
        return max(0.001, min(delay, left))

    def __repr__(self) -> str:
        return f"Renewer(key={self.key!r}, store={self.store!r}, lease_ttl={self.lease_ttl:g})"


def _newer(seed: Token, stored: Token) -> bool:
    """True if ``seed`` was received after ``stored`` (unknown times never count as newer)."""
    if seed.received_at is None:
        return False
    return stored.received_at is None or seed.received_at > stored.received_at
