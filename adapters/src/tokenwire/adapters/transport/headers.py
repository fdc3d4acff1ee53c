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

__all__ = ["FRAMING_HEADERS", "wire_headers"]

#: The headers a transport computes itself, from the URL and the body it actually sends (lower
#: case). The only ones it may add; taken from a request, they are ignored.
FRAMING_HEADERS = frozenset({"host", "content-length", "transfer-encoding"})

# An RFC 9110 field name (token) and a field value without CR, LF or NUL.
_FIELD_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(r"[\r\n\x00]")


def wire_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """A request's headers as bytes for the wire, minus those the transport computes.

    A header that HTTP/1.1 cannot carry (a bad name, a CR/LF, a value that is not Latin-1) is the
    caller's error, refused with :class:`ConfigurationError` before anything is sent, the same way
    by every transport. Neither the message nor its context shows the value (it may be a bearer
    token or Basic credentials): the error is raised outside any handler and chains nothing.
    """
    out = []
    for name, value in headers:
        if name.lower() in FRAMING_HEADERS:
            continue
        if not _FIELD_NAME.fullmatch(name) or _BAD_VALUE.search(value):
            raise ConfigurationError(
                f"request header {scrub(name, 40)!r} cannot be sent: bad name or CR/LF in value"
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
