"""Read a saved token response (``--token-response FILE``) for its ID token and access token.

A token response from a real login is the only way to check an ID token the authorization code
flow issued, which a probe cannot run itself (it needs a user). The file is the JSON the token
endpoint answered; nothing from it is ever echoed, since it holds live tokens.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from tokenwire.conformance.probes.issuer_model import SeenIdToken
from tokenwire.core import ConfigurationError

__all__ = ["read_token_response"]

#: A token response is small; a bigger file is not one.
MAX_BYTES = 1 << 20


def read_token_response(path: str | None) -> tuple[SeenIdToken, ...]:
    """The ID token (and access token) of the token response saved at ``path``; ``()`` if none."""
    if path is None:
        return ()
    try:
        with Path(path).open("rb") as file:
            raw = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise ConfigurationError(
            f"--token-response: cannot read {path!r} ({error.strerror})"
        ) from None
    data = _decode(raw)
    if len(raw) > MAX_BYTES or not isinstance(data, dict):
        raise ConfigurationError("--token-response: the file is not a JSON token response object")
    id_token = data.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise ConfigurationError("--token-response: the token response has no id_token string")
    access = data.get("access_token")
    return (SeenIdToken("--token-response", id_token, access if isinstance(access, str) else None),)


def _decode(raw: bytes) -> object:
    try:
        return msgspec.json.decode(raw)
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        return None
