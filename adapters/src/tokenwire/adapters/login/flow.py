"""The login rules, once, as a sans-IO generator that both login flows step.

``finish_flow`` checks a callback and turns it into a :class:`~.state.LoginResult`. Its rules, in
the order they are applied:

1. the saved state is younger than the flow's lifetime (and not from the future);
2. the callback's ``state`` equals the saved one, compared in constant time
   (:func:`tokenwire.core.parse_callback`);
3. ``iss`` (RFC 9207): when sent it must be the provider's issuer; when the provider advertises
   ``authorization_response_iss_parameter_supported`` it must be sent;
4. an ``error=`` callback raises the matching ``OAuthError`` (after 2 and 3, so that a forged
   error is not believed);
5. the state is claimed in the finished-state store; a state claimed before is a replay, refused
   before the code reaches the token endpoint;
6. the code is exchanged with the PKCE verifier (the client's own token flow: never retried);
7. with ``openid`` in the scope, the token response must carry an ID token, verified with the
   nonce (and ``max_age``, and ``at_hash`` against the access token).

It yields :class:`~tokenwire.core.Send` and :class:`~tokenwire.core.Sleep` (from the token flow)
for the driver's transport, and two steps of its own for the driver's ``perform``:
:class:`ClaimState` (the store) and :class:`VerifyIdToken` (the provider, which may fetch keys).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any

from tokenwire.adapters.login.state import LoginError, LoginResult, LoginState
from tokenwire.core import AuthorizationCode, Grant, IdTokenClaims, parse_callback
from tokenwire.core.flow import TokenFlow
from tokenwire.core.redact import REDACTED

__all__ = ["ClaimState", "FinishRules", "VerifyIdToken", "finish_flow", "state_digest"]

#: How far in the future a state's ``issued_at`` may be (clock skew between workers).
FUTURE_LEEWAY = 60.0


@dataclass(frozen=True)
class FinishRules:
    """What a flow checks a callback against (fixed when the flow is built)."""

    redirect_uri: str
    issuer: str | None
    require_iss: bool
    openid: bool
    lifetime: float


@dataclass(frozen=True)
class ClaimState:
    """Step: record ``digest`` as finished until ``expires_at``; the answer is True if new."""

    digest: str
    now: float
    expires_at: float


@dataclass(frozen=True)
class VerifyIdToken:
    """Step: verify ``id_token``; the answer is its :class:`~tokenwire.core.IdTokenClaims`."""

    id_token: str
    nonce: str | None
    max_age: int | None
    access_token: str

    def __repr__(self) -> str:
        return f"VerifyIdToken(id_token={REDACTED!r}, max_age={self.max_age!r})"


def state_digest(state: str) -> str:
    """What the finished-state store keeps for ``state``: its SHA-256, hex."""
    return hashlib.sha256(state.encode("utf-8", "surrogatepass")).hexdigest()


def finish_flow(
    rules: FinishRules,
    callback: str | Mapping[str, str],
    saved: LoginState,
    *,
    now: float,
    token_flow: Callable[[Grant], TokenFlow],
) -> Generator[object, Any, LoginResult]:
    """Check ``callback`` against ``saved`` and finish the login (the module's rules, in order).

    ``token_flow`` is ``client.flow``: it turns the authorization code grant into a token flow.
    """
    if not isinstance(saved, LoginState):
        raise LoginError("malformed_state", "finish() needs the LoginState that start() gave")
    expires_at = saved.issued_at + rules.lifetime
    if now >= expires_at or saved.issued_at > now + FUTURE_LEEWAY:
        raise LoginError("expired", "the login took too long; start it again")
    answer = parse_callback(
        callback, expected_state=saved.state, issuer=rules.issuer, require_iss=rules.require_iss
    )
    claimed = yield ClaimState(state_digest(saved.state), now, expires_at)
    if not claimed:
        raise LoginError("replayed", "this login was finished already; start it again")
    grant: Grant = AuthorizationCode(answer.code, rules.redirect_uri, saved.code_verifier)
    token = yield from token_flow(grant)
    claims: IdTokenClaims | None = None
    if rules.openid:
        if token.id_token is None:
            raise LoginError("no_id_token", "openid was asked for but the token has no id_token")
        claims = yield VerifyIdToken(token.id_token, saved.nonce, saved.max_age, token.access_token)
    return LoginResult(token=token, claims=claims)
