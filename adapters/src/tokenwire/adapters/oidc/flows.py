"""The discovery and exchange flows the OIDC providers step, sync or async.

Small on purpose: the rules live in core (:func:`tokenwire.core.parse_provider_metadata`,
:func:`tokenwire.core.validate_id_token`, :func:`tokenwire.core.parse_userinfo`) and in
:mod:`.keys` (when to fetch keys); these generators only say what to send.
"""

from __future__ import annotations

from collections.abc import Generator

from tokenwire.core import (
    DiscoveryError,
    HttpRequest,
    HttpResponse,
    ProviderMetadata,
    Send,
    TransportFailure,
    discovery_request,
    parse_provider_metadata,
)
from tokenwire.core.flow import Reply, Step

__all__ = ["discovery_flow", "exchange_flow"]


def exchange_flow(request: HttpRequest) -> Generator[Step, Reply, HttpResponse]:
    """Send ``request`` once; return the response or raise the transport's error."""
    reply = yield Send(request)
    if isinstance(reply, TransportFailure):
        raise reply.error
    if not isinstance(reply, HttpResponse):
        raise TypeError(f"expected an HttpResponse, got {type(reply).__name__}")
    return reply


def discovery_flow(issuer: str) -> Generator[Step, Reply, ProviderMetadata]:
    """Fetch and validate ``issuer``'s metadata: OpenID Connect's (OIDC Discovery §4), or, if
    that path answers 404, the OAuth authorization server metadata of RFC 8414 §3.

    An OAuth-only server (no ID tokens) publishes only the latter; both documents share their
    members and the issuer check. Any other failure at the OpenID path is final: a 500 or a bad
    document is the provider's answer, not a sign that it publishes elsewhere.
    """
    response = yield from exchange_flow(discovery_request(issuer))
    if response.status == 404:
        fallback = yield from exchange_flow(discovery_request(issuer, "oauth"))
        if fallback.status != 404:
            return parse_provider_metadata(fallback, issuer=issuer)
        raise DiscoveryError(
            "neither /.well-known/openid-configuration nor "
            "/.well-known/oauth-authorization-server is published (both answered 404)",
            status=404,
        )
    return parse_provider_metadata(response, issuer=issuer)
