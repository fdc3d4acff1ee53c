"""An OpenID Connect reference provider on loopback: discovery, rotatable JWKS, userinfo, ID tokens.

It also runs a login (authorization and token endpoints, :mod:`.oidc_login`) that issues the same
ID tokens, so a relying party can be tested end to end.

It issues ID tokens (signed by :mod:`.idtokens`, authlib's JOSE parts) on request, rather than
through a browser login, so that a test can ask for exactly the token an OpenID Foundation
relying-party test module would send: a wrong ``iss``, no ``sub``, no ``kid`` with several keys,
``alg: none``, a bad signature. The knobs below make the served documents misbehave the same way
(a discovery document naming another issuer, a userinfo answer about another subject), and
``requests`` counts what was asked for, so that tests can prove what a client fetched.

Keys rotate with :meth:`OidcReferenceProvider.rotate`: a new key signs from then on, and the
published set is the new key alone (or both, with ``keep_old=True``).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from joserfc.jwk import ECKey, OKPKey, RSAKey

from tokenwire.conformance.loopback import serving
from tokenwire.conformance.reference.handler import ReferenceHTTPServer
from tokenwire.conformance.reference.idtokens import SigningKey, half_hash, new_key, sign
from tokenwire.conformance.reference.oidc_login import authorize_reply, token_reply
from tokenwire.conformance.reference.replies import ProviderReply, text_reply
from tokenwire.core import HttpRequest

__all__ = ["OIDC_BROKEN_MODES", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OidcReferenceProvider"]

OIDC_CLIENT_ID = "tw-oidc-client"
OIDC_CLIENT_SECRET = "tw-oidc-client-secret-0123456789abcdef"
USER = "tw-oidc-user"
_JSON = (("Content-Type", "application/json"),)

#: Deliberate deviations the issuer probe must catch, each by its own check (``broken`` knob):
#: the metadata names another issuer; an endpoint uses plain http off loopback; the key set
#: publishes a private key; two keys share a ``kid``; PKCE without ``S256``; the revocation
#: endpoint answers 400 to a token it does not know (RFC 7009 §2.2 wants 200).
OIDC_BROKEN_MODES = frozenset(
    {
        "issuer-mismatch",
        "http-endpoint",
        "private-jwk",
        "duplicate-kid",
        "no-s256",
        "revocation-400",
    }
)


class OidcReferenceProvider:
    """A loopback OpenID provider; use as a context manager. Thread-safe for the tests' use."""

    def __init__(
        self,
        algs: Sequence[str] = ("RS256",),
        *,
        path: str = "",
        jwks_cache_control: str | None = "max-age=300",
    ) -> None:
        #: Algorithms advertised in ``id_token_signing_alg_values_supported``; each asymmetric one
        #: gets a published key, and the first key signs.
        self.algs = tuple(algs)
        self.path = path
        self.jwks_cache_control = jwks_cache_control
        self.keys: list[SigningKey] = [
            new_key(alg, f"k{i}-{alg}") for i, alg in enumerate(algs) if not alg.startswith("HS")
        ]
        self.published: list[SigningKey] = list(self.keys)
        self.signer = self.keys[0]
        #: Knobs: the discovery ``issuer`` to announce (``None``: the real one); the ``sub`` the
        #: userinfo endpoint answers with (``None``: the token's); userinfo as a signed JWT.
        self.announced_issuer: str | None = None
        self.userinfo_sub: str | None = None
        self.userinfo_signed = False
        #: Answer the JWKS with this status (and no key set) when not 200.
        self.jwks_status = 200
        #: Raw replies replacing the discovery document or the key set: ``(status, body)``.
        self.discovery_override: tuple[int, bytes] | None = None
        self.jwks_override: tuple[int, bytes] | None = None
        #: Broken modes (:data:`OIDC_BROKEN_MODES`) in effect.
        self.broken: set[str] = set()
        #: How many requests each path received.
        self.requests: Counter[str] = Counter()
        self._access: dict[str, str] = {}
        #: The login's state (:mod:`.oidc_login`): registered clients (id -> secret), the user
        #: who consents, outstanding codes and refresh tokens (id -> client, sub, auth_time).
        self.clients: dict[str, str] = {OIDC_CLIENT_ID: OIDC_CLIENT_SECRET}
        self.user = USER
        self.codes: dict[str, Any] = {}
        self.refresh_tokens: dict[str, tuple[str, str, int]] = {}
        self._lock = threading.Lock()
        self._running = contextlib.ExitStack()
        self._http: ReferenceHTTPServer | None = None
        self._rotations = 0

    # --- lifetime -------------------------------------------------------------------------------

    def __enter__(self) -> OidcReferenceProvider:
        self._http = ReferenceHTTPServer(self._respond)
        self._running.enter_context(serving(self._http))
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._running.close()
        self._http = None

    @property
    def issuer(self) -> str:
        """``http://127.0.0.1:<port>`` plus the path; only while serving."""
        if self._http is None:
            raise RuntimeError("the OIDC reference provider is not serving")
        return self._http.base_url + self.path

    # --- what it serves -----------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        issuer = self.issuer
        announced = self.announced_issuer or issuer
        if "issuer-mismatch" in self.broken:
            announced = issuer + "/other"
        document = self._metadata(issuer, announced)
        if "http-endpoint" in self.broken:
            document["userinfo_endpoint"] = "http://op.invalid/userinfo"
        if "no-s256" in self.broken:
            document["code_challenge_methods_supported"] = ["plain"]
        return document

    def _metadata(self, issuer: str, announced: str) -> dict[str, Any]:
        return {
            "issuer": announced,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": list(self.algs),
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
            "revocation_endpoint": f"{issuer}/revoke",
        }

    def jwks(self) -> dict[str, Any]:
        keys = [key.public_jwk() for key in self.published]
        if "private-jwk" in self.broken:
            keys[0] = dict(self.published[0].key.as_dict(private=True), kid=self.published[0].kid)
        if "duplicate-kid" in self.broken:
            twin = new_key(self.published[0].alg, self.published[0].kid)
            keys.append(twin.public_jwk())
        return {"keys": keys}

    def _respond(self, request: HttpRequest) -> ProviderReply:
        path = request.url.split("://", 1)[1].split("/", 1)[1].split("?", 1)[0]
        path = "/" + path
        with self._lock:
            self.requests[path] = self.requests[path] + 1
        if not path.startswith(self.path + "/"):
            return text_reply(404, "not found")
        local = path[len(self.path) :]
        if local == "/.well-known/openid-configuration":
            if self.discovery_override is not None:
                return ProviderReply(
                    self.discovery_override[0], _JSON, body=self.discovery_override[1]
                )
            return ProviderReply(200, _JSON, json=self.metadata())
        if local == "/jwks" and self.jwks_override is not None:
            return ProviderReply(self.jwks_override[0], _JSON, body=self.jwks_override[1])
        if local == "/jwks" and self.jwks_status != 200:
            return text_reply(self.jwks_status, "key set unavailable")
        if local == "/jwks":
            headers: tuple[tuple[str, str], ...] = _JSON
            if self.jwks_cache_control is not None:
                headers += (("Cache-Control", self.jwks_cache_control),)
            return ProviderReply(200, headers, json=self.jwks())
        if local == "/userinfo":
            return self._userinfo(request)
        if local == "/revoke" and request.method == "POST":
            # RFC 7009 §2.2: an invalid or unknown token is answered 200 all the same.
            if "revocation-400" in self.broken:
                return ProviderReply(400, _JSON, json={"error": "invalid_request"})
            return ProviderReply(200, (), body=b"")
        if local == "/authorize" and request.method == "GET":
            with self._lock:
                return authorize_reply(self, request)
        if local == "/token" and request.method == "POST":
            with self._lock:
                return token_reply(self, request)
        return text_reply(404, "not found")

    def _userinfo(self, request: HttpRequest) -> ProviderReply:
        auth = request.header("authorization") or ""
        scheme, _, token = auth.partition(" ")
        sub = self._access.get(token) if scheme.lower() == "bearer" else None
        if sub is None:
            return ProviderReply(
                401, (("WWW-Authenticate", 'Bearer error="invalid_token"'),), body=b""
            )
        claims = {"sub": self.userinfo_sub or sub, "name": "Test User"}
        if self.userinfo_signed:
            body = sign({**claims, "iss": self.issuer, "aud": OIDC_CLIENT_ID}, key=self.signer)
            return ProviderReply(200, (("Content-Type", "application/jwt"),), body=body.encode())
        return ProviderReply(200, _JSON, json=claims)

    # --- issuing ------------------------------------------------------------------------------

    def access_token(self, sub: str = USER) -> str:
        """A fresh access token the userinfo endpoint answers for ``sub``."""
        token = secrets.token_urlsafe(24)
        self._access[token] = sub  # one dict store: atomic, and callable under the lock
        return token

    def claims(self, **overrides: Any) -> dict[str, Any]:
        """Valid ID token claims for :data:`OIDC_CLIENT_ID` now; ``None`` drops a claim."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": USER,
            "aud": OIDC_CLIENT_ID,
            "exp": now + 300,
            "iat": now,
            "auth_time": now - 5,
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def id_token(
        self,
        claims: Mapping[str, Any] | None = None,
        *,
        key: SigningKey | None = None,
        alg: str | None = None,
        kid: str | bool | None = True,
        header: Mapping[str, Any] | None = None,
        hmac_secret: bytes | None = None,
        access_token: str | None = None,
        code: str | None = None,
    ) -> str:
        """An ID token signed by ``key`` (the current signer by default), with hash claims."""
        key = key or self.signer
        body = dict(self.claims() if claims is None else claims)
        used = alg or key.alg
        if access_token is not None:
            body.setdefault("at_hash", half_hash(access_token, used))
        if code is not None:
            body.setdefault("c_hash", half_hash(code, used))
        return sign(body, key=key, alg=alg, kid=kid, header=header, hmac_secret=hmac_secret)

    def rotate(self, *, keep_old: bool = False) -> SigningKey:
        """Sign with a new key of the current signer's ``alg`` from now on; publish it."""
        with self._lock:
            self._rotations += 1
            fresh = new_key(self.signer.alg, f"rotated-{self._rotations}-{self.signer.alg}")
            self.keys.append(fresh)
            self.published = [*self.published, fresh] if keep_old else [fresh]
            self.signer = fresh
            return fresh

    def public_key_pem(self) -> bytes:
        """The current signer's public key as PEM (what an HS256 key-confusion attack uses)."""
        key = self.signer.key
        if not isinstance(key, RSAKey | ECKey | OKPKey):
            raise TypeError("the signer has no public key")
        pem: bytes = key.as_pem(private=False)
        return pem

    def as_json(self) -> str:
        """The metadata document as served (for vectors)."""
        return json.dumps(self.metadata())
