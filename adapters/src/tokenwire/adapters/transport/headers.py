"""Request headers on the wire: what a transport adds (framing only) and what it refuses.

The rule every transport follows (``docs/transports.md``): send the headers the core built,
exactly, plus only the framing HTTP/1.1 needs, computed from the URL and the body actually sent.
No ``Accept-Encoding``, no ``User-Agent`` of its own (the core sends ``tokenwire/<version>``), no
cookies: anything else may change the answer. The conformance suite's header case holds every
transport to it, except for headers a transport declares its runtime adds and cannot remove
(``runtime_headers``, see :mod:`tokenwire.adapters.transport.interface`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tokenwire.core import ConfigurationError
from tokenwire.core.redact import scrub

__all__ = ["FRAMING_HEADERS", "response_header_problem", "wire_headers"]

#: The headers a transport computes itself, from the URL and the body it actually sends (lower
#: case). The only ones it may add; taken from a request, they are ignored.
FRAMING_HEADERS = frozenset({"host", "content-length", "transfer-encoding"})

# An RFC 9110 field name (token), and a field value (RFC 9110 section 5.5): visible characters,
# with spaces and tabs only between them. No control character (CR, LF, NUL, but also VT, FF,
# DEL: HTTP libraries disagree on those, one sends them, another fails after connecting), no
# leading or trailing whitespace (a parser strips it, so the value would not arrive as built).
_FIELD_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FIELD_VALUE = re.compile(r"(?:[^\x00-\x20\x7f](?:[ \t]*[^\x00-\x20\x7f])*)?")
# An obsolete line fold (RFC 9112 section 5.2), which a parser may replace with a space.
_OBS_FOLD = re.compile(r"\r?\n[ \t]+")


def wire_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """A request's headers as bytes for the wire, minus those the transport computes.

    A header that HTTP/1.1 cannot carry (a bad name, a control character such as CR, LF, VT or FF,
    spaces around the value, a value that is not Latin-1) is the caller's error, refused with
    :class:`ConfigurationError` before anything is sent (before a connection is even taken), the
    same way by every transport. Neither the message nor its context shows the value (it may be a
    bearer token or Basic credentials): the error is raised outside any handler and chains nothing.
    """
    out = []
    for name, value in headers:
        if name.lower() in FRAMING_HEADERS:
            continue
        if not _FIELD_NAME.fullmatch(name) or not _FIELD_VALUE.fullmatch(value):
            raise ConfigurationError(
                f"request header {scrub(name, 40)!r} cannot be sent: a bad name, or a value with "
                "a control character or with spaces around it"
            )
        try:
            encoded = value.encode("latin-1")
        except UnicodeEncodeError:
            # The encoder's error quotes the value: it must not become the context of ours.
            encoded = None
        if encoded is None:
            raise ConfigurationError(
                f"request header {scrub(name, 40)!r} has a value that is not Latin-1"
            )
        out.append((name.encode("ascii"), encoded))
    return out


def response_header_problem(headers: Iterable[tuple[str, str]]) -> str | None:
    """Why a response's headers break HTTP/1.1 framing, or ``None`` when they do not.

    The rules h11 (under the httpcore transports) enforces itself, for a transport whose parser is
    lenient (``http.client`` reads a negative ``Content-Length`` or ``Transfer-Encoding: gzip``
    as "until the server closes"): a bad name, a control character in a value, conflicting or
    non-numeric ``Content-Length`` values, a ``Transfer-Encoding`` other than ``chunked``. The
    reason never quotes the headers (they may carry tokens).
    """
    lengths: set[str] = set()
    encodings: list[str] = []
    for name, raw in headers:
        value = _OBS_FOLD.sub(" ", raw).strip(" \t")
        if not _FIELD_NAME.fullmatch(name) or not _FIELD_VALUE.fullmatch(value):
            return "illegal header line"
        lower = name.lower()
        if lower == "content-length":
            lengths.update(part.strip() for part in value.split(","))
        elif lower == "transfer-encoding":
            encodings.append(value.lower())
    if encodings and encodings != ["chunked"]:
        return "unsupported Transfer-Encoding (only chunked is)"
    if len(lengths) > 1:
        return "conflicting Content-Length headers"
    if lengths and not next(iter(lengths)).isdigit():
        return "bad Content-Length"
    return None
