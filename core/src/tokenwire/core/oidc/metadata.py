"""Provider metadata: the discovery request, its parsing, and a :class:`Profile` built from it.

OpenID Connect Discovery §4 and RFC 8414 §3: the document is fetched from a well-known path under
the issuer, and its ``issuer`` must equal the one asked for exactly (no normalising: a trailing
slash or a different case is another issuer, and would let one tenant vouch for another). Every
endpoint it names obeys the token endpoint's URL rules (https off loopback, no credentials, no
fragment); a member of the wrong type is a :class:`DiscoveryError` naming it, never a KeyError.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from tokenwire.core.errors import ConfigurationError
from tokenwire.core.http import HttpRequest, HttpResponse
from tokenwire.core.oidc.errors import DiscoveryError
from tokenwire.core.profile import Profile
from tokenwire.core.redact import scrub
from tokenwire.core.urls import check_endpoint_url
from tokenwire.core.version import USER_AGENT

__all__ = [
    "ProviderMetadata",
    "discovery_request",
    "discovery_url",
    "parse_provider_metadata",
    "profile_from_metadata",
]

Strings = tuple[str, ...]


class ProviderMetadata(msgspec.Struct, frozen=True, kw_only=True):
    """What a client uses of OIDC Discovery §3, RFC 8414 §2, RFC 8628 §4, RFC 8705 §5, RFC 9207 §3.

    Members not named here are kept in ``extra``, as sent.
    """

    issuer: str
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    userinfo_endpoint: str | None = None
    jwks_uri: str | None = None
    registration_endpoint: str | None = None
    end_session_endpoint: str | None = None
    revocation_endpoint: str | None = None
    introspection_endpoint: str | None = None
    device_authorization_endpoint: str | None = None
    pushed_authorization_request_endpoint: str | None = None
    scopes_supported: Strings | None = None
    response_types_supported: Strings | None = None
    response_modes_supported: Strings | None = None
    grant_types_supported: Strings | None = None
    acr_values_supported: Strings | None = None
    subject_types_supported: Strings | None = None
    id_token_signing_alg_values_supported: Strings | None = None
    userinfo_signing_alg_values_supported: Strings | None = None
    request_object_signing_alg_values_supported: Strings | None = None
    token_endpoint_auth_methods_supported: Strings | None = None
    token_endpoint_auth_signing_alg_values_supported: Strings | None = None
    revocation_endpoint_auth_methods_supported: Strings | None = None
    introspection_endpoint_auth_methods_supported: Strings | None = None
    code_challenge_methods_supported: Strings | None = None
    claims_supported: Strings | None = None
    claims_parameter_supported: bool = False
    request_parameter_supported: bool = False
    request_uri_parameter_supported: bool = True
    require_request_uri_registration: bool = False
    #: RFC 8705 §3.3 and §5.
    tls_client_certificate_bound_access_tokens: bool = False
    mtls_endpoint_aliases: dict[str, str] | None = None
    #: RFC 9207 §3: the authorization response carries ``iss``.
    authorization_response_iss_parameter_supported: bool = False
    service_documentation: str | None = None
    op_policy_uri: str | None = None
    op_tos_uri: str | None = None
    extra: dict[str, Any] = msgspec.field(default_factory=dict)

    @property
    def id_token_algs(self) -> Strings:
        """The ID token ``alg`` allow-list: as advertised, or RS256 (OIDC Discovery §3)."""
        return self.id_token_signing_alg_values_supported or ("RS256",)


_ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "registration_endpoint",
    "end_session_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
    "device_authorization_endpoint",
    "pushed_authorization_request_endpoint",
)
_NAMED = frozenset(ProviderMetadata.__struct_fields__) - {"extra"}
_decode = msgspec.json.Decoder(ProviderMetadata).decode
_decode_any = msgspec.json.Decoder(dict[str, Any]).decode


def discovery_url(issuer: str, kind: Literal["openid", "oauth"] = "openid") -> str:
    """Where ``issuer``'s metadata lives.

    ``openid``: ``{issuer}/.well-known/openid-configuration`` (OIDC Discovery §4.1, a trailing
    ``/`` of the issuer dropped); ``oauth``: ``/.well-known/oauth-authorization-server`` inserted
    between the host and the issuer's path (RFC 8414 §3.1).
    """
    check_endpoint_url(issuer, "issuer")
    if "?" in issuer:
        raise ConfigurationError("an issuer URL has no query (RFC 8414 §2)")
    if kind == "openid":
        return issuer.rstrip("/") + "/.well-known/openid-configuration"
    scheme, _, rest = issuer.partition("://")
    host, slash, path = rest.partition("/")
    suffix = ("/" + path.rstrip("/")) if slash and path.strip("/") else ""
    return f"{scheme}://{host}/.well-known/oauth-authorization-server{suffix}"


def discovery_request(issuer: str, kind: Literal["openid", "oauth"] = "openid") -> HttpRequest:
    """The GET for ``issuer``'s metadata document (see :func:`discovery_url`)."""
    return HttpRequest(
        method="GET",
        url=discovery_url(issuer, kind),
        headers=(("Accept", "application/json"), ("User-Agent", USER_AGENT)),
    )


def parse_provider_metadata(response: HttpResponse, *, issuer: str) -> ProviderMetadata:
    """Parse a metadata response; raise :class:`DiscoveryError` unless it is for ``issuer``."""
    if response.status != 200:
        raise DiscoveryError(
            "the discovery endpoint did not answer 200",
            status=response.status,
            excerpt=scrub(response.body[:400].decode("utf-8", "replace")),
        )
    try:
        metadata = _decode(response.body)
        everything = _decode_any(response.body)
    except msgspec.ValidationError as exc:
        where = str(exc).rpartition(" - at ")[2]
        detail = f"member {scrub(where, 60)} has the wrong type" if where.startswith("$.") else ""
        raise DiscoveryError(
            f"the provider metadata is not valid: {detail or 'not an object with an issuer'}"
        ) from None
    except (msgspec.DecodeError, RecursionError):
        raise DiscoveryError(
            "the provider metadata is not JSON",
            status=response.status,
            excerpt=scrub(response.body[:400].decode("utf-8", "replace")),
        ) from None
    if metadata.issuer != issuer:
        raise DiscoveryError(
            f"the metadata names issuer {scrub(metadata.issuer, 120)!r}, not the one asked for "
            f"{scrub(issuer, 120)!r} (OIDC Discovery §4.3, RFC 8414 §3.3)"
        )
    for name in _ENDPOINTS:
        url = getattr(metadata, name)
        if url is not None:
            try:
                check_endpoint_url(url, name)
            except ConfigurationError as exc:
                error = str(exc)
            else:
                continue
            raise DiscoveryError(f"the metadata's {error}")
    extra = {k: v for k, v in everything.items() if k not in _NAMED}
    return msgspec.structs.replace(metadata, extra=extra) if extra else metadata


#: The ``mtls_endpoint_aliases`` members (RFC 8705 §5) a profile uses, and its fields.
_MTLS_ALIASED = {
    "token_endpoint": "token_url",
    "revocation_endpoint": "revocation_url",
    "introspection_endpoint": "introspection_url",
    "device_authorization_endpoint": "device_authorization_url",
    "userinfo_endpoint": "userinfo_url",
}


def profile_from_metadata(
    metadata: ProviderMetadata, base: Profile | None = None, *, mtls: bool = False
) -> Profile:
    """A :class:`Profile` with ``metadata``'s endpoints; ``base``'s name and quirks are kept.

    Endpoints the metadata does not name stay as ``base`` has them. ``mtls`` is for a client
    that authenticates with a certificate (``tls_client_auth``, ``self_signed_tls_client_auth``):
    the metadata's ``mtls_endpoint_aliases`` (RFC 8705 §5) then replace the endpoints they name,
    since a provider may serve mutual TLS on other hosts than the plain endpoints.
    """
    if metadata.token_endpoint is None and base is None:
        raise DiscoveryError("the provider metadata names no token_endpoint")
    fields: dict[str, Any] = {
        "token_url": metadata.token_endpoint,
        "authorization_url": metadata.authorization_endpoint,
        "revocation_url": metadata.revocation_endpoint,
        "introspection_url": metadata.introspection_endpoint,
        "userinfo_url": metadata.userinfo_endpoint,
        "jwks_url": metadata.jwks_uri,
        "issuer": metadata.issuer,
    }
    aliases = metadata.mtls_endpoint_aliases if mtls else None
    for name, field in _MTLS_ALIASED.items():
        alias = (aliases or {}).get(name)
        if isinstance(alias, str):
            try:
                check_endpoint_url(alias, f"mTLS alias of the {name}")
            except ConfigurationError as exc:
                error = str(exc)
            else:
                fields[field] = alias
                continue
            raise DiscoveryError(f"the metadata's {error}")
    if base is None:
        return Profile(name="discovered", **fields)
    changes = {name: value for name, value in fields.items() if value is not None}
    return msgspec.structs.replace(base, **changes)
