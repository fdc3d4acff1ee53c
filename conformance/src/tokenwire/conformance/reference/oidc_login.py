"""The OIDC reference provider's login: authorization, token and revocation endpoints.

Enough of OpenID Connect Core §3.1 for a relying party to log in over loopback: the authorization
endpoint consents at once for :data:`~.oidc_provider.USER` and redirects with ``code``, ``state``
and ``iss`` (RFC 9207); the token endpoint trades the code (PKCE S256 checked, the client
authenticated with ``client_secret_post`` or ``client_secret_basic``) for an access token, a
refresh token and an ID token carrying the nonce, ``at_hash`` and ``c_hash``; a refresh token gives
a new ID token with the same ``iss``, ``sub`` and ``aud`` (§12.2). Codes are single use. The ID
tokens are made by authlib's OpenID Connect server code (``generate_id_token``, which also computes
``at_hash`` and ``c_hash``), signed with the provider's current key.

The revocation endpoint (RFC 7009) authenticates the client the same way (§2.1) and forgets the
token if it is one of the client's; an unknown token is answered 200 all the same (§2.2), unless
the provider is told to deviate. A client that fails to authenticate gets 401 ``invalid_client``
with a ``WWW-Authenticate: Basic`` challenge on either endpoint (RFC 6749 §5.2).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import warnings
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

from authlib.oidc.core.grants.util import generate_id_token

from tokenwire.conformance.reference.grants import basic_credentials
from tokenwire.conformance.reference.idtokens import SigningKey
from tokenwire.conformance.reference.replies import ProviderReply
from tokenwire.core import HttpRequest


class LoginState(Protocol):
    """What the login reads and keeps on its provider (the OIDC reference provider fits).

    A Protocol rather than the provider class, so this module and the provider's import one way.
    """

    clients: dict[str, str]
    user: str
    codes: dict[str, Any]
    refresh_tokens: dict[str, tuple[str, str, int]]
    signer: SigningKey

    @property
    def issuer(self) -> str: ...

    def access_token(self, sub: str = ...) -> str: ...

    def forget_access_token(self, token: str) -> bool: ...


__all__ = ["LoginState", "authorize_reply", "revoke_reply", "token_reply"]

_NO_STORE = (("Content-Type", "application/json"), ("Cache-Control", "no-store"))
_CHALLENGE = (*_NO_STORE, ("WWW-Authenticate", 'Basic realm="tokenwire-oidc"'))


@dataclass(frozen=True)
class _Code:
    client_id: str
    redirect_uri: str
    nonce: str | None
    challenge: str | None
    sub: str
    auth_time: int


def _error(error: str, status: int = 400) -> ProviderReply:
    return ProviderReply(status, _NO_STORE, json={"error": error})


def authorize_reply(op: LoginState, request: HttpRequest) -> ProviderReply:
    """Consent at once and redirect to the client with a code (or an error for a bad request)."""
    params = dict(parse_qsl(urlsplit(request.url).query))
    client_id, redirect_uri = params.get("client_id"), params.get("redirect_uri")
    if client_id not in op.clients or not redirect_uri or params.get("response_type") != "code":
        return _error("invalid_request")
    challenge = params.get("code_challenge")
    if challenge is not None and params.get("code_challenge_method") != "S256":
        return _error("invalid_request")
    code = secrets.token_urlsafe(24)
    op.codes[code] = _Code(
        client_id, redirect_uri, params.get("nonce"), challenge, op.user, int(time.time())
    )
    query = {"code": code, "iss": op.issuer}
    if "state" in params:
        query["state"] = params["state"]
    return ProviderReply(302, (("Location", f"{redirect_uri}?{urlencode(query)}"),))


def token_reply(op: LoginState, request: HttpRequest) -> ProviderReply:
    """The token endpoint: ``authorization_code`` and ``refresh_token`` grants."""
    checked = _authenticated(op, request, "grant_type")
    if isinstance(checked, ProviderReply):
        return checked
    client_id, form, grant = checked
    if grant == "authorization_code":
        code = op.codes.pop(form.get("code", ""), None)
        if (
            code is None
            or code.client_id != client_id
            or code.redirect_uri != form.get("redirect_uri")
        ):
            return _error("invalid_grant")
        if code.challenge is not None and code.challenge != _s256(form.get("code_verifier", "")):
            return _error("invalid_grant")
        return _tokens(op, client_id, code.sub, code.auth_time, code.nonce, form["code"])
    if grant == "refresh_token":
        held = op.refresh_tokens.pop(form.get("refresh_token", ""), None)
        if held is None or held[0] != client_id:
            return _error("invalid_grant")
        return _tokens(op, client_id, held[1], held[2], None, None)
    return _error("unsupported_grant_type")


def revoke_reply(op: LoginState, request: HttpRequest, *, unknown_is_error: bool) -> ProviderReply:
    """RFC 7009: authenticate the client, forget its token; ``unknown_is_error`` deviates (400)."""
    checked = _authenticated(op, request, "token")
    if isinstance(checked, ProviderReply):
        return checked
    client_id, _, token = checked
    held = op.refresh_tokens.get(token)
    if held is not None and held[0] == client_id:
        del op.refresh_tokens[token]
    known = held is not None or op.forget_access_token(token)
    if not known and unknown_is_error:
        return _error("invalid_request")
    return ProviderReply(200, (), body=b"")


def _authenticated(
    op: LoginState, request: HttpRequest, required: str
) -> tuple[str, dict[str, str], str] | ProviderReply:
    """``(client_id, form, form[required])``, or the error reply: 401 first, then 400."""
    form = dict(parse_qsl(request.body.decode("utf-8", "replace")))
    client_id = _client(op, request, form)
    if client_id is None:
        return ProviderReply(401, _CHALLENGE, json={"error": "invalid_client"})
    value = form.get(required)
    if not value:
        return _error("invalid_request")
    return client_id, form, value


def _client(op: LoginState, request: HttpRequest, form: dict[str, str]) -> str | None:
    credentials = basic_credentials(request.header("authorization"))
    if credentials is None and "client_id" in form:
        credentials = (form["client_id"], form.get("client_secret", ""))
    if credentials is None or op.clients.get(credentials[0]) != credentials[1]:
        return None
    return credentials[0]


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _tokens(
    op: LoginState,
    client_id: str,
    sub: str,
    auth_time: int,
    nonce: str | None,
    code: str | None,
) -> ProviderReply:
    access_token = op.access_token(sub)
    refresh_token = secrets.token_urlsafe(24)
    op.refresh_tokens[refresh_token] = (client_id, sub, auth_time)
    signer = op.signer
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc: "EdDSA is deprecated via RFC 9864"
        id_token = generate_id_token(
            token={"access_token": access_token},
            user_info={"sub": sub},
            key=signer.key,
            iss=op.issuer,
            aud=[client_id],
            alg=signer.alg,
            exp=300,
            nonce=nonce,
            auth_time=auth_time,
            code=code,
            kid=signer.kid,
        )
    body = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 300,
        "refresh_token": refresh_token,
        "id_token": id_token,
        "scope": "openid",
    }
    return ProviderReply(200, _NO_STORE, json=body)
