"""Checks of a provider's metadata (OpenID Connect Discovery 1.0 §3-4, RFC 8414 §2-3).

They read the raw document, not what the core's strict parser makes of it: the parser refuses a
document with a wrong issuer or a plain-http endpoint outright, and a probe has to say which
member is wrong and how. A URL given as ``http://`` on a loopback host passes (it is how
providers are tested); anywhere else it fails.
"""

from __future__ import annotations

from typing import Any, TypeGuard
from urllib.parse import urlsplit

from tokenwire.conformance.probes.issuer_model import (
    DISCOVERY,
    OAUTH_METADATA,
    IssuerCheck,
    IssuerSeen,
)
from tokenwire.conformance.probes.model import Finding, deviates, passed, skipped, warned
from tokenwire.core.redact import scrub
from tokenwire.core.urls import is_loopback_host

__all__ = ["CHECKS", "REQUIRED_MEMBERS", "URL_MEMBERS"]

#: OIDC Discovery §3's REQUIRED members (token_endpoint too, unless only implicit is used).
REQUIRED_MEMBERS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "response_types_supported",
    "subject_types_supported",
    "id_token_signing_alg_values_supported",
)
#: Members that are URLs a client sends requests (and credentials) to, or reads keys from.
URL_MEMBERS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "registration_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
    "device_authorization_endpoint",
    "pushed_authorization_request_endpoint",
    "end_session_endpoint",
)
_JWT_AUTH = frozenset({"client_secret_jwt", "private_key_jwt"})


def _metadata_needed(seen: IssuerSeen) -> str | None:
    if seen.metadata is None:
        return "no metadata document could be read (see metadata.document)"
    return None


def _shown(seen: IssuerSeen) -> tuple[str, ...]:
    return (seen.metadata_name,)


def _document(seen: IssuerSeen) -> Finding:
    exchange = seen.exchanges.get(DISCOVERY)
    if exchange is None or not exchange.answered:
        return deviates("the OpenID configuration could not be fetched")
    if exchange.status != 200:
        other = seen.exchanges.get(OAUTH_METADATA)
        fallback = other is not None and other.status == 200 and other.json is not None
        where = "; the RFC 8414 document is read instead" if fallback else ""
        return deviates(f"{exchange.describe()} for /.well-known/openid-configuration{where}")
    if exchange.json is None:
        return deviates(f"HTTP 200 but the body is not a JSON object ({exchange.media_type})")
    if not exchange.is_json:
        return deviates(f"a JSON object sent as {exchange.media_type or 'no Content-Type'}")
    return passed(f"HTTP 200 application/json, {len(exchange.json)} members")


def _issuer(seen: IssuerSeen) -> Finding:
    metadata = seen.metadata or {}
    issuer = metadata.get("issuer")
    if not isinstance(issuer, str):
        return deviates("no issuer string in the metadata", _shown(seen))
    if issuer != seen.issuer:
        return deviates(
            f"issuer {scrub(issuer, 120)!r} is not the URL the metadata was fetched for "
            f"({scrub(seen.issuer, 120)!r}); it must be identical",
            _shown(seen),
        )
    parts = urlsplit(issuer)
    if parts.query or parts.fragment:
        return deviates("the issuer has a query or fragment component", _shown(seen))
    return passed(f"{scrub(issuer, 120)!r}, identical to the URL probed", _shown(seen))


def _required(seen: IssuerSeen) -> Finding:
    metadata = seen.metadata or {}
    missing = [m for m in REQUIRED_MEMBERS if metadata.get(m) in (None, "", [])]
    if seen.metadata_name == OAUTH_METADATA:
        # RFC 8414 §2 requires less: issuer, and the endpoints of the grants it supports.
        missing = [
            m for m in missing if m in ("issuer", "token_endpoint", "response_types_supported")
        ]
    if missing:
        return deviates(f"missing: {', '.join(missing)}", _shown(seen))
    return passed(f"all {len(REQUIRED_MEMBERS)} required members present", _shown(seen))


def url_problem(value: object) -> str | None:
    """Why ``value`` is not an acceptable endpoint URL (``None``: it is)."""
    if not isinstance(value, str):
        return "not a string"
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        return "not a valid URL"
    if parts.fragment:
        return "has a fragment"
    if parts.scheme == "https" and host:
        return None
    if parts.scheme == "http" and host and is_loopback_host(host):
        return None
    return f"{scrub(parts.scheme, 10) or 'no'} scheme, not https"


def _https(seen: IssuerSeen) -> Finding:
    metadata = seen.metadata or {}
    present = [m for m in URL_MEMBERS if m in metadata]
    problems = [(m, p) for m in present if (p := url_problem(metadata[m])) is not None]
    if problems:
        listed = "; ".join(f"{m}: {p}" for m, p in problems)
        return deviates(listed, _shown(seen))
    loopback = any(str(metadata[m]).startswith("http:") for m in present)
    scheme = "https, or http on a loopback host (allowed for testing)" if loopback else "https"
    return passed(f"{len(present)} endpoint URL(s), all {scheme}", _shown(seen))


def _strings(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _lists(seen: IssuerSeen) -> Finding:
    metadata: dict[str, Any] = seen.metadata or {}
    supported = {k: v for k, v in metadata.items() if k.endswith("_supported")}
    problems: list[str] = []
    for name, value in supported.items():
        if isinstance(value, bool):
            continue  # claims_parameter_supported and the like are booleans
        if not _strings(value):
            problems.append(f"{name} is not an array of strings")
        elif len(set(value)) != len(value):
            problems.append(f"{name} lists a value twice")
    methods = metadata.get("token_endpoint_auth_methods_supported")
    signing = metadata.get("token_endpoint_auth_signing_alg_values_supported")
    if _strings(methods) and _JWT_AUTH & set(methods) and not _strings(signing):
        problems.append(
            "token_endpoint_auth_signing_alg_values_supported is absent though a JWT client "
            "authentication method is listed"
        )
    if _strings(signing) and "none" in signing:
        problems.append("token_endpoint_auth_signing_alg_values_supported lists 'none'")
    algs = metadata.get("id_token_signing_alg_values_supported")
    if seen.metadata_name == DISCOVERY and _strings(algs) and "RS256" not in algs:
        problems.append("id_token_signing_alg_values_supported lacks RS256")
    grants = metadata.get("grant_types_supported", ["authorization_code", "implicit"])
    responses = metadata.get("response_types_supported")
    code_grant = _strings(grants) and "authorization_code" in grants
    if code_grant and _strings(responses) and not any("code" in r.split() for r in responses):
        problems.append("authorization_code is a grant type but no response type has code")
    if problems:
        return deviates("; ".join(problems), _shown(seen))
    return passed(f"{len(supported)} *_supported member(s), consistent", _shown(seen))


def _s256(seen: IssuerSeen) -> Finding:
    methods = (seen.metadata or {}).get("code_challenge_methods_supported")
    if methods is None:
        return warned(
            "code_challenge_methods_supported is absent: RFC 8414 reads that as no PKCE "
            "support, and RFC 9700 §2.1.1 recommends publishing it",
            _shown(seen),
        )
    if not _strings(methods) or "S256" not in methods:
        shown = ", ".join(scrub(m, 20) for m in methods) if _strings(methods) else "not a list"
        return deviates(f"S256 is not listed ({shown})", _shown(seen))
    return passed(f"lists {', '.join(scrub(m, 20) for m in methods)}", _shown(seen))


def _auth_methods(seen: IssuerSeen) -> Finding:
    methods = (seen.metadata or {}).get("token_endpoint_auth_methods_supported")
    if methods is None:
        return passed("absent: client_secret_basic, by RFC 8414 §2's default", _shown(seen))
    if not _strings(methods) or not methods:
        return deviates("not a non-empty array of strings", _shown(seen))
    return passed(", ".join(scrub(m, 40) for m in methods), _shown(seen))


def _oauth_document(seen: IssuerSeen) -> Finding:
    exchange = seen.exchanges.get(OAUTH_METADATA)
    if exchange is None or not exchange.answered:
        return skipped("the RFC 8414 document was not fetched")
    if exchange.status != 200 or exchange.json is None:
        return passed(f"not published ({exchange.describe()}); RFC 8414 makes it optional")
    other = seen.exchanges.get(DISCOVERY)
    if other is None or other.json is None or other.status != 200:
        return passed("published, and read in place of the OpenID configuration")
    differ = [
        m
        for m in ("issuer", "token_endpoint", "jwks_uri")
        if exchange.json.get(m) != other.json.get(m)
    ]
    if differ:
        return warned(
            f"published, but differs from the OpenID configuration in {', '.join(differ)}"
        )
    return passed("published, and agrees with the OpenID configuration")


CHECKS: tuple[IssuerCheck, ...] = (
    IssuerCheck(
        id="metadata.document",
        section="OIDC Discovery §4, RFC 8414 §3.2",
        level="MUST",
        title="the metadata is served as a JSON object at /.well-known/openid-configuration",
        uses=(DISCOVERY,),
        evaluate=_document,
    ),
    IssuerCheck(
        id="metadata.issuer",
        section="OIDC Discovery §4.3, RFC 8414 §3.3",
        level="MUST",
        title="issuer is identical to the issuer URL the metadata was fetched for",
        uses=(),
        evaluate=_issuer,
        needs=_metadata_needed,
    ),
    IssuerCheck(
        id="metadata.required",
        section="OIDC Discovery §3, RFC 8414 §2",
        level="MUST",
        title="every REQUIRED member is present",
        uses=(),
        evaluate=_required,
        needs=_metadata_needed,
    ),
    IssuerCheck(
        id="metadata.https",
        section="OIDC Discovery §3, RFC 8414 §2",
        level="MUST",
        title="the issuer and every endpoint use https",
        uses=(),
        evaluate=_https,
        needs=_metadata_needed,
    ),
    IssuerCheck(
        id="metadata.supported-lists",
        section="OIDC Discovery §3, RFC 8414 §2",
        level="MUST",
        title="*_supported members are arrays of strings, consistent with each other",
        uses=(),
        evaluate=_lists,
        needs=_metadata_needed,
    ),
    IssuerCheck(
        id="metadata.s256",
        section="RFC 8414 §2, RFC 7636 §4.2, RFC 9700 §2.1.1",
        level="MUST",
        title="code_challenge_methods_supported lists S256",
        uses=(),
        evaluate=_s256,
        needs=_metadata_needed,
    ),
    IssuerCheck(
        id="metadata.auth-methods",
        section="RFC 8414 §2",
        level="INFO",
        title="the client authentication methods the token endpoint supports",
        uses=(),
        evaluate=_auth_methods,
        needs=_metadata_needed,
    ),
    IssuerCheck(
        id="metadata.oauth-document",
        section="RFC 8414 §3",
        level="INFO",
        title="whether /.well-known/oauth-authorization-server is published, and agrees",
        uses=(OAUTH_METADATA,),
        evaluate=_oauth_document,
    ),
)
