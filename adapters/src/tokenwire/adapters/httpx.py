"""``TokenAuth``: an ``httpx.Auth`` that sends a token source's access token and renews it on 401.

::

    source = TokenSource(TokenClient(profile, ClientAuth("id", secret)), ClientCredentials())
    with httpx.Client(auth=TokenAuth(source)) as http:
        http.get("https://api.example.com/things")

The same class works on ``httpx.AsyncClient`` with an :class:`AsyncTokenSource` (asyncio or
trio). What to do with a ``401`` is decided by :func:`tokenwire.adapters.bearer.decide`, shared
with the requests adapter: invalidate the rejected token, send the request once more with a new
one if its body can be sent again, and return the second answer whatever it is.

The shape follows httpx's own hooks. :meth:`TokenAuth.auth_flow` is the one generator with the
logic: it yields the request, looks at the response, invalidates the token and yields the request
a second time when :func:`decide` says so. :meth:`TokenAuth.sync_auth_flow` and
:meth:`TokenAuth.async_auth_flow` step it, and put a token from the source on every request it
yields; they differ only by the ``await`` on that fetch. httpx reads each response it hands back
before sending the next request, so the first ``401`` leaves its connection reusable.

httpx is an optional extra: ``pip install 'tokenwire-adapters[httpx]'``.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, Generator, Iterator
from typing import Any

import httpx
from typing_extensions import override

from tokenwire.adapters.bearer import (
    AsyncBearerSource,
    BearerSource,
    Verdict,
    authorization,
    bearer_of,
    decide,
)
from tokenwire.core import ConfigurationError

__all__ = ["TokenAuth"]


class TokenAuth(httpx.Auth):
    """Bearer authentication from a token source, with one renewal and one retry on ``401``.

    ``source`` is a :class:`~tokenwire.adapters.source.TokenSource` for ``httpx.Client`` or an
    :class:`~tokenwire.adapters.source.AsyncTokenSource` for ``httpx.AsyncClient`` (anything with
    ``access_token()`` and ``invalidate(token)`` fits). One ``TokenAuth`` may serve any number of
    threads or tasks at once: the source makes sure they share one renewal.

    A request whose body is a stream (``content=`` an iterator, ``files=``) is not sent again:
    its ``401`` is returned, and the token is still invalidated so that the next request gets a
    new one.
    """

    def __init__(self, source: BearerSource | AsyncBearerSource) -> None:
        self.source = source
        self._is_async = inspect.iscoroutinefunction(source.access_token)

    @override
    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Yield ``request``; once more after invalidating its token if a 401 rejected it.

        The drivers (:meth:`sync_auth_flow`, :meth:`async_auth_flow`) put a fresh token on the
        request before each send; this generator reads back which token was sent.
        """
        response = yield request
        decision = decide(
            response.status_code,
            _challenges(response.headers),
            replayable=isinstance(request.stream, httpx.ByteStream),
        )
        if decision.verdict is Verdict.STANDS:
            return
        decision.log(request.method, str(request.url))
        self.source.invalidate(bearer_of(request.headers.get("authorization")))
        if decision.verdict is Verdict.RETRY:
            yield request

    @override
    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """:meth:`auth_flow` for ``httpx.Client``, with tokens from a sync source."""
        source = self._sync_source()
        flow = self.auth_flow(request)
        request = next(flow)
        while True:
            request.headers["Authorization"] = authorization(source.access_token())
            response = yield request
            try:
                request = flow.send(response)
            except StopIteration:
                return

    @override
    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """:meth:`auth_flow` for ``httpx.AsyncClient``, with tokens from an async source."""
        source = self._async_source()
        flow = self.auth_flow(request)
        request = next(flow)
        while True:
            request.headers["Authorization"] = authorization(await source.access_token())
            response = yield request
            try:
                request = flow.send(response)
            except StopIteration:
                return

    def _sync_source(self) -> BearerSource:
        source: BearerSource = self._source_for("httpx.Client")
        return source

    def _async_source(self) -> AsyncBearerSource:
        source: AsyncBearerSource = self._source_for("httpx.AsyncClient")
        return source

    def _source_for(self, client: str) -> Any:
        """The source, if it is of the kind ``client`` needs; else a ConfigurationError."""
        if self._is_async != (client == "httpx.AsyncClient"):
            source, fits = (
                ("an async token source", "httpx.AsyncClient")
                if self._is_async
                else ("a sync token source", "httpx.Client")
            )
            raise ConfigurationError(
                f"this TokenAuth holds {source}, which works with {fits}, not {client}"
            )
        return self.source

    def __repr__(self) -> str:
        return f"TokenAuth({self.source!r})"


def _challenges(headers: httpx.Headers) -> Iterator[str]:
    """The ``WWW-Authenticate`` values, read only if :func:`decide` looks (on a 401): this runs
    on every response, and most are not 401s."""
    yield from headers.get_list("www-authenticate")
