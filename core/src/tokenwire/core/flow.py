"""The token request as a sans-IO flow: one generator that sync and async drivers both run.

``token_flow`` yields what it needs (:class:`Send` a request, :class:`Sleep` a while) and receives
what happened (an :class:`HttpResponse`, a :class:`TransportFailure`, or ``None`` after a sleep).
Every retry decision lives here, so no two drivers can disagree about when to retry:

* 429 and 503 are the server saying "not now": retried for any grant, after ``Retry-After``
  (seconds or an HTTP date, capped) or an exponential, jittered back-off;
* 500, 502, 504, ``server_error`` and ``temporarily_unavailable`` may mean the request was
  processed: retried only for grants that are safe to repeat (client_credentials);
* a failed connect (nothing was sent) is retried for any grant; a failure after sending only for
  repeatable grants, never for a refresh token that may have rotated or a single-use code;
* a response over the size cap, or a certificate that is not trusted, is not retried: the same
  would come again;
* the RFC 6749 errors that blame the request (``invalid_grant``, ``invalid_client``, ...) are
  final whatever their status (their class says so: ``OAuthError.ends_retries``); an unknown
  error code follows the rules of its status;
* with a ``deadline`` (seconds, on the ``monotonic`` clock the flow is given, apart from the wall
  clock of ``expires_at``), no attempt starts and no sleep is scheduled past it, and each attempt
  is sent with what is left as its timeout (:attr:`HttpRequest.timeout`); the flow then ends with
  :class:`TransportTimeout`, or the last OAuth error, naming the attempts made;
* every attempt of a ``*_jwt`` client carries a newly signed client assertion (new ``jti``,
  ``iat`` and ``exp``): a provider may refuse a ``jti`` it has seen (RFC 7523 §3), and a long
  ``Retry-After`` may outlast the first one's ``exp``. Other clients resend the same request.

Each step says why it was taken, for the drivers' logs and trace events (the core itself logs
nothing): a :class:`Send` carries its attempt number and what it is for (``operation``), a
:class:`Sleep` the retry's reason and the attempt it follows.

The same rules serve the other endpoints' requests (revocation, introspection):
:func:`request_flow` is the loop, given the request, its parser and whether a resend is safe.

Over 300 lines: the rules above and the loop that keeps them are read against each other, so
they stay in one module (the deadline's arithmetic is in :mod:`tokenwire.core.deadline`).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Protocol, TypeVar

import msgspec

from tokenwire.core.assertion import sign_assertion
from tokenwire.core.auth import ClientAuth
from tokenwire.core.deadline import Budget, check_deadline
from tokenwire.core.errors import (
    CertificateError,
    OAuthError,
    ResponseTooLarge,
    ServerError,
    TemporarilyUnavailable,
    TokenwireError,
    TransportError,
)
from tokenwire.core.grants import Grant
from tokenwire.core.http import HttpRequest, HttpResponse
from tokenwire.core.profile import Profile
from tokenwire.core.redact import Secrets, scrub
from tokenwire.core.request import prepare_token_request
from tokenwire.core.response import parse_token_response
from tokenwire.core.token import Token

__all__ = [
    "RESENDABLE",
    "endpoint_flow",
    "DEFAULT_RETRY",
    "REFUSED_NOTE",
    "RETRY_IF_REPEATABLE_STATUSES",
    "THROTTLE_STATUSES",
    "Reply",
    "RetryPolicy",
    "Send",
    "Sleep",
    "Step",
    "TokenFlow",
    "TransportFailure",
    "backoff",
    "check_deadline",
    "retry_after",
    "retry_delay",
    "token_flow",
]


class Send(msgspec.Struct, frozen=True):
    """Send this request; reply with the :class:`HttpResponse` or a :class:`TransportFailure`.

    ``attempt`` counts from 1; ``operation`` says what the request is for (a grant type,
    ``"revocation"``, ...), for logs and traces. The attempt's time limit, if the flow has a
    deadline, travels on the request itself (:attr:`timeout`), where a transport reads it.
    """

    request: HttpRequest
    attempt: int = 1
    operation: str = ""

    @property
    def timeout(self) -> float | None:
        """Seconds this attempt may take (what is left of the deadline), or ``None``."""
        return self.request.timeout


class Sleep(msgspec.Struct, frozen=True):
    """Wait this many seconds, then reply with ``None``.

    ``reason`` says why (``"HTTP 503"``, ``"HTTP 500 server_error"``, ``"TransportTimeout"``, ...:
    a status, a redacted error code or an error class, never a secret) and ``attempt`` which
    attempt it follows; ``retry_after`` is true when the server's ``Retry-After`` set the delay.
    Other waits (polling) leave ``attempt`` at 0.
    """

    seconds: float
    reason: str = ""
    attempt: int = 0
    retry_after: bool = False


class TransportFailure(msgspec.Struct, frozen=True):
    """The transport raised ``error`` instead of answering (sent into the flow, not raised)."""

    error: TransportError


#: What a flow yields: a request to send or a pause to take.
Step = Send | Sleep
#: What a driver sends back into a flow: the answer, the transport's failure, or ``None``.
Reply = HttpResponse | TransportFailure | None
#: The token flow's generator type: yields steps, receives replies, returns the token.
TokenFlow = Generator[Step, Reply, Token]
T = TypeVar("T")


class Repeatable(Protocol):
    """What the retry rules ask of a request: is it safe to send twice? (Every grant says.)"""

    @property
    def repeatable(self) -> bool: ...


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """How hard a flow tries. ``max_attempts`` counts the first try."""

    max_attempts: int = 3
    base_delay: float = 0.25
    max_delay: float = 5.0
    #: A ``Retry-After`` longer than this is not waited for: the error is raised instead.
    max_retry_after: float = 30.0


#: The note a flow adds to the error it raises instead of waiting for a too long ``Retry-After``
#: (drivers log it as a refused ``Retry-After``).
REFUSED_NOTE = "Retry-After of {after:g} s is over the {cap:g} s cap: not waited for"
#: The policy flows use when the caller gives none.
DEFAULT_RETRY = RetryPolicy()
#: The server saying "not now" (RFC 6585 §4, RFC 9110 §15.6.4): retried for any grant, after
#: ``Retry-After`` when it is sent.
THROTTLE_STATUSES = frozenset({429, 503})
#: Failures that may come after the request was processed: retried only for repeatable grants.
RETRY_IF_REPEATABLE_STATUSES = frozenset({500, 502, 504})


def token_flow(
    profile: Profile,
    client: ClientAuth,
    grant: Grant,
    *,
    clock: Callable[[], float],
    random: Callable[[], float],
    retry: RetryPolicy = DEFAULT_RETRY,
    deadline: float | None = None,
    monotonic: Callable[[], float] | None = None,
    operation: str | None = None,
) -> TokenFlow:
    """Request a token for ``grant`` with retries; returns the :class:`Token` or raises.

    ``clock`` gives the wall-clock time in seconds (for ``expires_at`` and HTTP-date
    ``Retry-After``); ``random`` gives a float in [0, 1) for back-off jitter. ``deadline`` bounds
    the whole operation (seconds from the first step, read on ``monotonic``): see the module doc.
    ``operation`` names the request in its steps (default: the grant type).

    A ``*_jwt`` client's request is prepared again for each attempt, with a new assertion, and
    each answer is parsed knowing the assertion its attempt sent (see :func:`request_flow`).
    """
    assertion = sign_assertion(profile, client, clock=clock, random=random)
    request = prepare_token_request(profile, client, grant, assertion=assertion)
    sent_secrets = Secrets((*client.secret_values(), *grant.secret_values(), assertion))
    rebuild: Callable[[], HttpRequest] | None = None
    if assertion is not None:  # a *_jwt client; any other resends the same request object

        def rebuild() -> HttpRequest:
            # Each attempt's answer is parsed against the secrets of that attempt: a provider
            # that echoes the assertion it refused must not show it.
            nonlocal sent_secrets
            fresh = sign_assertion(profile, client, clock=clock, random=random)
            sent_secrets = Secrets((*client.secret_values(), *grant.secret_values(), fresh))
            return prepare_token_request(profile, client, grant, assertion=fresh)

    def parse(response: HttpResponse) -> Token:
        return parse_token_response(profile, response, received_at=clock(), secrets=sent_secrets)

    return (
        yield from request_flow(
            request,
            parse,
            grant,
            clock=clock,
            random=random,
            retry=retry,
            deadline=deadline,
            monotonic=monotonic,
            operation=operation or grant.grant_type,
            rebuild=rebuild,
        )
    )


class _Resendable:
    """Revocation, introspection and device authorization consume nothing: a resend is safe."""

    repeatable = True


#: The :class:`Repeatable` of every request that consumes nothing at the server.
RESENDABLE = _Resendable()


def endpoint_flow(
    profile: Profile,
    client: ClientAuth,
    build: Callable[[str | None], HttpRequest],
    parse: Callable[[HttpResponse], T],
    *,
    operation: str,
    clock: Callable[[], float],
    random: Callable[[], float],
    retry: RetryPolicy = DEFAULT_RETRY,
    deadline: float | None = None,
    monotonic: Callable[[], float] | None = None,
) -> Generator[Step, Reply, T]:
    """An authenticated request to an endpoint beside the token endpoint, by the rules above.

    The one path of revocation, introspection and device authorization: sign the client
    assertion a ``*_jwt`` client sends (``None`` for the other methods), ``build`` the request
    with it, and run :func:`request_flow` (a resend is safe: these requests consume nothing).
    A ``*_jwt`` client's retry is built again around a new assertion.
    """

    assertion = sign_assertion(profile, client, clock=clock, random=random)
    rebuild: Callable[[], HttpRequest] | None = None
    if assertion is not None:  # a *_jwt client; any other resends the same request object

        def rebuild() -> HttpRequest:
            return build(sign_assertion(profile, client, clock=clock, random=random))

    return (
        yield from request_flow(
            build(assertion),
            parse,
            RESENDABLE,
            clock=clock,
            random=random,
            retry=retry,
            deadline=deadline,
            monotonic=monotonic,
            operation=operation,
            rebuild=rebuild,
        )
    )


def request_flow(
    request: HttpRequest,
    parse: Callable[[HttpResponse], T],
    grant: Repeatable,
    *,
    clock: Callable[[], float],
    random: Callable[[], float],
    retry: RetryPolicy = DEFAULT_RETRY,
    deadline: float | None = None,
    monotonic: Callable[[], float] | None = None,
    operation: str = "",
    rebuild: Callable[[], HttpRequest] | None = None,
) -> Generator[Step, Reply, T]:
    """Send ``request`` and ``parse`` the answer, retrying by the rules above.

    ``grant`` says whether a resend is safe; ``parse`` returns the result or raises the typed
    error, which :func:`retry_delay` then judges. ``deadline`` (seconds) needs ``monotonic``, a
    clock that wall-clock steps do not move; ``operation`` names the request in its steps.

    ``rebuild``, if given, makes the request of every attempt after the first (its time limit is
    then set on the new request): a request carrying a client assertion must not be resent as it
    is, since a provider may refuse a ``jti`` it has seen (RFC 7523 §3) and a long ``Retry-After``
    may outlast the assertion's ``exp``. Without it the same ``request`` object is resent, at no
    cost: the flows pass ``rebuild`` only for a ``*_jwt`` client.
    """
    budget = Budget(deadline, monotonic)
    attempt = 0
    last: TokenwireError | None = None
    while True:
        attempt += 1
        if rebuild is not None and attempt > 1:
            request = rebuild()  # before the clock is read: signing is part of the attempt
        left = budget.left()
        if left is None:
            outgoing = request
        elif left > 0:
            outgoing = msgspec.structs.replace(request, timeout=left)
        else:  # the last sleep overran: no time is left to try again
            raise budget.expired(last, attempt - 1)
        reply = yield Send(outgoing, attempt, operation)
        if isinstance(reply, TransportFailure):
            error = reply.error
            if (
                attempt >= retry.max_attempts
                or (error.sent and not grant.repeatable)
                # The same answer, or the same certificate, would come again.
                or isinstance(error, ResponseTooLarge | CertificateError)
            ):
                raise budget.final(error, attempt)
            delay = backoff(attempt, retry, random)
            after = False
            reason = type(error).__name__
            last = error
        else:
            if not isinstance(reply, HttpResponse):
                raise TypeError(f"the flow expected an HttpResponse, got {type(reply).__name__}")
            try:
                return parse(reply)
            except TokenwireError as exc:
                judged = retry_delay(exc, reply, grant, attempt, retry, clock, random)
                if judged is None:
                    raise
                delay = judged
                after = reply.status in THROTTLE_STATUSES and retry_after(reply, clock) is not None
                reason = _reason(exc, reply)
                last = exc
        if not budget.allows(delay):
            raise budget.expired(last, attempt)
        yield Sleep(delay, reason, attempt, after)


def _reason(error: TokenwireError, response: HttpResponse) -> str:
    """Why a response is retried, for logs: its OAuth error code (redacted), else its status."""
    if isinstance(error, OAuthError) and error.error:
        return f"HTTP {response.status} {scrub(error.error, 60)}"
    return f"HTTP {response.status}"


def retry_delay(
    error: TokenwireError,
    response: HttpResponse,
    grant: Repeatable,
    attempt: int,
    retry: RetryPolicy,
    clock: Callable[[], float],
    random: Callable[[], float],
) -> float | None:
    """Seconds to wait before trying again after ``error``, or ``None`` for no retry."""
    if attempt >= retry.max_attempts or (isinstance(error, OAuthError) and error.ends_retries):
        return None
    status = response.status
    if status in THROTTLE_STATUSES:
        after = retry_after(response, clock)
        if after is None:
            return backoff(attempt, retry, random)
        if after <= retry.max_retry_after:
            return after
        error.add_note(REFUSED_NOTE.format(after=after, cap=retry.max_retry_after))
        return None
    transient = status in RETRY_IF_REPEATABLE_STATUSES or isinstance(
        error, ServerError | TemporarilyUnavailable
    )
    if transient and grant.repeatable:
        return backoff(attempt, retry, random)
    return None


def backoff(attempt: int, retry: RetryPolicy, random: Callable[[], float]) -> float:
    """Exponential back-off with equal jitter: half fixed, half random."""
    ceiling = min(retry.max_delay, retry.base_delay * 2.0 ** (attempt - 1))
    return ceiling / 2 + ceiling / 2 * random()


def retry_after(response: HttpResponse, clock: Callable[[], float]) -> float | None:
    """The ``Retry-After`` delay in seconds (RFC 9110 §10.2.3), or ``None`` if absent or bad."""
    value = response.header("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        from email.utils import parsedate_to_datetime  # rare: most servers send seconds

        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    try:
        delay: float = when.timestamp() - clock()
    except (OverflowError, ValueError, OSError):  # a date no clock can reach (year 99999999999)
        return None
    return max(0.0, delay)
