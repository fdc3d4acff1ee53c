"""Redaction: the one place that decides what of a secret-bearing value may be shown.

Every repr, exception message and log line in tokenwire goes through here, so a token, secret,
code or verifier can only leak if this module is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import msgspec
from typing_extensions import override

__all__ = [
    "EXCERPT_LIMIT",
    "REDACTED",
    "SECRET_FIELDS",
    "SECRET_HEADERS",
    "RedactedStruct",
    "Shown",
    "describe_json",
    "hidden",
    "json_type",
    "redact_headers",
    "scrub",
]

#: What a hidden value is shown as.
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

# A run of token-ish characters (base64, base64url, JWT, percent-encoding) at least 12 long may be
# a credential: anything shown from a server's body (an HTML error page, say) has such runs
# replaced. Runs shaped like words joined by ``_ - . / =`` ("unsupported_grant_type",
# "Authorization", "charset=utf-8") are kept, so that error codes and pages stay readable; random
# tokens of that length virtually always put a digit or an inner capital next to a letter.
_TOKENISH = re.compile(r"[A-Za-z0-9._~+/=%\-]{12,}")
_TOKENISH_TAIL = re.compile(r"[A-Za-z0-9._~+/=%\-]+\Z")
_WORD = r"(?:[A-Z]?[a-z]+|[A-Z]+)"
# A trailing ``/`` (a path) or ``=`` (a parameter name: ``error_description="..."``) is kept too.
_WORDS = re.compile(rf"/{{0,2}}{_WORD}(?:[_\-./=](?:{_WORD}|[0-9]{{1,4}}))*[/=]?")

#: How many characters of a received body an error message may quote (after scrubbing).
EXCERPT_LIMIT = 160


def redact_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The headers with every credential-bearing value (:data:`SECRET_HEADERS`) replaced."""
    return tuple(
        (name, REDACTED if name.lower() in SECRET_HEADERS else value) for name, value in headers
    )


def _redact_run(match: re.Match[str]) -> str:
    run = match.group()
    return run if _WORDS.fullmatch(run) else REDACTED


def scrub(text: str, limit: int = EXCERPT_LIMIT) -> str:
    """Return a short excerpt of ``text`` with token-like runs and control characters removed."""
    cut = text[: limit * 4]
    if len(cut) < len(text):
        # The cut may have split a credential: redact its head whatever its length.
        cut = _TOKENISH_TAIL.sub(REDACTED, cut)
    cut = _TOKENISH.sub(_redact_run, cut)
    cut = "".join(ch if ch.isprintable() else " " for ch in cut)
    cut = " ".join(cut.split())
    if len(cut) > limit:
        cut = cut[: limit - 1] + "…"
    return cut


class Shown:
    """A value a redacted repr shows as it is, unquoted: ``<12 bytes>``, ``<3 members>``."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def hidden(value: str | None) -> str | None:
    """``None`` stays ``None`` (it says "absent"); any other value becomes :data:`REDACTED`."""
    return None if value is None else REDACTED


class RedactedStruct(msgspec.Struct, frozen=True):
    """Base of the structs that hold a secret: every printer goes through :meth:`_shown`.

    ``repr`` and ``str`` are built from it, and so is ``__rich_repr__``: msgspec gives every struct
    a ``__rich_repr__`` yielding each field as it is, so ``rich`` (and anything else speaking its
    protocol) would print the secret fields that ``repr`` hides.
    """

    def _shown(self) -> Iterator[tuple[str, object]]:
        """The ``(name, value)`` pairs a printer may show, secrets already replaced."""
        raise NotImplementedError

    @override
    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={value!r}" for name, value in self._shown())
        return f"{type(self).__name__}({inner})"

    __str__ = __repr__

    @override
    def __rich_repr__(self) -> list[tuple[str, object]]:
        return list(self._shown())


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
                parts.append(f"{skey!r}: <{json_type(value)}>")
        more = ", …" if len(obj) > 12 else ""
        return "{" + ", ".join(parts) + more + "}"
    return f"<JSON {json_type(obj)}>"


def json_type(value: object) -> str:
    """The JSON type name of a decoded value (``"string"``, ``"number"``, ...), never the value."""
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
