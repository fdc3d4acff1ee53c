"""Strict base64url (RFC 4648 §5, no padding), as JOSE writes it (RFC 7515 §2).

Strict on purpose: a decoder that skips characters it does not know would let two different
strings stand for the same key or token part.
"""

from __future__ import annotations

import binascii

__all__ = ["b64url_decode", "b64url_encode"]

# '-' and '_' become the standard alphabet's '+' and '/'; '+', '/' and '=' become '!', which the
# strict decoder refuses: one C-level pass both converts and rejects what base64url does not allow.
_TO_STANDARD = bytes.maketrans(b"-_+/=", b"+/!!!")
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_PADDING = (b"", b"", b"==", b"=")


def b64url_decode(data: bytes | str) -> bytes:
    """Decode unpadded base64url; raise ``ValueError`` on any other character or a bad length."""
    if isinstance(data, str):
        data = data.encode("ascii")  # UnicodeEncodeError is a ValueError
    try:
        return binascii.a2b_base64(
            data.translate(_TO_STANDARD) + _PADDING[len(data) % 4], strict_mode=True
        )
    except binascii.Error:
        raise ValueError("not unpadded base64url") from None


def b64url_encode(data: bytes) -> str:
    """Encode as unpadded base64url."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=").decode()
