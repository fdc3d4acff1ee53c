"""A native app's login (RFC 8252): the system browser, a loopback redirect, PKCE, and the token
kept in the user's cache for later commands.

:func:`native_login` is what ``tokenwire login`` runs, usable by any command-line tool: it
discovers the provider, listens on a loopback port (:class:`~.loopback.LoopbackReceiver`),
sends the browser to the authorization URL of a :class:`~tokenwire.adapters.login.LoginFlow` (a
public client: PKCE S256, state, nonce), finishes the login with the callback the browser brings,
and writes the token to a :class:`~tokenwire.adapters.stores.SqliteStore` in the user's cache
directory under the issuer and client id. :func:`cached_source` reads it back as a token source
that refreshes it when due, discovering the provider only when a refresh is needed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Generator
from pathlib import Path

from typing_extensions import override

from tokenwire.adapters.client import TokenClient
from tokenwire.adapters.login.loopback import LoopbackReceiver
from tokenwire.adapters.login.state import LoginResult
from tokenwire.adapters.login.sync import LoginFlow
from tokenwire.adapters.oidc import Provider
from tokenwire.adapters.oidc.flows import discovery_flow
from tokenwire.adapters.source import TokenSource
from tokenwire.adapters.stores import SqliteStore, StoreError
from tokenwire.adapters.transport import Transport
from tokenwire.core import ClientAuth, Grant, Profile, Token, profile_from_metadata
from tokenwire.core.flow import Reply, Step

__all__ = [
    "cache_dir",
    "cache_key",
    "cached_source",
    "native_login",
    "open_cache",
    "save_token",
]


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/tokenwire``, or ``~/.cache/tokenwire`` (XDG Base Directory spec)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "tokenwire"


def cache_key(issuer: str, client_id: str) -> str:
    """The store key of a login: the issuer and the client id, unambiguously joined."""
    return "login:" + json.dumps([issuer, client_id], separators=(",", ":"))


def open_cache() -> SqliteStore:
    """The user's token cache (``tokens.sqlite3`` in :func:`cache_dir`, directory ``0700``,
    file ``0600``)."""
    directory = cache_dir()
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the cache directory ({type(exc).__name__})") from None
    return SqliteStore(directory / "tokens.sqlite3")


def save_token(store: SqliteStore, key: str, token: Token) -> None:
    """Write ``token`` under ``key``, replacing whatever a previous login left there."""
    for _ in range(3):
        stored = store.get(key)
        if store.compare_and_set(key, None if stored is None else stored.version, token):
            return
    raise StoreError("the cached login changed three times while being written")


def native_login(
    provider: Provider,
    client_id: str,
    *,
    scope: str,
    prompt: str | None = None,
    show: Callable[[str], None],
    timeout: float,
) -> LoginResult:
    """Log in through the browser: ``show(url)`` sends the user there (opens the browser, or
    prints the URL); the result once the browser is back, or :class:`LoginError` on timeout.

    ``prompt`` defaults to ``consent`` when ``offline_access`` is asked for (OIDC Core §11: the
    provider may ignore ``offline_access`` otherwise).
    """
    if prompt is None and "offline_access" in scope.split():
        prompt = "consent"
    params = {} if prompt is None else {"prompt": prompt}
    with LoopbackReceiver() as receiver:
        flow = LoginFlow(
            provider,
            ClientAuth(client_id, None, "none"),
            redirect_uri=receiver.redirect_uri,
            scope=scope,
            lifetime=max(timeout, 60.0) + 60.0,
        )
        url, state = flow.start(**params)
        show(url)
        callback = receiver.wait(timeout)
        try:
            result = flow.finish(callback, state)
        except Exception as exc:
            receiver.answer("Login failed", f"{type(exc).__name__}: {exc}", ok=False)
            raise
        who = result.claims.sub if result.claims is not None else "you"
        receiver.answer(
            "Signed in",
            f"Signed in as {who}. You can close this tab and go back to the terminal.",
            ok=True,
        )
    return result


class _DiscoveringClient(TokenClient):
    """A token client that discovers its provider's token endpoint on its first request only,
    so that handing out a cached token that is still fresh costs no request at all."""

    def __init__(self, issuer: str, auth: ClientAuth, transport: Transport) -> None:
        super().__init__(Profile(token_url=f"{issuer}/token", issuer=issuer), auth, transport)
        self._issuer = issuer
        self._discovered = False

    @override
    def flow(self, grant: Grant, *, deadline: float | None = None) -> Generator[Step, Reply, Token]:
        """Discover the token endpoint first (once), then the client's own token flow."""
        if not self._discovered:
            metadata = yield from discovery_flow(self._issuer)
            self.profile = profile_from_metadata(metadata)
            self._discovered = True
        return (yield from super().flow(grant, deadline=deadline))


def cached_source(
    store: SqliteStore, issuer: str, client_id: str, transport: Transport
) -> TokenSource:
    """A token source over the cached login of ``client_id`` at ``issuer``."""
    client = _DiscoveringClient(issuer, ClientAuth(client_id, None, "none"), transport)
    return TokenSource(client, store=store, key=cache_key(issuer, client_id))
