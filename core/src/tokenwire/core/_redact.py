"""Redaction helpers: the one place that decides what of a secret-bearing value may be shown.

Every repr, exception message and log line in tokenwire goes through here, so a token, secret,
code or verifier can only leak if this module is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "<redacted>"

#: Header names whose values are credentials.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})

#: JSON members and form fields whose values are credentials.
SECRET_FIELDS = frozenset(
    {
        "access_token",
        "refresh_token",
        "id_token",
        "client_secret",
        "code",
        "code_verifier",
        "password",
        "assertion",
        "client_assertion",
        "subject_token",
        "actor_token",
        "device_code",
        "token",
    }
)

# A run that looks like a credential: long, and only of token-ish characters. Anything shown from a
# server's body (an HTML error page, say) has such runs replaced.
_TOKENISH = re.compile(r"[A-Za-z0-9._~+/=\-]{16,}")

EXCERPT_LIMIT = 160


def redact_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name, REDACTED if name.lower() in SECRET_HEADERS else value) for name, value in headers
    )


def scrub(text: str, limit: int = EXCERPT_LIMIT) -> str:
    """Return a short excerpt of ``text`` with token-like runs and control characters removed."""
    cut = text[: limit * 4]
    cut = _TOKENISH.sub(REDACTED, cut)
    cut = "".join(ch if ch.isprintable() else " " for ch in cut)
    cut = " ".join(cut.split())
    if len(cut) > limit:
        cut = cut[: limit - 1] + "…"
    return cut


def describe_json(obj: object) -> str:
    """Describe a decoded JSON value for an error message without showing any secret in it.

    Only the member names and the JSON types of their values are shown; values of members that
    are plainly not secret (numbers, booleans, null) are shown as they are.
    """
    if isinstance(obj, dict):
        parts = []
        for key in list(obj)[:12]:
            value = obj[key]
            skey = scrub(str(key), 40)
            if isinstance(value, bool | int | float) or value is None:
                parts.append(f"{skey!r}: {value!r}"[:60])
            else:
                parts.append(f"{skey!r}: <{_json_type(value)}>")
        more = ", …" if len(obj) > 12 else ""
        return "{" + ", ".join(parts) + more + "}"
    return f"<JSON {_json_type(obj)}>"


def _json_type(value: object) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"
