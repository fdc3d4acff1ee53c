"""Parse a token-endpoint response into a :class:`Token` or a typed error (RFC 6749 §5.1, §5.2).

The rule: accept what is unambiguous, reject what is not. ``expires_in`` as a digit string,
``token_type`` in any case and ``scope`` as a list are unambiguous; a body that is not a JSON
object, a missing ``access_token`` or a negative lifetime are not. A JSON body with an ``error``
member is an OAuth error whatever the status, because some providers answer errors with 200.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Any

import msgspec

from tokenwire.core.errors import InvalidClient, ProtocolError, oauth_error
from tokenwire.core.http import HttpResponse
from tokenwire.core.profile import Profile
from tokenwire.core.redact import NO_SECRETS, Secrets, describe_json, scrub
from tokenwire.core.token import ReadOnlyMembers, Token

__all__ = [
    "MAX_JSON_DEPTH",
    "problem_details",
    "MAX_LIFETIME",
    "check_nesting",
    "decode_json_body",
    "error_from_json",
    "parse_token_response",
    "token_from_json",
]

_decode = msgspec.json.Decoder().decode
_UNDECODABLE: Any = object()
_NAMED = frozenset(
    {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "scope",
        "id_token",
        "issued_token_type",
    }
)
#: The longest lifetime taken as one: a Java ``long`` (what the ``/api/v1`` provider sends). A
#: bigger number is not a lifetime, and would overflow the float sum that makes ``expires_at``.
MAX_LIFETIME = 2**63 - 1
_MAX_LIFETIME_DIGITS = len(str(MAX_LIFETIME))


class _StrictBody(msgspec.Struct, forbid_unknown_fields=True):
    """A success body exactly as RFC 6749 §5.1 shapes it, with nothing else in it.

    Most answers look like this, and msgspec decodes and type-checks it in C at the cost of the
    bare JSON decode. Anything else (an ``error`` member, extra members, a string lifetime, a scope
    list, a non-200 status) fails this decode and goes to the lenient path below, which has the
    last word on what is accepted; this struct only ever accepts a subset of what that path does.
    """

    access_token: Annotated[str, msgspec.Meta(min_length=1)]
    token_type: Annotated[str, msgspec.Meta(min_length=1)]
    expires_in: Annotated[int, msgspec.Meta(ge=0, le=MAX_LIFETIME)] | None = None
    refresh_token: str | None = None
    scope: str | None = None
    id_token: str | None = None


_decode_strict = msgspec.json.Decoder(_StrictBody).decode


def parse_token_response(
    profile: Profile,
    response: HttpResponse,
    *,
    received_at: float,
    secrets: Iterable[str | None] | Secrets = (),
) -> Token:
    """Turn ``response`` into a :class:`Token`, or raise the matching :class:`TokenwireError`.

    ``received_at`` is when the response arrived, in the caller's clock; ``Token.expires_at`` is
    computed from it. ``secrets`` are the values the request carried (client secret, refresh
    token, code, verifier, assertion), or a :class:`~tokenwire.core.redact.Secrets` holding them:
    an error never shows them, whatever the server echoes.
    """
    if response.status == 200:
        try:
            body = _decode_strict(response.body)
        except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
            pass  # not the plain shape: the lenient path decides
        else:
            token_type = body.token_type
            if token_type != "Bearer" and token_type.lower() == "bearer":
                token_type = "Bearer"
            expires_in = body.expires_in
            return Token(
                access_token=body.access_token,
                token_type=token_type,
                expires_in=expires_in,
                refresh_token=body.refresh_token or None,
                scope=body.scope,
                id_token=body.id_token or None,
                expires_at=None if expires_in is None else received_at + expires_in,
                received_at=received_at,
            )
    known = secrets if isinstance(secrets, Secrets) else Secrets(secrets)
    data = decode_json_body(profile, response, secrets=known)
    if "error" in data:
        raise error_from_json(data, response.status, known)
    if response.status != 200:
        raise ProtocolError(
            "token endpoint answered a non-200 status without an OAuth error",
            status=response.status,
            excerpt=problem_details(data, known) or describe_json(data, known),
        )
    return token_from_json(
        profile, data, status=response.status, received_at=received_at, secrets=known
    )


def decode_json_body(
    profile: Profile,
    response: HttpResponse,
    endpoint: str = "token endpoint",
    secrets: Secrets = NO_SECRETS,
) -> dict[str, Any]:
    """Decode the body as a JSON object, mapping every failure to a typed error.

    ``endpoint`` names the endpoint that answered, in the error messages; ``secrets`` (what the
    request carried) are hidden from excerpts.
    """
    body = response.body
    status = response.status
    if not body.strip():
        if status == 401 and profile.bodiless_401_is_invalid_client:
            raise InvalidClient("invalid_client", "401 with no body", status=401)
        raise ProtocolError(f"{endpoint} answered with an empty body", status=status)
    check_nesting(response)
    try:
        data = _decode(body)
    # RecursionError: JSON nested too deep. UnicodeDecodeError: invalid UTF-8 inside a string
    # (msgspec raises it instead of DecodeError, and its ``.object`` holds the raw bytes).
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        data = _UNDECODABLE
    if data is _UNDECODABLE:
        # Raised outside the handler, so that the decoder's error (and the bytes it may hold) is
        # kept neither as the cause nor as the context.
        ctype = response.header("content-type") or "no content type"
        raise ProtocolError(
            f"{endpoint} answered with a body that is not JSON ({scrub(ctype, 60, secrets)})",
            status=status,
            excerpt=scrub(body.decode("utf-8", "replace"), secrets=secrets),
        )
    if not isinstance(data, dict):
        raise ProtocolError(
            f"{endpoint} answered JSON that is not an object",
            status=status,
            excerpt=describe_json(data, secrets),
        )
    return data


def problem_details(data: dict[str, Any], secrets: Secrets = NO_SECRETS) -> str | None:
    """``title: detail`` of an RFC 9457 problem details object, scrubbed; ``None`` if not one.

    Servers behind a framework often answer ``application/problem+json`` instead of an OAuth
    error; its ``title`` and ``detail`` are meant for people, so they are shown (redacted).
    """
    parts = [data.get(name) for name in ("title", "detail")]
    shown = [scrub(p, 160, secrets) for p in parts if isinstance(p, str) and p.strip()]
    if not shown:
        return None
    status = data.get("status")
    suffix = f" (problem status {status})" if isinstance(status, int) else ""
    return ": ".join(shown) + suffix


def error_from_json(data: dict[str, Any], status: int, secrets: Secrets = NO_SECRETS) -> Exception:
    """Build the typed error for an RFC 6749 §5.2 error body.

    The known ``secrets`` are cut out of the code, description and URI (a server may echo the
    request); the error keeps the rest exactly as sent.
    """
    error = data["error"]
    if not isinstance(error, str) or not error:
        return ProtocolError(
            "error member is not a non-empty string",
            status=status,
            excerpt=describe_json(data, secrets),
        )
    description = data.get("error_description")
    uri = data.get("error_uri")
    return oauth_error(
        secrets.redact(error),
        secrets.redact(description) if isinstance(description, str) else None,
        secrets.redact(uri) if isinstance(uri, str) else None,
        status=status,
    )


def token_from_json(
    profile: Profile,
    data: dict[str, Any],
    *,
    status: int,
    received_at: float,
    secrets: Secrets = NO_SECRETS,
) -> Token:
    """Validate the members of a success body and build the :class:`Token`."""

    def bad(what: str) -> ProtocolError:
        return ProtocolError(
            f"token response rejected: {what}",
            status=status,
            excerpt=describe_json(data, secrets),
        )

    access_token = data.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise bad("access_token is missing or not a non-empty string")

    token_type = data.get("token_type")
    if token_type is None:
        if profile.require_token_type:
            raise bad("token_type is missing")
        token_type = "Bearer"
    elif not isinstance(token_type, str) or not token_type:
        raise bad("token_type is not a non-empty string")
    elif token_type.lower() == "bearer":
        token_type = "Bearer"

    expires_in = data.get("expires_in")
    if expires_in is not None:
        expires_in = _lifetime(expires_in, profile)
        if expires_in is None:
            raise bad("expires_in is not a non-negative integer number of seconds")

    refresh_token = data.get("refresh_token")
    if refresh_token is not None and not isinstance(refresh_token, str):
        raise bad("refresh_token is not a string")
    id_token = data.get("id_token")
    if id_token is not None and not isinstance(id_token, str):
        raise bad("id_token is not a string")
    issued_token_type = data.get("issued_token_type")
    if issued_token_type is not None and not isinstance(issued_token_type, str):
        raise bad("issued_token_type is not a string")

    scope = data.get("scope")
    if scope is not None and not isinstance(scope, str):
        if (
            profile.allow_scope_list
            and isinstance(scope, list)
            and all(isinstance(s, str) for s in scope)
        ):
            scope = " ".join(scope)
        else:
            raise bad("scope is neither a string nor a list of strings")

    extra = ReadOnlyMembers(
        () if data.keys() <= _NAMED else ((k, v) for k, v in data.items() if k not in _NAMED)
    )
    return Token(
        access_token=access_token,
        token_type=token_type,
        expires_in=expires_in,
        refresh_token=refresh_token or None,
        scope=scope,
        id_token=id_token or None,
        issued_token_type=issued_token_type,
        expires_at=None if expires_in is None else received_at + expires_in,
        received_at=received_at,
        extra=extra,
    )


#: The deepest JSON nesting accepted in a response body. A token response needs 2 (an object
#: holding a scope list); 64 leaves room for any provider's extra members.
MAX_JSON_DEPTH = 64
_OPENERS = (b"[", b"{")
#: A JSON string, escapes included (the unrolled form: no backtracking per character).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
#: Every byte but the brackets, deleted; ``{}`` become ``[]``: only the nesting is left.
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_ONE_KIND = bytes.maketrans(b"{}", b"[]")


def check_nesting(response: HttpResponse) -> None:
    """Refuse a body nested deeper than :data:`MAX_JSON_DEPTH` before any JSON decoder sees it.

    A decoder recurses once per level. On CPython that ends in ``RecursionError``; inside
    WebAssembly (Pyodide) the C stack of msgspec overflows first and the whole interpreter dies.

    Every step is a C-speed pass over bytes: a body with no more openers than the bound returns
    after counting them. Otherwise strings are removed (brackets inside them don't count), then
    everything but the brackets, and innermost ``[]`` pairs are removed a level per pass, at most
    ``MAX_JSON_DEPTH + 1`` passes. The strict decode of a plain success body runs before this
    check and needs none: its struct has only scalar members, so msgspec refuses the first
    bracket it meets without recursing. A plain 200 therefore pays nothing; only the lenient
    path (errors, extras) pays the count (``docs/performance.md`` has the figures).
    """
    body = response.body
    if body.count(_OPENERS[0]) + body.count(_OPENERS[1]) <= MAX_JSON_DEPTH:
        return
    brackets = _STRING.sub(b"", body).translate(_ONE_KIND, _NOT_BRACKETS)
    for level in range(MAX_JSON_DEPTH + 1):
        inner_removed = brackets.replace(b"[]", b"")
        if len(inner_removed) == len(brackets):
            # No pair is left: closers, then openers, each opener one level deeper.
            if level + brackets.count(b"[") <= MAX_JSON_DEPTH:
                return
            break
        brackets = inner_removed
    raise ProtocolError(
        f"token endpoint answered JSON nested deeper than {MAX_JSON_DEPTH} levels",
        status=response.status,
    )


def _lifetime(value: object, profile: Profile) -> int | None:
    if type(value) is int:  # exact type: a JSON true/false (a bool) is not a lifetime
        return value if 0 <= value <= MAX_LIFETIME else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and 0 <= value <= MAX_LIFETIME else None
    if isinstance(value, str) and profile.allow_string_expires_in:
        stripped = value.strip()
        # The length check first: int() of thousands of digits is slow, then a ValueError.
        if len(stripped) <= _MAX_LIFETIME_DIGITS and stripped.isascii() and stripped.isdigit():
            lifetime = int(stripped)
            return lifetime if lifetime <= MAX_LIFETIME else None
    return None
