"""Redaction: the one place that decides what of a secret-bearing value may be shown.

Every repr, exception message and log line in tokenwire goes through here, so a token, secret,
code or verifier can only leak if this module is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import quote, quote_plus

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
# ``+`` joins words in a media type's structured suffix (``application/problem+json``).
# A trailing ``/`` (a path) or ``=`` (a parameter name: ``error_description="..."``) is kept too.
_WORDS = re.compile(rf"/{{0,2}}{_WORD}(?:[_\-./=+](?:{_WORD}|[0-9]{{1,4}}))*[/=]?")

#: How many characters of a received body an error message may quote (after scrubbing).
EXCERPT_LIMIT = 160

# The value of a secret member in a body that is not JSON (a form, a query, an HTML page, broken
# JSON): ``name=value``, ``"name": value``, ``name: 'value'``. Hidden whatever its shape (short,
# word-like, non-ASCII, a number), which the token-run heuristic above cannot judge.
_SECRET_NAMES = "|".join(sorted(SECRET_FIELDS, key=len, reverse=True))
_SECRET_MEMBER = re.compile(
    rf"""(?<![A-Za-z0-9_])((?:{_SECRET_NAMES})["']?\s*[:=]\s*)"""
    r"""("(?:[^"\\]|\\.)*"?|'[^']*'?|[^\s"'&,;<>{}\[\]]+)""",
    re.IGNORECASE,
)


def secret_forms(values: Iterable[str]) -> tuple[str, ...]:
    """Every form in which ``values`` may come back in a body: as given, form-encoded,
    percent-encoded and JSON-escaped (with and without ``\\uXXXX`` and ``\\/`` escapes)."""
    import json  # only here: an error path, and most imports of the core never reach it

    forms: set[str] = set()
    for value in values:
        if not value:
            continue
        forms.add(value)
        forms.add(quote_plus(value, safe="", errors="surrogatepass"))
        forms.add(quote(value, safe="", errors="surrogatepass"))
        for escaped in (json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]):
            forms.add(escaped)
            forms.add(escaped.replace("/", "\\/"))
    return tuple(sorted(forms, key=len, reverse=True))


class Secrets:
    """The secrets a request carried (client secret, refresh token, code, verifier, assertion).

    Whatever is shown of the answer has them cut out exactly, in every form they may take
    (:func:`secret_forms`), on top of the heuristics. The forms are built on first use: a
    successful answer, the common case, never pays for them.
    """

    __slots__ = ("_longest", "_pattern", "_values")

    def __init__(self, values: Iterable[str | None] = ()) -> None:
        self._values = tuple(value for value in values if value)
        self._pattern: re.Pattern[str] | None = None
        self._longest = 0

    @property
    def longest(self) -> int:
        """The length of the longest form (0 without secrets): how far a window must reach."""
        self._compile()
        return self._longest

    def _compile(self) -> re.Pattern[str] | None:
        if self._pattern is None and self._values:
            forms = secret_forms(self._values)
            self._longest = len(forms[0])
            self._pattern = re.compile("|".join(re.escape(form) for form in forms))
        return self._pattern

    def __bool__(self) -> bool:
        return bool(self._values)

    def __repr__(self) -> str:
        return f"<{len(self._values)} secrets>"

    def redact(self, text: str) -> str:
        """``text`` with every form of every secret replaced by :data:`REDACTED`, in one pass."""
        pattern = self._compile()
        return text if pattern is None else pattern.sub(REDACTED, text)


#: No known secrets.
NO_SECRETS = Secrets()


def redact_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The headers with every credential-bearing value (:data:`SECRET_HEADERS`) replaced."""
    return tuple(
        (name, REDACTED if name.lower() in SECRET_HEADERS else value) for name, value in headers
    )


def _redact_run(match: re.Match[str]) -> str:
    run = match.group()
    return run if _WORDS.fullmatch(run) else REDACTED


def _redact_member(match: re.Match[str]) -> str:
    return match.group(1) + REDACTED


def scrub(text: str, limit: int = EXCERPT_LIMIT, secrets: Secrets = NO_SECRETS) -> str:
    """Return a short excerpt of ``text`` with secrets and control characters removed.

    Removed: the exact ``secrets`` given (see :func:`secret_forms`: what the request carried),
    the value of every secret member (``refresh_token=...``), and token-like runs.
    """
    # A window long enough that every secret starting inside the excerpt is whole in it.
    window = secrets.redact(text[: limit * 8 + secrets.longest])
    cut = _SECRET_MEMBER.sub(_redact_member, window[: limit * 8])[: limit * 4]
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


def describe_json(obj: object, secrets: Secrets = NO_SECRETS) -> str:
    """Describe a decoded JSON value for an error message without showing any secret in it.

    Only the member names and the JSON types of their values are shown; values of members that
    are plainly not secret (numbers, booleans, null, under a name not in :data:`SECRET_FIELDS`)
    are shown as they are, unless they are one of the known ``secrets``.
    """
    if isinstance(obj, dict):
        parts = []
        for key in list(obj)[:12]:
            value = obj[key]
            skey = scrub(str(key), 40, secrets)
            plain = isinstance(value, bool | int | float) or value is None
            if plain and str(key).lower() not in SECRET_FIELDS:
                parts.append(f"{skey!r}: {value!r}"[:60])
            else:
                parts.append(f"{skey!r}: <{json_type(value)}>")
        more = ", …" if len(obj) > 12 else ""
        return secrets.redact("{" + ", ".join(parts) + more + "}")
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
