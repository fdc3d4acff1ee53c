"""The discovery and exchange flows the OIDC providers step, sync or async.

Small on purpose: the rules live in core (:func:`tokenwire.core.parse_provider_metadata`,
:func:`tokenwire.core.validate_id_token`, :func:`tokenwire.core.parse_userinfo`) and in
:mod:`.keys` (when to fetch keys); these generators only say what to send.
"""

from __future__ import annotations

from collections.abc import Generator

from tokenwire.core import (
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
    """Fetch and validate ``issuer``'s OpenID Connect metadata (OIDC Discovery §4)."""
    response = yield from exchange_flow(discovery_request(issuer))
    return parse_provider_metadata(response, issuer=issuer)
