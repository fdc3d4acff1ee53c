"""The userinfo request and its response (OpenID Connect Core §5.3).

The response is JSON, or a signed JWT (``application/jwt``) verified like an ID token: signature,
``iss`` and ``aud`` when present (§5.3.2). Its ``sub`` must equal the ID token's when the caller
gives one (§5.3.4): a userinfo response about someone else is a token substitution attack.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

import msgspec
from typing_extensions import override

from tokenwire.core.errors import ConfigurationError
from tokenwire.core.http import HttpRequest, HttpResponse
from tokenwire.core.oidc.b64 import b64url_decode
from tokenwire.core.oidc.errors import IdTokenError, UserinfoError
from tokenwire.core.oidc.idtoken import same
from tokenwire.core.oidc.jwk import JwkSet
from tokenwire.core.oidc.jws import DEFAULT_ALGS, verify_jws
from tokenwire.core.redact import RedactedStruct, Shown
from tokenwire.core.urls import check_endpoint_url
from tokenwire.core.version import USER_AGENT

__all__ = ["Userinfo", "parse_userinfo", "userinfo_request"]

_decode = msgspec.json.Decoder(dict[str, Any]).decode


class Userinfo(RedactedStruct, frozen=True, kw_only=True):
    """The claims the userinfo endpoint returned; ``sub`` checked, the rest in ``claims``."""

    sub: str
    claims: dict[str, Any] = msgspec.field(default_factory=dict)
    #: True when the response was a signed JWT whose signature verified.
    signed: bool = False

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "sub", self.sub
        yield "claims", Shown(f"<{len(self.claims)} claims>")
        yield "signed", self.signed


def userinfo_request(url: str, access_token: str) -> HttpRequest:
    """The GET to userinfo endpoint ``url`` with ``access_token`` as a Bearer token (RFC 6750)."""
    check_endpoint_url(url, "userinfo endpoint")
    if not access_token or not access_token.isascii() or not access_token.isprintable():
        raise ConfigurationError("the access token must be printable ASCII")
    return HttpRequest(
        method="GET",
        url=url,
        headers=(
            ("Authorization", f"Bearer {access_token}"),
            ("Accept", "application/json, application/jwt"),
            ("User-Agent", USER_AGENT),
        ),
    )


def parse_userinfo(
    response: HttpResponse,
    *,
    expected_sub: str | None = None,
    keys: JwkSet | None = None,
    issuer: str | None = None,
    client_id: str | None = None,
    algs: Collection[str] | None = None,
    client_secret: str | None = None,
) -> Userinfo:
    """Parse a userinfo response; a signed one needs ``keys``, ``issuer`` and ``client_id``."""
    if response.status != 200:
        raise UserinfoError(
            "error_status", "the userinfo endpoint refused the request", status=response.status
        )
    content_type = (response.header("content-type") or "").split(";")[0].strip().lower()
    signed = content_type == "application/jwt"
    if signed:
        claims = _verified_claims(response.body, keys, issuer, client_id, algs, client_secret)
    else:
        try:
            claims = _decode(response.body)
        except (msgspec.DecodeError, RecursionError):
            raise UserinfoError("malformed", "the userinfo response is not a JSON object") from None
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise UserinfoError("missing_sub", "the userinfo response has no sub")
    if expected_sub is not None and not same(sub, expected_sub):
        raise UserinfoError("sub_mismatch", "the userinfo sub is not the ID token's sub")
    return Userinfo(sub=sub, claims=claims, signed=signed)


def _verified_claims(
    body: bytes,
    keys: JwkSet | None,
    issuer: str | None,
    client_id: str | None,
    algs: Collection[str] | None,
    client_secret: str | None,
) -> dict[str, Any]:
    if keys is None or issuer is None or client_id is None:
        raise ConfigurationError("a signed userinfo response needs keys, issuer and client_id")
    try:
        token = body.decode("ascii").strip()
        _, payload = verify_jws(
            token,
            keys=keys,
            algs=DEFAULT_ALGS if algs is None else algs,
            client_secret=client_secret,
            what="userinfo response",
        )
        claims = _decode(b64url_decode(payload))
    except IdTokenError as exc:
        raise UserinfoError(
            "signature", f"the signed userinfo response failed: {exc}", detail=exc.reason
        ) from None
    except (ValueError, msgspec.DecodeError, RecursionError):
        raise UserinfoError("malformed", "the signed userinfo response is not a JWT") from None
    if "iss" in claims and claims["iss"] != issuer:
        raise UserinfoError("signature", "iss is not the issuer", detail="iss_mismatch")
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if aud is not None and client_id not in audiences:
        message = "aud does not contain the client id"
        raise UserinfoError("signature", message, detail="aud_mismatch")
    return claims
