"""Web login for any framework: the authorization code flow with PKCE, state, nonce and a
verified ID token, in two calls.

::

    flow = LoginFlow(Provider.discover(ISSUER), ClientAuth(CLIENT_ID, CLIENT_SECRET),
                     redirect_uri="https://app.example.com/callback")
    url, state = flow.start()           # login view: keep state.dumps() in the session, redirect
    result = flow.finish(request_url, session.pop("login"))   # callback view
    result.claims.sub, result.token

:class:`LoginFlow` (threads) and :class:`AsyncLoginFlow` (asyncio, trio) step one sans-IO
generator (:mod:`.flow`, where the rules are listed). See ``docs/embedding.md``.
"""

from tokenwire.adapters.login.aio import AsyncLoginFlow
from tokenwire.adapters.login.base import DEFAULT_LIFETIME
from tokenwire.adapters.login.finished import (
    FinishedStates,
    MemoryFinishedStates,
    RedisFinishedStates,
    SqliteFinishedStates,
)
from tokenwire.adapters.login.state import LoginError, LoginReason, LoginResult, LoginState
from tokenwire.adapters.login.sync import LoginFlow

__all__ = [
    "DEFAULT_LIFETIME",
    "AsyncLoginFlow",
    "FinishedStates",
    "LoginError",
    "LoginFlow",
    "LoginReason",
    "LoginResult",
    "LoginState",
    "MemoryFinishedStates",
    "RedisFinishedStates",
    "SqliteFinishedStates",
]
