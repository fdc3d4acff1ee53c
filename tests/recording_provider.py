"""A reference provider that records every grant it was sent, for tests that count reuse.

``ReferenceProvider`` rotates refresh tokens and refuses a reused one; this subclass also keeps,
in order, each refresh token and authorization code a token request carried (``seen``), so a
test can assert that no spent one was ever sent again. ``after_answer`` runs once the provider
has computed its answer (the refresh token is rotated, the code spent) and before the answer is
sent: the moment to make a store fail. ``refresh_tokens=False`` strips ``refresh_token`` from
every answer, as a server that issues none.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import parse_qs

import msgspec
from typing_extensions import override

from tokenwire.adapters.httpcore import TokenClient
from tokenwire.conformance.reference import POST_CLIENT, REDIRECT_URI, ReferenceProvider
from tokenwire.conformance.reference.replies import ProviderReply
from tokenwire.core import HttpRequest, Token

P = TypeVar("P", bound=ReferenceProvider)


@contextlib.contextmanager
def provider_starter(make: Callable[..., P]) -> Iterator[Callable[..., P]]:
    """A function that builds (``make(**options)``) and starts providers on demand; every one
    started is stopped when the block ends."""
    started: list[P] = []

    def start(**options: Any) -> P:
        provider = make(**options).start()
        started.append(provider)
        return provider

    try:
        yield start
    finally:
        for provider in started:
            provider.stop()


class RecordingProvider(ReferenceProvider):
    """A :class:`ReferenceProvider` that records the grants it was sent (see module doc)."""

    def __init__(self, *, refresh_tokens: bool = True, **options: Any) -> None:
        super().__init__("rfc6749", **options)
        self.refresh_tokens = refresh_tokens
        self.after_answer: Callable[[], None] | None = None
        self._seen: list[tuple[str, str]] = []
        self._seen_lock = threading.Lock()

    @property
    def seen(self) -> list[str]:
        """Each refresh token and code sent to the token endpoint, in order."""
        with self._seen_lock:
            return [value for _, value in self._seen]

    @property
    def refresh_tokens_seen(self) -> list[str]:
        """Each refresh token sent to the token endpoint, in order."""
        with self._seen_lock:
            return [value for name, value in self._seen if name == "refresh_token"]

    def times_seen(self, value: str | None) -> int:
        """How many token requests carried ``value`` as their refresh token or code."""
        return self.seen.count(value or "")

    def reused(self) -> list[str]:
        """Every refresh token or code the provider was sent more than once."""
        seen = self.seen
        return sorted({value for value in seen if seen.count(value) > 1})

    @override
    def _respond(self, request: HttpRequest) -> ProviderReply:
        form = parse_qs(request.body.decode("ascii", "replace"))
        with self._seen_lock:
            for name in ("refresh_token", "code"):
                self._seen.extend((name, value) for value in form.get(name, []))
        reply = super()._respond(request)
        if not self.refresh_tokens and reply.json is not None:
            reply = dataclasses.replace(
                reply, json={k: v for k, v in reply.json.items() if k != "refresh_token"}
            )
        hook = self.after_answer
        if hook is not None and reply.json is not None and not reply.is_error:
            hook()
        return reply


def client_for(provider: ReferenceProvider) -> TokenClient:
    """A client of ``provider`` (the ``client_secret_post`` test client)."""
    return TokenClient(provider.profile(), POST_CLIENT.auth())


def due_token(provider: ReferenceProvider) -> Token:
    """A real token with a real refresh token (if the provider issues one), due for renewal."""
    with client_for(provider) as client:
        token = client.exchange_code(provider.issue_code(POST_CLIENT.client_id), REDIRECT_URI)
    return msgspec.structs.replace(token, expires_at=time.time() - 1.0)
