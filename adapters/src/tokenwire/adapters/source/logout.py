"""Logout: forget a token source's token and revoke it (RFC 7009), as one sans-IO generator.

Both sources step :func:`logout_flow` with their driver, so the threaded and the async logout
cannot differ. The rules:

1. read the token stored under the source's key (and take the seed token the source was built
   with, if it was never planted), then **forget** it: the key is deleted from the store first,
   so that no caller, thread, process or machine sharing the store hands it out again, whatever
   the server says next;
2. revoke the refresh token (``token_type_hint=refresh_token``), then the access token: revoking
   the refresh token first stops a new access token from being minted from it in between (and
   many servers revoke the access tokens issued from it too);
3. a revocation that fails (the server refuses, is unreachable, or answers nonsense) does not stop
   the other: both are tried, and then the first failure is raised, a typed
   :class:`~tokenwire.core.TokenwireError` with its usual redacted message. The local copy is
   gone either way; the token may still be live at the server until it expires.

A store that fails while reading or forgetting raises its
:class:`~tokenwire.adapters.stores.StoreError` before anything is revoked. A renewal already in
flight elsewhere may still store a new token after the logout; a source with a ``grant`` obtains
a new token on its next call, as it would from an empty store.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from tokenwire.adapters.source.steps import ForgetStored, GetStored
from tokenwire.adapters.stores import StoredToken
from tokenwire.core import Token, TokenwireError
from tokenwire.core.revocation import RevocationFlow

__all__ = ["Logout", "logout_flow"]

#: ``logout_flow()``: yields store operations, ``Send`` and ``Sleep``; returns nothing.
Logout = Generator[object, Any, None]


def logout_flow(
    revocation_flow: Callable[[str, str | None], RevocationFlow],
    key: str,
    seed: Token | None,
) -> Logout:
    """Forget the token under ``key`` (and ``seed``), then revoke it, by the rules above.

    ``revocation_flow`` is the client's (:meth:`TokenClient.revocation_flow
    <tokenwire.adapters.client.TokenClient.revocation_flow>`).
    """
    stored: StoredToken | None = yield GetStored(key)
    yield ForgetStored(key)
    tokens = [t for t in (None if stored is None else stored.token, seed) if t is not None]
    revoked: set[str] = set()
    failure: TokenwireError | None = None
    for token in tokens:
        for value, hint in (
            (token.refresh_token, "refresh_token"),
            (token.access_token, "access_token"),
        ):
            if not value or value in revoked:
                continue
            revoked.add(value)
            try:
                yield from revocation_flow(value, hint)
            except TokenwireError as exc:
                failure = failure or exc
    if failure is not None:
        raise failure
