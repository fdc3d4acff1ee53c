"""application/x-www-form-urlencoded encoding and decoding (WHATWG URL, RFC 6749 Appendix B).

Encoding is on every request's path, so values made only of characters that never need escaping
(the common case: ids, grant types, opaque tokens) are passed through untouched after one check,
and only the rest go through ``quote_plus``; the output is exactly ``quote_plus(s, safe="*")``
either way. What this saves is measured in ``docs/performance.md``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import parse_qsl, quote_plus

from tokenwire.core.errors import ConfigurationError

__all__ = [
    "decode_form",
    "encode_form",
    "form_escape",
    "form_value",
]

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


#: The bytes form encoding leaves as they are (WHATWG application/x-www-form-urlencoded).
_PLAIN_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._"
# bytes.translate with table None builds an identity table on every call; this one is built once.
_IDENTITY = bytes(range(256))


def form_value(value: str) -> bytes:
    """One name or value, encoded: as it is when every byte is plain, else escaped."""
    if value.isascii():
        raw = value.encode("ascii")
        if not raw.translate(_IDENTITY, _PLAIN_BYTES):
            return raw
    return form_escape(value).encode("ascii")


def encode_form(fields: Sequence[tuple[str, str]]) -> bytes:
    """Encode ``(name, value)`` pairs, in order, as a form body.

    The pairs are first joined as they are. Deleting every plain byte from that body must leave
    exactly the separators it was joined with (one ``=`` per pair, one ``&`` between pairs); then
    no name or value needed escaping and the joined body is the answer. Otherwise every name and
    value is escaped. One C-level pass over the whole body replaces a check per value, and the
    common body (ids, grant types, opaque tokens) needs no escaping.
    """
    joined = "&".join(map("=".join, fields))
    if joined.isascii():
        raw = joined.encode("ascii")
        rest = raw.translate(_IDENTITY, _PLAIN_BYTES)
        count = len(fields)
        if len(rest) == 2 * count - 1 and rest.count(b"=") == count:
            return raw
    return "&".join(f"{form_escape(k)}={form_escape(v)}" for k, v in fields).encode("ascii")


def decode_form(body: bytes | str) -> list[tuple[str, str]]:
    """Decode a form body into ``(name, value)`` pairs, keeping order and repeats."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return parse_qsl(text, keep_blank_values=True, strict_parsing=False)
