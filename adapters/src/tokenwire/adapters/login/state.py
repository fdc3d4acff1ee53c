"""What a web login keeps between ``start`` and ``finish``, what it gives back, and its errors.

:class:`LoginState` is the one thing a framework must keep for the user between the redirect to
the provider and the callback: ``dumps()`` gives a string for the framework's session, ``loads``
reads it back. It holds the state, the nonce and the PKCE verifier, so its ``repr`` shows none of
them; keep it in a session that is signed at least (Starlette's, Flask's and Django's are), or on
the server. It expires: :class:`~tokenwire.adapters.login.LoginFlow` refuses a state older than
its ``lifetime``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import msgspec
from typing_extensions import override

from tokenwire.core import IdTokenClaims, Token, TokenwireError
from tokenwire.core.redact import REDACTED, RedactedStruct, hidden

__all__ = ["LoginError", "LoginReason", "LoginResult", "LoginState"]

#: Why a login was refused, for a program to branch on (the other refusals are core's
#: ``StateMismatch``, ``IssuerMismatch``, ``IdTokenError`` and the ``OAuthError`` subclasses).
LoginReason = Literal["expired", "replayed", "malformed_state", "no_id_token", "timeout"]


class LoginError(TokenwireError):
    """A login callback that cannot finish: its state expired, was used, or is unreadable.

    ``reason`` is one of :data:`LoginReason`. No message shows the state or the code.
    """

    def __init__(self, reason: LoginReason, message: str) -> None:
        self.reason: LoginReason = reason
        self.message = message
        super().__init__(message)


class LoginState(RedactedStruct, frozen=True, kw_only=True):
    """The state, nonce and PKCE verifier of one login attempt, and when it began.

    ``issued_at`` is wall-clock seconds from the flow's clock; ``max_age`` is the one asked for
    in ``start`` (checked against the ID token's ``auth_time``), if any.
    """

    state: str
    code_verifier: str
    issued_at: float
    nonce: str | None = None
    max_age: int | None = None

    def dumps(self) -> str:
        """This state as a JSON string, for a framework's session."""
        return _encoder.encode(self).decode("ascii")

    @classmethod
    def loads(cls, data: str | bytes) -> LoginState:
        """Read a state written by :meth:`dumps`; :class:`LoginError` if it is not one."""
        try:
            return _decoder.decode(data)
        except (msgspec.DecodeError, TypeError):
            # ``from None``: msgspec's message may quote a piece of the state.
            raise LoginError("malformed_state", "the saved login state is not readable") from None

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "state", REDACTED
        yield "code_verifier", REDACTED
        yield "issued_at", self.issued_at
        yield "nonce", hidden(self.nonce)
        yield "max_age", self.max_age


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(LoginState)


class LoginResult(RedactedStruct, frozen=True, kw_only=True):
    """A finished login: the token, and the verified ID token's claims (``None`` without
    ``openid`` in the scope)."""

    token: Token
    claims: IdTokenClaims | None = None

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "token", self.token  # Token's own repr hides its secrets
        yield "claims", self.claims
