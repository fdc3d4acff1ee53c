"""The device authorization grant (RFC 8628): the request, its answer, and the polling flow.

A device that cannot show a browser asks for a device code and a user code (§3.1-3.2), shows the
user code and the verification URI, and polls the token endpoint with the device code until the
user decides (§3.4-3.5). ``device_flow`` is that polling, as a sans-IO generator like
:func:`~tokenwire.core.flow.token_flow` (it yields :class:`Send` and :class:`Sleep`). Its rules:

* every poll waits ``interval`` first (default 5 s, §3.2), the first one too: the user cannot have
  approved a code they have not yet been shown; an interval under 1 s is taken as 1 s, so that a
  server's ``0`` cannot make a busy loop;
* ``authorization_pending``: wait ``interval``, poll again;
* ``slow_down``: the interval grows by 5 seconds for that poll and every later one (§3.5);
* ``access_denied`` ends the flow with :class:`AccessDenied`, ``expired_token`` with
  :class:`ExpiredToken`; any other error ends it as the token flow raised it;
* the device code's own ``expires_in`` bounds the whole wait: a step that would begin, or a sleep
  that would end, at or after ``expires_at`` (by the clock the flow is given) ends the flow with
  :class:`ExpiredToken` (``status`` ``None``) instead; nothing is sent for a dead code;
* each poll is one :func:`token_flow` run for a :class:`DeviceCode` grant, so a transport failure,
  a 429/503 and a 5xx follow its rules unchanged (a device code is safe to resend).

Over 300 lines: the request, the answer and the polling rules of one RFC, each short, kept
together so the polling flow reads against §3.4-3.5.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any

import msgspec
from typing_extensions import override

from tokenwire.core.auth import ClientAuth
from tokenwire.core.errors import (
    AuthorizationPending,
    ConfigurationError,
    ExpiredToken,
    ProtocolError,
    SlowDown,
)
from tokenwire.core.flow import (
    DEFAULT_RETRY,
    Reply,
    RetryPolicy,
    Sleep,
    Step,
    TokenFlow,
    endpoint_flow,
    token_flow,
)
from tokenwire.core.form import encode_form
from tokenwire.core.http import HttpRequest, HttpResponse
from tokenwire.core.params import Params, check_request_params
from tokenwire.core.profile import Profile
from tokenwire.core.redact import REDACTED, RedactedStruct, Secrets, Shown, describe_json
from tokenwire.core.request import authenticated_request
from tokenwire.core.response import _lifetime, decode_json_body, error_from_json
from tokenwire.core.urn_grants import DeviceCode

__all__ = [
    "DEFAULT_INTERVAL",
    "SLOW_DOWN_STEP",
    "DeviceAuthorization",
    "DeviceAuthorizationFlow",
    "device_authorization_flow",
    "device_authorization_request",
    "device_flow",
    "parse_device_authorization",
]

#: Seconds between polls when the server names no ``interval`` (RFC 8628 §3.2).
DEFAULT_INTERVAL = 5
#: Seconds a ``slow_down`` adds to the interval, for every later poll (RFC 8628 §3.5).
SLOW_DOWN_STEP = 5.0
#: The shortest wait between polls, whatever the server says.
MIN_INTERVAL = 1.0
_ENDPOINT = "device authorization endpoint"
#: The device authorization flow's generator type: returns the :class:`DeviceAuthorization`.
DeviceAuthorizationFlow = Generator[Step, Reply, "DeviceAuthorization"]
_NAMED = frozenset(
    {
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
    }
)


class DeviceAuthorization(RedactedStruct, frozen=True, kw_only=True):
    """The device authorization response (RFC 8628 §3.2). ``repr`` hides the device code.

    The user code and the verification URIs are made to be shown to the user, so they are shown.
    """

    device_code: str
    user_code: str
    verification_uri: str
    #: The verification URI with the user code in it, for a QR code or a link (optional).
    verification_uri_complete: str | None = None
    expires_in: int
    #: Seconds to wait between polls.
    interval: int = DEFAULT_INTERVAL
    #: ``received_at + expires_in`` in the caller's clock: the device code is dead after it.
    expires_at: float | None = None
    received_at: float | None = None
    #: Members RFC 8628 does not name, as sent.
    extra: dict[str, Any] = msgspec.field(default_factory=dict)

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "device_code", REDACTED
        yield "user_code", self.user_code
        yield "verification_uri", self.verification_uri
        yield "verification_uri_complete", self.verification_uri_complete
        yield "expires_in", self.expires_in
        yield "interval", self.interval
        yield "expires_at", self.expires_at
        yield "extra", Shown(f"<{len(self.extra)} members>")


def device_authorization_request(
    profile: Profile,
    client: ClientAuth,
    scope: str | None = None,
    *,
    resource: tuple[str, ...] = (),
    extra: Params = (),
    assertion: str | None = None,
) -> HttpRequest:
    """Build the device authorization request (RFC 8628 §3.1) to the profile's endpoint.

    The client authenticates as at the token endpoint (a public client sends its ``client_id``;
    a ``*_jwt`` client its ``assertion`` for this request).
    """
    url = profile.device_authorization_url
    if url is None:
        raise ConfigurationError("the profile has no device_authorization_url")
    check_request_params(resource, extra)
    fields = [("scope", scope)] if scope else []
    fields += [("resource", uri) for uri in resource]
    fields += extra
    body = encode_form(fields) if fields else b""
    return authenticated_request(profile, client, url, body, assertion=assertion)


def parse_device_authorization(
    profile: Profile,
    response: HttpResponse,
    *,
    received_at: float,
    secrets: Iterable[str | None] | Secrets = (),
) -> DeviceAuthorization:
    """Turn the device authorization response into a :class:`DeviceAuthorization`, or raise.

    An error body raises its :class:`~tokenwire.core.errors.OAuthError` (§3.2: as RFC 6749 §5.2);
    anything else that is not the §3.2 shape raises :class:`ProtocolError`. ``secrets`` (the
    client's secret) are cut out of any error, should the server echo them.
    """
    known = secrets if isinstance(secrets, Secrets) else Secrets(secrets)
    data = decode_json_body(profile, response, _ENDPOINT, secrets=known)
    status = response.status
    if "error" in data:
        raise error_from_json(data, status, known)

    def bad(what: str) -> ProtocolError:
        return ProtocolError(
            f"device authorization response rejected: {what}",
            status=status,
            excerpt=describe_json(data, known),
        )

    if status != 200:
        raise bad("a non-200 status without an OAuth error")
    device_code = data.get("device_code")
    user_code = data.get("user_code")
    if not isinstance(device_code, str) or not device_code:
        raise bad("device_code is missing or not a non-empty string")
    if not isinstance(user_code, str) or not user_code:
        raise bad("user_code is missing or not a non-empty string")
    uri = data.get("verification_uri")
    if uri is None:
        # Google's device endpoint names it verification_url: unambiguous, so accepted.
        uri = data.get("verification_url")
    if not isinstance(uri, str) or not uri:
        raise bad("verification_uri is missing or not a non-empty string")
    complete = data.get("verification_uri_complete")
    if complete is not None and not isinstance(complete, str):
        raise bad("verification_uri_complete is not a string")
    raw_expires_in = data.get("expires_in")
    expires_in = None if raw_expires_in is None else _lifetime(raw_expires_in, profile)
    if expires_in is None:
        raise bad("expires_in is missing or not a non-negative integer number of seconds")
    raw_interval = data.get("interval")
    interval = DEFAULT_INTERVAL if raw_interval is None else _lifetime(raw_interval, profile)
    if interval is None:
        raise bad("interval is not a non-negative integer number of seconds")
    return DeviceAuthorization(
        device_code=device_code,
        user_code=user_code,
        verification_uri=uri,
        verification_uri_complete=complete or None,
        expires_in=expires_in,
        interval=interval,
        expires_at=received_at + expires_in,
        received_at=received_at,
        extra={k: v for k, v in data.items() if k not in _NAMED},
    )


def device_authorization_flow(
    profile: Profile,
    client: ClientAuth,
    scope: str | None = None,
    *,
    clock: Callable[[], float],
    random: Callable[[], float],
    retry: RetryPolicy = DEFAULT_RETRY,
    resource: tuple[str, ...] = (),
    extra: Params = (),
    deadline: float | None = None,
    monotonic: Callable[[], float] | None = None,
) -> DeviceAuthorizationFlow:
    """Ask for a device code (§3.1) with the token flow's retry rules; returns the
    :class:`DeviceAuthorization`, its ``expires_at`` in ``clock``'s time.

    A resend is harmless (an unused device code just expires), so a failure after sending is
    retried too. ``deadline`` and ``monotonic`` are as for :func:`token_flow`.
    """

    def build(assertion: str | None) -> HttpRequest:
        return device_authorization_request(
            profile, client, scope, resource=resource, extra=extra, assertion=assertion
        )

    sent = Secrets(client.secret_values())

    def parse(response: HttpResponse) -> DeviceAuthorization:
        return parse_device_authorization(profile, response, received_at=clock(), secrets=sent)

    return (
        yield from endpoint_flow(
            profile,
            client,
            build,
            parse,
            operation="device_authorization",
            clock=clock,
            random=random,
            retry=retry,
            deadline=deadline,
            monotonic=monotonic,
        )
    )


def device_flow(
    profile: Profile,
    client: ClientAuth,
    authorization: DeviceAuthorization,
    *,
    clock: Callable[[], float],
    random: Callable[[], float],
    retry: RetryPolicy = DEFAULT_RETRY,
    deadline: float | None = None,
    monotonic: Callable[[], float] | None = None,
) -> TokenFlow:
    """Poll for the token of ``authorization`` by the rules above; returns the :class:`Token`.

    ``clock`` and ``random`` are as for :func:`token_flow`; ``clock`` also bounds the wait by the
    device code's ``expires_at`` (or ``expires_in`` from the flow's start, if it has none).
    ``deadline`` (read on ``monotonic``) bounds each poll's request, its retries included; the
    polling as a whole is bounded by the device code's expiry.
    """
    grant = DeviceCode(authorization.device_code)
    expiry = authorization.expires_at
    if expiry is None:
        expiry = clock() + authorization.expires_in
    interval = max(MIN_INTERVAL, float(authorization.interval))
    while True:
        _check_deadline(clock() + interval, expiry)
        yield Sleep(interval)
        poll = token_flow(
            profile,
            client,
            grant,
            clock=clock,
            random=random,
            retry=retry,
            deadline=deadline,
            monotonic=monotonic,
            operation="device_code",
        )
        try:
            return (yield from _bounded(poll, expiry, clock))
        except AuthorizationPending:
            pass
        except SlowDown:
            interval += SLOW_DOWN_STEP


def _bounded(poll: TokenFlow, deadline: float, clock: Callable[[], float]) -> TokenFlow:
    """Run ``poll``, ending it with :class:`ExpiredToken` at a step past ``deadline``."""
    reply: Reply = None
    while True:
        try:
            step = poll.send(reply)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        now = clock()
        try:
            _check_deadline(now + step.seconds if isinstance(step, Sleep) else now, deadline)
        except ExpiredToken:
            poll.close()
            raise
        reply = yield step


def _check_deadline(when: float, deadline: float) -> None:
    if when >= deadline:
        raise ExpiredToken(
            "expired_token", "the device code expired before the user approved the request"
        )
