"""The typed errors of OpenID Connect: discovery, key sets, ID tokens and userinfo.

An ID token failure carries a stable ``reason`` (one of :data:`ID_TOKEN_REASONS`) that a program
can branch on, as oauth4webapi's codes do; the message says which check failed and never shows
the token, a claim value that could identify the user, or a secret.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from tokenwire.core.errors import ProtocolError, TokenwireError

__all__ = [
    "ID_TOKEN_REASONS",
    "DiscoveryError",
    "IdTokenError",
    "IdTokenReason",
    "JwksError",
    "UserinfoError",
    "UserinfoReason",
]

IdTokenReason = Literal[
    "malformed",
    "missing_claim",
    "alg_not_allowed",
    "unknown_kid",
    "ambiguous_key",
    "bad_signature",
    "iss_mismatch",
    "aud_mismatch",
    "azp_mismatch",
    "expired",
    "iat_in_future",
    "nonce_mismatch",
    "auth_time_missing",
    "auth_time_too_old",
    "at_hash_mismatch",
    "c_hash_mismatch",
    "sub_changed",
]

#: Every reason an :class:`IdTokenError` may carry, in the order the checks run.
ID_TOKEN_REASONS: Final[tuple[IdTokenReason, ...]] = get_args(IdTokenReason)

UserinfoReason = Literal["malformed", "error_status", "missing_sub", "sub_mismatch", "signature"]


class IdTokenError(TokenwireError):
    """An ID token (or a signed userinfo response) failed validation; see ``reason``."""

    def __init__(self, reason: IdTokenReason, message: str) -> None:
        self.reason: IdTokenReason = reason
        self.message = message
        super().__init__(f"{reason}: {message}")


class DiscoveryError(ProtocolError):
    """The provider's metadata document is unusable (wrong issuer, bad member, not JSON)."""


class JwksError(ProtocolError):
    """The provider's JSON Web Key Set is unusable (not a key set, or it holds private keys)."""


class UserinfoError(TokenwireError):
    """The userinfo response is unusable, or names another subject than the ID token.

    ``reason`` is one of ``malformed``, ``error_status``, ``missing_sub``, ``sub_mismatch`` or
    ``signature`` (a signed response failed ID-token-style validation: ``detail`` holds that
    :class:`IdTokenError`'s reason). ``status`` is the HTTP status for ``error_status``.
    """

    def __init__(
        self,
        reason: UserinfoReason,
        message: str,
        *,
        status: int | None = None,
        detail: IdTokenReason | None = None,
    ) -> None:
        self.reason: UserinfoReason = reason
        self.status = status
        self.detail = detail
        super().__init__(f"{reason}: {message}")
