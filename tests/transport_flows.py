"""One token request through a built-in transport by name, as an application would make it.

Shared by the third-party peer tests (oidc-provider, django-oauth-toolkit): a fresh
``TokenClient`` (sync transports) or ``AsyncTokenClient`` on the transport's event loop.
"""

from __future__ import annotations

from typing import cast

from tests.transport_harness import EVENT_LOOPS
from tokenwire.adapters.client import AsyncTokenClient, TokenClient
from tokenwire.adapters.transport import (
    BUILTIN_TRANSPORTS,
    AsyncTransport,
    Transport,
    TransportOptions,
)
from tokenwire.core import ClientAuth, Grant, Profile, Token

OPTIONS = TransportOptions(connect_timeout=2.0, read_timeout=10.0, total_timeout=15.0)
#: The names of the built-in transports, from the one table the conformance runner uses too.
TRANSPORTS = [entry.name for entry in BUILTIN_TRANSPORTS]
_BY_NAME = {entry.name: entry for entry in BUILTIN_TRANSPORTS}


def token_request(transport: str, profile: Profile, auth: ClientAuth, grant: Grant) -> Token:
    """``grant`` sent to ``profile``'s token endpoint through the built-in ``transport``."""
    entry = _BY_NAME[transport]
    if entry.mode == "sync":
        sync_transport = cast("Transport", entry.build(OPTIONS))
        with TokenClient(profile, auth, sync_transport) as sync:
            return sync.request(grant)

    async def go() -> Token:
        async_transport = cast("AsyncTransport", entry.build(OPTIONS))
        async with AsyncTokenClient(profile, auth, async_transport) as tokens:
            return await tokens.request(grant)

    token: Token = EVENT_LOOPS[entry.mode](go)
    return token
