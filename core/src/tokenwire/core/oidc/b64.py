"""Strict base64url (RFC 4648 §5, no padding), as JOSE writes it (RFC 7515 §2).

Strict on purpose: a decoder that skips characters it does not know would let two different
strings stand for the same key or token part.
"""

from __future__ import annotations

import binascii

__all__ = ["b64url_decode", "b64url_encode"]

_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")


def b64url_decode(data: bytes | str) -> bytes:
    """Decode unpadded base64url; raise ``ValueError`` on any other character or a bad length."""
    if isinstance(data, str):
        data = data.encode("ascii")  # UnicodeEncodeError is a ValueError
    if len(data) % 4 == 1 or b"=" in data or b"+" in data or b"/" in data:
        raise ValueError("not unpadded base64url")
    padded = data.translate(_TO_STANDARD) + b"=" * (-len(data) % 4)
    try:
        return binascii.a2b_base64(padded, strict_mode=True)
    except binascii.Error:
        raise ValueError("not unpadded base64url") from None


def b64url_encode(data: bytes) -> str:
    """Encode as unpadded base64url."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=").decode()
