"""Minting the tokens a reference provider hands out.

authlib's :class:`BearerTokenGenerator` builds the response members (``token_type``,
``expires_in``, ``scope``, ``refresh_token``); this module decides what the token strings look like.
Opaque flavors get random strings. Tencent CIAM hands out JWTs, so its flavor gets JWT-shaped
access and ID tokens with the members its samples show, signed HS256 with a key that lives and dies
with the provider: no client can or should verify them, but they have the shape (three dot-separated
base64url parts) that redaction and logging must cope with.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any

from authlib.oauth2.rfc6750 import BearerTokenGenerator

from tokenwire.conformance.reference.flavors import Flavor
from tokenwire.conformance.reference.models import ClientModel, User

#: How long the ID tokens of the JWT flavor live (Tencent's sample: 30 minutes).
ID_TOKEN_LIFETIME = 1800


def opaque_token() -> str:
    return secrets.token_urlsafe(32)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def jwt_shaped(claims: dict[str, Any], key: bytes, kid: str) -> str:
    """An HS256 JWT over ``claims``: the shape of Tencent's tokens, for tests only."""
    header = {"kid": kid, "typ": "JWT", "alg": "HS256"}
    signing_input = ".".join(
        _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    signature = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


class TokenMinter:
    """authlib's ``"default"`` token generator for one provider.

    ``lifetime`` ``0`` leaves ``expires_in`` out of the response (authlib omits a falsy value),
    which is how a provider says its tokens never expire by the clock.
    """

    def __init__(self, flavor: Flavor, lifetime: int, issuer: Callable[[], str]) -> None:
        self.flavor = flavor
        self.lifetime = lifetime
        self._issuer = issuer
        self._key = secrets.token_bytes(32)
        self._kid = str(uuid.uuid4())
        self._bearer = BearerTokenGenerator(
            access_token_generator=self._access_token,
            refresh_token_generator=lambda **_: opaque_token(),
            expires_generator=lifetime,
        )

    def __call__(
        self,
        grant_type: str,
        client: ClientModel,
        user: User | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        token: dict[str, Any] = self._bearer(
            grant_type, client, user, scope, expires_in, include_refresh_token
        )
        granted = str(token.get("scope", "")).split()
        if self.flavor.jwt_tokens and user is not None and "openid" in granted:
            now = int(time.time())
            token["id_token"] = self._sign(
                {
                    "sub": user.sub,
                    "aud": client.get_client_id(),
                    "azp": client.get_client_id(),
                    "iss": self._issuer(),
                    "exp": now + ID_TOKEN_LIFETIME,
                    "iat": now,
                    "jti": str(uuid.uuid4()),
                }
            )
        return token

    def _access_token(
        self, *, client: ClientModel, grant_type: str, user: User | None, scope: str | None
    ) -> str:
        if not self.flavor.jwt_tokens:
            return opaque_token()
        now = int(time.time())
        return self._sign(
            {
                "sub": user.sub if user is not None else client.get_client_id(),
                "aud": client.get_client_id(),
                "nbf": now,
                "scope": (scope or "").split(),
                "iss": self._issuer(),
                "exp": now + self.lifetime,
                "iat": now,
                "jti": str(uuid.uuid4()),
            }
        )

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt_shaped(claims, self._key, self._kid)
