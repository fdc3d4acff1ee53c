"""A seeded generator of hostile token-endpoint responses, for the fuzz test in this folder.

Fast on purpose (plain ``random``, no Hypothesis): the acceptance bar is 100,000 responses in a
few seconds. Each response mixes the faults an audit found: invalid UTF-8 inside strings, deep
nesting, numbers no float holds, odd header values, truncation, and secrets echoed back in every
form (raw, form-encoded, JSON-escaped) under any member name.
"""

from __future__ import annotations

import json
import random
from urllib.parse import quote_plus

from tokenwire.core import HttpResponse

#: What the request carried (passed to the parser as ``secrets``): shapes the token-run heuristic
#: alone would show (a word with a space, non-ASCII, digits only, short).
KNOWN = ("horse staple", "pässwörd-ß", "98765432109876543", "Zq9", "a/b+c=d%e")
#: Credentials the server itself sends: token-shaped, never shown whatever member holds them.
ISSUED = ("tw0_Ab3dE9xQ2mN7pL4kR8sT", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnMTIz")
SECRET_MEMBERS = ("access_token", "refresh_token", "id_token", "code", "client_secret", "token")
OTHER_MEMBERS = ("token_type", "expires_in", "scope", "error", "error_description", "error_uri")
ODD_NUMBERS = (
    b"1e400",
    b"-1e400",
    b"123456789012345678901234567890",
    b"-0",
    b"0.5",
    b"9223372036854775808",
    b"9223372036854775807",
    b"1E+9999",
    b"-9223372036854775809",
    b"01",
    b"NaN",
    b"Infinity",
)
BAD_BYTES = (b"\xff", b"\xfe\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80\x80")
CONTENT_TYPES = (
    "application/json",
    "text/html; charset=utf-8",
    "application/json; charset=latin-1",
    "",
    "application/json\x00",
    "текст/json",
    "application/x-www-form-urlencoded",
)
STATUSES = (200, 200, 200, 400, 401, 403, 429, 500, 503, 302, 0, 999)


def all_secrets(values: tuple[str, ...] = KNOWN + ISSUED) -> tuple[str, ...]:
    """Every one of ``values`` in the forms a body may hold it."""
    forms: set[str] = set()
    for value in values:
        forms.update({value, quote_plus(value), json.dumps(value)[1:-1]})
    return tuple(forms)


class BodyMaker:
    """``make()`` returns one hostile :class:`HttpResponse`; the same seed, the same sequence."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def secret(self) -> str:
        return self.rng.choice(KNOWN + ISSUED)

    def string(self) -> bytes:
        rng = self.rng
        kind = rng.randrange(6)
        if kind == 0:
            value = json.dumps(self.secret()).encode()
        elif kind == 1:  # invalid UTF-8 inside the string, next to a secret
            value = b'"' + self.secret().encode() + rng.choice(BAD_BYTES) + b'"'
        elif kind == 2:
            value = json.dumps(self.secret(), ensure_ascii=False).encode()
        elif kind == 3:
            value = b'"' + quote_plus(self.secret()).encode() + b'"'
        elif kind == 4:
            value = json.dumps(
                rng.choice(("Bearer", "bearer", "", "openid profile", "invalid_grant"))
            ).encode()
        else:
            value = b'"' + bytes(rng.randrange(32, 127) for _ in range(rng.randrange(8))) + b'"'
        return value

    def value(self, depth: int = 0) -> bytes:
        rng = self.rng
        kind = rng.randrange(8)
        if kind <= 2:
            return self.string()
        if kind == 3:
            return rng.choice(ODD_NUMBERS)
        if kind == 4:
            return str(rng.randrange(-5, 10**6)).encode()
        if kind == 5:
            return rng.choice((b"true", b"false", b"null"))
        if kind == 6 and depth < 3:
            return b"[" + b",".join(self.value(depth + 1) for _ in range(rng.randrange(3))) + b"]"
        if depth < 3:
            return self.obj(depth + 1)
        return b"null"

    def obj(self, depth: int = 0) -> bytes:
        rng = self.rng
        members = []
        for _ in range(rng.randrange(1, 7)):
            roll = rng.random()
            if roll < 0.4:
                name = rng.choice(SECRET_MEMBERS)
            elif roll < 0.85:
                name = rng.choice(OTHER_MEMBERS)
            else:
                name = self.secret()  # a secret as a member name
            members.append(json.dumps(name).encode() + b": " + self.value(depth))
        return b"{" + b", ".join(members) + b"}"

    def body(self) -> bytes:
        rng = self.rng
        kind = rng.randrange(10)
        if kind <= 4:
            body = self.obj()
        elif kind == 5:  # deep nesting
            depth = rng.choice((50, 500, 5000, 50000))
            body = b'{"a": ' * depth + b"1" + b"}" * rng.choice((depth, 0))
        elif kind == 6:  # a form or query echo
            pairs = [f"{rng.choice(SECRET_MEMBERS)}={quote_plus(self.secret())}" for _ in "ab"]
            body = "&".join(pairs).encode()
        elif kind == 7:  # an HTML error page quoting the request
            body = f"<html><p>{rng.choice(SECRET_MEMBERS)}: {self.secret()}</p></html>".encode()
        elif kind == 8:
            body = self.value()
        else:
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(40)))
        if rng.random() < 0.15:  # truncated
            body = body[: rng.randrange(len(body) + 1)]
        if rng.random() < 0.1:  # a stray bad byte anywhere
            at = rng.randrange(len(body) + 1)
            body = body[:at] + rng.choice(BAD_BYTES) + body[at:]
        return body

    def make(self) -> HttpResponse:
        rng = self.rng
        headers: list[tuple[str, str]] = [("Content-Type", rng.choice(CONTENT_TYPES))]
        if rng.random() < 0.1:
            headers.append(("Content-Type", f"application/json; x={self.secret()}"))
        if rng.random() < 0.1:
            headers.append(("Retry-After", rng.choice(("1", "-1", "1e9", "\udcff", "x" * 500))))
        return HttpResponse(status=rng.choice(STATUSES), headers=tuple(headers), body=self.body())
