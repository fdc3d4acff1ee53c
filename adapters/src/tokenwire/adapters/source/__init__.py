"""Token sources: a valid access token on demand, refreshed once however many callers ask.

:class:`TokenSource` (threads) and :class:`AsyncTokenSource` (asyncio and trio) take a token
client, a grant and/or a token, and optionally a shared store and key::

    source = TokenSource(client, ClientCredentials())
    headers = {"Authorization": f"Bearer {source.access_token()}"}
    ...
    source.invalidate()  # the resource server said 401: renew on the next call
    source.logout()  # forget the token, then revoke it (RFC 7009): see .logout

Both run the same renewal algorithm (:mod:`.renewal`), which requests tokens with the client's
own flow; see ``docs/lifecycle.md`` for leeway, single flight, rotation and how to choose a store.
"""

from tokenwire.adapters.source.aio import AsyncTokenSource
from tokenwire.adapters.source.errors import RefreshTimeout
from tokenwire.adapters.source.lease import default_lease_ttl
from tokenwire.adapters.source.sync import TokenSource

__all__ = ["AsyncTokenSource", "RefreshTimeout", "TokenSource", "default_lease_ttl"]
