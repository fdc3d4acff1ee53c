"""The renewal algorithm of a token source, written once as a sans-IO generator.

:class:`TokenSource` (threads) and :class:`AsyncTokenSource` (asyncio, trio) differ only in how
they wait; what they do is :meth:`Renewer.renew`, a generator in the style of the core's
``token_flow``. It yields what it needs and receives what happened:

* store operations (:mod:`.steps`: :class:`GetStored`, :class:`WriteStored`, :class:`TakeLease`,
  :class:`ReleaseLease`), answered by :func:`~.steps.perform` on the source's store;
* :class:`~tokenwire.core.Send` and :class:`~tokenwire.core.Sleep`, from the client's flow
  (``yield from client.flow(grant)``) and from polling, answered by the transport and the sleep.

Both sources step it with :func:`~tokenwire.adapters.drive.drive` or ``adrive``, which throw a
failing step's exception *into* the generator (a transport failure comes in as a value), so the
generator itself releases the lease, whatever went wrong. This module holds the algorithm only; the
steps, the cached view, the memory of refusals, the grant choice, what a store failure left
unsettled, lease sizing and errors are its siblings. Over 300 lines: the algorithm is one piece:
split further, its cleanup rules (which failure releases the lease, which keeps it) would be spread
over modules that each see only half of them.

The algorithm, per renewal (see ``docs/lifecycle.md``):

0. first write a renewed token a failed store call left in the process, and release a lease this
   process still holds (:mod:`.unsettled`), before anything reads the store;
1. read the store; plant the seed token if nothing newer is stored; hand out the stored token if it
   is fresh and not the one the caller reported rejected;
2. take the refresher lease; while another holder has it, poll the store (jittered, growing
   interval, bounded by ``wait_timeout``) until a usable token appears or the lease frees;
3. with the lease: read again (someone may have just written), then renew with the stored refresh
   token, or with the configured grant when there is none (a single-use grant only once,
   :mod:`.grants`);
4. write the new token with compare-and-set on the version read (keeping the old refresh token if
   the server sent none, RFC 6749 §6), *then* release the lease and hand it out; a lost
   compare-and-set means a newer token is stored: that one is handed out instead; a failed write
   keeps the token and the lease for step 0 of the next renewal, and raises ``StoreError``;
5. ``invalid_grant`` raises :class:`~tokenwire.core.ReauthorizationRequired` and is remembered for
   the stored version, so later calls raise it again without a request until a newer token is
   stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import Any, Protocol

import msgspec

from tokenwire.adapters.observe import QUIET, Observer
from tokenwire.adapters.source.cached import Cached
from tokenwire.adapters.source.errors import RefreshTimeout
from tokenwire.adapters.source.grants import GrantChoice
from tokenwire.adapters.source.lease import LEASE_MARGIN, default_lease_ttl, poll_delay, seconds
from tokenwire.adapters.source.rejections import Rejections
from tokenwire.adapters.source.steps import (
    GetStored,
    ReleaseLease,
    RenewalStep,
    TakeLease,
    WriteStored,
)
from tokenwire.adapters.source.unsettled import Unsettled
from tokenwire.adapters.stores import Lease, MemoryStore, StoredToken, StoreError, TokenStore
from tokenwire.core import (
    AuthorizationCode,
    ConfigurationError,
    Grant,
    InvalidGrant,
    ReauthorizationRequired,
    RefreshToken,
    RetryPolicy,
    Sleep,
    Token,
    TokenFlow,
    TransportError,
)
from tokenwire.core.redact import scrub

__all__ = ["DEFAULT_KEY", "FlowClient", "Renewal", "Renewer"]

#: The key a source uses in its private store when it is given none.
DEFAULT_KEY = "default"
#: How many times a write that keeps losing to other writers is tried before giving up.
_WRITE_ATTEMPTS = 3

#: ``Renewer.renew()``: receives ``Any`` because each step has its own reply type.
Renewal = Generator[RenewalStep, Any, Cached]


class FlowClient(Protocol):
    """What a source uses of a ``TokenClient`` or ``AsyncTokenClient``: its flow, the retry
    policy its lease is sized from, the deadline its flows get, and the clock and randomness a
    source defaults to."""

    retry: RetryPolicy
    deadline: float | None
    clock: Callable[[], float]
    random: Callable[[], float]

    def flow(self, grant: Grant, *, deadline: float | None = None) -> TokenFlow: ...


class Renewer:
    """One source's renewal state and its sans-IO renewal generator.

    Only the single flight's leader runs :meth:`renew`, so the state it changes (the seed, the
    refused version) needs no lock; ``rejections.reject`` may be called by anyone and takes one.
    What it does is reported to ``observer`` (its source sets it).
    """

    observer: Observer = QUIET

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
            default_lease_ttl(client) if lease_ttl is None else seconds(lease_ttl, "lease_ttl")
        )
        # Long enough to see a dead holder's lease expire and take over.
        self.wait_timeout = (
            2.0 * self.lease_ttl if wait_timeout is None else seconds(wait_timeout, "wait_timeout")
        )
        self.clock = clock
        self.random = random
        self.monotonic = monotonic
        #: Offered to the store on the first renewal, then dropped.
        self.seed = token
        self.rejections = Rejections()
        #: A renewed token not yet stored, a lease not yet released (after a store failure).
        self.unsettled = Unsettled()
        #: The configured grant, sent once if it is single-use (:mod:`.grants`).
        self.grants = GrantChoice(grant)

    @property
    def flight_timeout(self) -> float:
        """The longest a renewal can take: wait out another holder, then refresh under the lease."""
        return self.wait_timeout + self.lease_ttl + LEASE_MARGIN

    # --- the algorithm --------------------------------------------------------------------------

    def renew(self) -> Renewal:
        """Return a usable token, from the store or from the token endpoint (see module doc)."""
        yield from self._settle()
        stored: StoredToken | None = yield GetStored(self.key)
        if self.seed is not None:
            stored = yield from self._plant_seed(stored)
        usable = self._usable(stored)
        if usable is not None:
            return usable
        self._check_refused(stored)
        self._check_own_lease()
        started = self.monotonic()
        deadline = started + self.wait_timeout
        polls = 0
        while True:
            taken_at = self.monotonic()
            lease: Lease | None = yield TakeLease(self.key, self.lease_ttl)
            if lease is not None:
                if polls:
                    self.observer.lease_waited(self.key, self.monotonic() - started, True)
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
            yield Sleep(poll_delay(polls, deadline - now, self.random))
            stored = yield GetStored(self.key)
            usable = self._usable(stored)
            if usable is not None:
                self.observer.lease_waited(self.key, self.monotonic() - started, False)
                return usable
            self._check_refused(stored)
        until = taken_at + self.lease_ttl
        try:
            result = yield from self._under_lease()
        except GeneratorExit:
            # Closed without being driven: nothing can be yielded; released on the next renewal.
            self.unsettled.hold(lease, until)
            raise
        except BaseException:
            if self.unsettled.token is None:
                yield from self._release(lease, until)
            else:
                # The renewed token is not stored: keep the lease, so that other processes wait
                # instead of refreshing with the store's spent copy, until it is written.
                self.unsettled.hold(lease, until)
            raise
        yield from self._release(lease, until)
        return result

    def _settle(self) -> Generator[RenewalStep, Any, None]:
        """Before anything reads the store, write the token and release the lease that a failed
        store call left with this process (:mod:`.unsettled`)."""
        unsettled = self.unsettled
        if unsettled.token is not None:
            # Compare-and-set on the version it was renewed from: if a newer token was stored
            # meanwhile (this lease expired and someone else renewed), that one stays.
            try:
                yield from self._write(unsettled.expected_version, unsettled.token)
            except StoreError as exc:
                raise self._unstored(exc, "is still not stored") from exc
            unsettled.written()
        lease, until = unsettled.lease, unsettled.lease_until
        if lease is not None:
            unsettled.released()
            yield from self._release(lease, until)

    def _check_own_lease(self) -> None:
        """Never wait on a lease this process holds: its release failed and still fails."""
        if self.unsettled.lease is None:
            return
        if self.monotonic() >= self.unsettled.lease_until:
            self.unsettled.released()  # expired: nobody holds it any more
            return
        raise StoreError(
            f"this process holds the refresher lease on key {scrub(self.key, 80)!r} and the "
            "store did not release it; the next call tries again"
        )

    def _unstored(self, exc: StoreError, what: str) -> StoreError:
        return StoreError(
            f"the renewed token for key {scrub(self.key, 80)!r} {what} ({exc}); it is kept in "
            "this process and stored before anything else on the next call"
        )

    def _under_lease(self) -> Renewal:
        stored: StoredToken | None = yield GetStored(self.key)  # someone may have just written
        usable = self._usable(stored)
        if usable is not None:
            return usable
        self._check_refused(stored)
        grant = self.grants.choose(stored, self.key)
        try:
            token = yield from self.client.flow(grant, deadline=self._deadline())
        except TransportError as exc:
            self.grants.not_sent(grant, exc)
            raise
        except InvalidGrant as exc:
            if not isinstance(grant, RefreshToken | AuthorizationCode):
                raise
            return (yield from self._refused(stored, grant, exc))
        if isinstance(grant, RefreshToken) and token.refresh_token is None:
            # RFC 6749 §6: no new refresh token in the response means the old one stays valid.
            token = msgspec.structs.replace(token, refresh_token=grant.refresh_token)
        expected = None if stored is None else stored.version
        try:
            written = yield from self._write(expected, token)
        except BaseException as exc:
            # The server has answered: its refresh token may be the only live one. Keep it.
            self.unsettled.keep_token(expected, token)
            if isinstance(exc, StoreError):
                raise self._unstored(exc, "could not be stored") from exc
            raise
        rotated = isinstance(grant, RefreshToken) and token.refresh_token != grant.refresh_token
        self.observer.renewed(self.key, written.token, rotated)
        return Cached(written)

    def _deadline(self) -> float:
        """The request's deadline: the client's, capped by how long callers wait for it."""
        deadline = self.client.deadline
        return self.wait_timeout if deadline is None else min(deadline, self.wait_timeout)

    def _refused(
        self, stored: StoredToken | None, grant: Grant, exc: InvalidGrant
    ) -> Generator[RenewalStep, Any, Cached]:
        """``invalid_grant``: adopt a token stored meanwhile, else require re-authorization."""
        latest: StoredToken | None = yield GetStored(self.key)
        version = 0 if stored is None else stored.version
        if latest is not None and latest.version > version:
            # Another refresher (whose lease outlived ours) used the refresh token first.
            usable = self._usable(latest)
            if usable is not None:
                return usable
        self.rejections.refused(version)
        what = "refresh token" if isinstance(grant, RefreshToken) else "authorization code"
        self.observer.reauthorization_required(self.key, what)
        raise ReauthorizationRequired(
            exc.error,
            f"the authorization server refused the {what}; "
            "re-authorization is needed to get a new token",
            exc.uri,
            status=exc.status,
        ) from exc

    def _write(
        self, expected: int | None, token: Token
    ) -> Generator[RenewalStep, Any, StoredToken]:
        """Store ``token`` over version ``expected``; if someone wrote since, their newer token
        wins."""
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

    def _plant_seed(
        self, stored: StoredToken | None
    ) -> Generator[RenewalStep, Any, StoredToken | None]:
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

    def _release(self, lease: Lease, until: float) -> Generator[RenewalStep, Any, None]:
        try:
            yield ReleaseLease(lease)
        except StoreError:
            # The token is stored and the lease expires on its own; until then this process
            # releases it again on its next renewal instead of waiting on it.
            self.unsettled.hold(lease, until)

    # --- small decisions --------------------------------------------------------------------------

    def _usable(self, stored: StoredToken | None) -> Cached | None:
        if stored is None:
            return None
        if not self.rejections.accepts(stored.version):
            return None
        if not stored.token.is_fresh(self.clock()):
            return None
        return Cached(stored)

    def _check_refused(self, stored: StoredToken | None) -> None:
        self.rejections.check_refused(0 if stored is None else stored.version)

    def __repr__(self) -> str:
        return f"Renewer(key={self.key!r}, store={self.store!r}, lease_ttl={self.lease_ttl:g})"


def _newer(seed: Token, stored: Token) -> bool:
    """True if ``seed`` was received after ``stored`` (unknown times never count as newer)."""
    if seed.received_at is None:
        return False
    return stored.received_at is None or seed.received_at > stored.received_at
