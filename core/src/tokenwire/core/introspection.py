"""Token introspection (RFC 7662): the request, the :class:`Introspection` answer, a flow.

``active: false`` is a normal answer (§2.2: the token is expired, revoked, unknown, or not for
this caller), not an error; the server should say nothing more about such a token, so nothing
more is read. For an active token the members of §2.2 are type-checked (a wrong type is a
:class:`ProtocolError`: a caller branches on them) and the rest kept in ``extra``. The request has
the revocation request's shape (:func:`~tokenwire.core.revocation.token_request`); the endpoint
requires client authentication (§2.1), done as at the token endpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any, TypeGuard

import msgspec
from typing_extensions import override

from tokenwire.core.auth import ClientAuth
from tokenwire.core.errors import ProtocolError
from tokenwire.core.flow import DEFAULT_RETRY, Reply, RetryPolicy, Step, endpoint_flow
from tokenwire.core.http import HttpRequest, HttpResponse
from tokenwire.core.params import Params
from tokenwire.core.profile import Profile
from tokenwire.core.redact import RedactedStruct, Secrets, Shown, describe_json
from tokenwire.core.response import decode_json_body, error_from_json
from tokenwire.core.revocation import token_request

__all__ = [
    "Introspection",
    "IntrospectionFlow",
    "introspection_flow",
    "introspection_request",
    "parse_introspection_response",
]

_STRINGS = ("scope", "client_id", "username", "token_type", "sub", "iss", "jti")
_TIMES = ("exp", "iat", "nbf")
_NAMED = frozenset({"active", "aud", *_STRINGS, *_TIMES})


class Introspection(RedactedStruct, frozen=True, kw_only=True):
    """An introspection response (RFC 7662 §2.2). Times are seconds since the epoch."""

    #: Whether the token is active; when ``False`` every other field is empty.
    active: bool
    scope: str | None = None
    client_id: str | None = None
    username: str | None = None
    token_type: str | None = None
    exp: int | None = None
    iat: int | None = None
    nbf: int | None = None
    sub: str | None = None
    #: One audience as a string, several as a tuple, as sent.
    aud: str | tuple[str, ...] | None = None
    iss: str | None = None
    jti: str | None = None
    #: Members RFC 7662 does not name, as sent.
    extra: dict[str, Any] = msgspec.field(default_factory=dict)

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(self.scope.split()) if self.scope else ()

    @property
    def audiences(self) -> tuple[str, ...]:
        """``aud`` as a tuple, whichever way it was sent."""
        if self.aud is None:
            return ()
        return (self.aud,) if isinstance(self.aud, str) else self.aud

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        for name in ("active", "scope", "client_id", "username", "token_type", "exp", "iat"):
            yield name, getattr(self, name)
        for name in ("nbf", "sub", "aud", "iss", "jti"):
            yield name, getattr(self, name)
        # Unknown members may hold anything (a token, a confirmation key): only counted.
        yield "extra", Shown(f"<{len(self.extra)} members>")


IntrospectionFlow = Generator[Step, Reply, Introspection]


def introspection_request(
    profile: Profile,
    client: ClientAuth,
    token: str,
    token_type_hint: str | None = None,
    *,
    extra: Params = (),
    assertion: str | None = None,
) -> HttpRequest:
    """Build the introspection request (RFC 7662 §2.1) to the profile's ``introspection_url``.

    ``assertion`` is a ``*_jwt`` client's assertion for this request.
    """
    url = profile.introspection_url
    return token_request(
        profile, client, url, "introspection", token, token_type_hint, extra, assertion
    )


def parse_introspection_response(
    profile: Profile, response: HttpResponse, *, secrets: Iterable[str | None] | Secrets = ()
) -> Introspection:
    """Turn the introspection response into an :class:`Introspection`, or raise the typed error.

    ``secrets`` are the values the request carried (the token, the client's secret): cut out of
    any error, since a server may echo the token it was asked about.
    """
    status = response.status
    known = secrets if isinstance(secrets, Secrets) else Secrets(secrets)
    data = decode_json_body(profile, response, "introspection endpoint", secrets=known)
    if "error" in data:
        raise error_from_json(data, status, known)

    def bad(what: str) -> ProtocolError:
        return ProtocolError(
            f"introspection response rejected: {what}",
            status=status,
            excerpt=describe_json(data, known),
        )

    if status != 200:
        raise bad("a non-200 status without an OAuth error")
    active = data.get("active")
    if not isinstance(active, bool):
        raise bad("active is missing or not a boolean")
    if not active:
        return Introspection(active=False)
    fields: dict[str, Any] = {}
    for name in _STRINGS:
        value = data.get(name)
        if name == "scope" and profile.allow_scope_list and _is_strings(value):
            value = " ".join(value)
        if value is not None and not isinstance(value, str):
            raise bad(f"{name} is not a string")
        fields[name] = value
    for name in _TIMES:
        value = data.get(name)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if value is not None and (type(value) is not int or value < 0):
            raise bad(f"{name} is not a non-negative integer (seconds since the epoch)")
        fields[name] = value
    aud = data.get("aud")
    if _is_strings(aud):
        aud = tuple(aud)
    elif aud is not None and not isinstance(aud, str):
        raise bad("aud is neither a string nor a list of strings")
    extra = {k: v for k, v in data.items() if k not in _NAMED}
    return Introspection(active=True, aud=aud, extra=extra, **fields)


def _is_strings(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def introspection_flow(
    profile: Profile,
    client: ClientAuth,
    token: str,
    token_type_hint: str | None = None,
    *,
    clock: Callable[[], float],
    random: Callable[[], float],
    retry: RetryPolicy = DEFAULT_RETRY,
    deadline: float | None = None,
    monotonic: Callable[[], float] | None = None,
) -> IntrospectionFlow:
    """Introspect ``token`` with the token flow's retry rules (introspecting twice is harmless).

    ``clock``, ``random``, ``deadline`` and ``monotonic`` are as for
    :func:`~tokenwire.core.flow.token_flow`.
    """

    def build(assertion: str | None) -> HttpRequest:
        return introspection_request(profile, client, token, token_type_hint, assertion=assertion)

    sent = Secrets((*client.secret_values(), token))

    def parse(response: HttpResponse) -> Introspection:
        return parse_introspection_response(profile, response, secrets=sent)

    return (
        yield from endpoint_flow(
            profile,
            client,
            build,
            parse,
            operation="introspection",
            clock=clock,
            random=random,
            retry=retry,
            deadline=deadline,
            monotonic=monotonic,
        )
    )
