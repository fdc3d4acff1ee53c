"""What the reference provider sends back: a reply, kept as JSON until it goes on the wire.

Keeping the JSON member map (rather than bytes) until the last moment is what lets the broken
modes rewrite a reply, e.g. turn ``expires_in`` into a string, without parsing it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tokenwire.core.http import Headers


@dataclass(frozen=True)
class ProviderReply:
    """An HTTP response: ``json`` (encoded on send) or raw ``body``, never both."""

    status: int
    headers: Headers = ()
    json: dict[str, Any] | None = None
    body: bytes = b""

    @property
    def is_error(self) -> bool:
        """True for an OAuth error body (RFC 6749 §5.2)."""
        return self.json is not None and "error" in self.json

    def payload(self) -> bytes:
        if self.json is None:
            return self.body
        return json.dumps(self.json, separators=(",", ":")).encode()


def text_reply(status: int, text: str) -> ProviderReply:
    """A plain-text reply for things that are not OAuth at all (unknown path, wrong method)."""
    return ProviderReply(
        status, (("Content-Type", "text/plain; charset=utf-8"),), body=text.encode()
    )
