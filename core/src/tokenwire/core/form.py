"""application/x-www-form-urlencoded encoding and decoding (WHATWG URL, RFC 6749 Appendix B).

``urllib.parse.urlencode`` costs about as much as parsing a whole token response, so values made
only of characters that never need escaping (the common case: ids, grant types, opaque tokens)
are passed through untouched after one regex check, and only the rest go through ``quote_plus``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote_plus

from tokenwire.core.errors import ConfigurationError

# Characters the form encoding leaves as they are.
_PLAIN = re.compile(r"[A-Za-z0-9*\-._]*")


def form_escape(value: str) -> str:
    """Escape one name or value for a form body (space becomes ``+``)."""
    if _PLAIN.fullmatch(value):
        return value
    try:
        return quote_plus(value, safe="*")
    except UnicodeEncodeError:  # a lone surrogate: not text that UTF-8 can carry
        pass
    # Raised outside the handler: the UnicodeEncodeError holds the whole value as its context.
    raise ConfigurationError("a form value is not valid Unicode text")


def encode_form(fields: Iterable[tuple[str, str]]) -> bytes:
    """Encode ``(name, value)`` pairs, in order, as a form body."""
    return "&".join(f"{form_escape(k)}={form_escape(v)}" for k, v in fields).encode("ascii")


def decode_form(body: bytes | str) -> list[tuple[str, str]]:
    """Decode a form body into ``(name, value)`` pairs, keeping order and repeats."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return parse_qsl(text, keep_blank_values=True, strict_parsing=False)
