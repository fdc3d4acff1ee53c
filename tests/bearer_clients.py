"""The bearer-auth tests' harness: one scenario, played by every HTTP client tokenwire plugs into.

A :class:`Harness` is the embedded reference provider (issuing client_credentials tokens, counted)
plus the protected resource server of :mod:`tests.resource_server`, which accepts only the token
the source stored last. :func:`play` runs phases of requests through one client kind
(``httpx-sync``, ``httpx-asyncio``, ``httpx-trio``, ``requests``) with ``TokenAuth`` over a
token source made for that kind, every request of a phase at once (threads, or tasks), and
reports what came back. Before the first phase it can warm the source and hand its first access
token to a callback, so that a test can, say, revoke that token at the resource server.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import anyio
import httpx
import requests

from tests.resource_server import ProtectedResource, protected_resource, stored_access_token
from tokenwire.adapters import httpx as tw_httpx
from tokenwire.adapters import requests as tw_requests
from tokenwire.adapters.httpcore import AsyncTokenClient, TokenClient
from tokenwire.adapters.source import AsyncTokenSource, TokenSource
from tokenwire.adapters.stores import MemoryStore
from tokenwire.conformance.reference import POST_CLIENT, ReferenceProvider
from tokenwire.core import ClientCredentials

#: Upper bound on every wait; never reached when things work.
WAIT = 30.0
KEY = "api-client"
T = TypeVar("T")

Kind = Literal["httpx-sync", "httpx-asyncio", "httpx-trio", "requests"]
KINDS: tuple[Kind, ...] = ("httpx-sync", "httpx-asyncio", "httpx-trio", "requests")

#: A request body: none, bytes held in memory, or a stream (sent chunked, readable once).
Body = Literal["none", "bytes", "stream"]
PAYLOAD = (b"tokenwire ", b"streamed ", b"body")


@dataclass(frozen=True)
class Outcome:
    """What one request returned: its final status and the statuses before it (its history)."""

    status: int
    history: tuple[int, ...]


@dataclass(frozen=True)
class Played:
    """Outcomes per phase, and the ``repr`` of the auth object that played them."""

    phases: list[list[Outcome]]
    auth_repr: str


@dataclass
class Harness:
    provider: ReferenceProvider
    store: MemoryStore
    resource: ProtectedResource
    #: The token :meth:`revoke` was handed (the source's first, when used as ``warm``).
    revoked: str | None = None

    def revoke(self, token: str) -> None:
        """Revoke ``token`` at the resource server: it is refused from now on."""
        self.revoked = token
        self.resource.revoked.add(token)

    @property
    def token_requests(self) -> int:
        return self.provider.token_requests

    def source(self) -> TokenSource:
        client = TokenClient(self.provider.profile(), POST_CLIENT.auth())
        return TokenSource(client, ClientCredentials(), store=self.store, key=KEY)

    def async_source(self) -> AsyncTokenSource:
        client = AsyncTokenClient(self.provider.profile(), POST_CLIENT.auth())
        return AsyncTokenSource(client, ClientCredentials(), store=self.store, key=KEY)


@contextlib.contextmanager
def harness(*, token_delay: float = 0.0) -> Iterator[Harness]:
    """A reference provider and a resource server that accepts the provider's latest token."""
    store = MemoryStore()
    with (
        ReferenceProvider("rfc6749", token_delay=token_delay) as provider,
        protected_resource(stored_access_token(store, KEY)) as resource,
    ):
        yield Harness(provider, store, resource)


def play(
    kind: Kind,
    h: Harness,
    phases: list[list[Body]],
    *,
    warm: Callable[[str], object] | None = None,
) -> Played:
    """Send each phase's requests at once (``POST`` to the resource), phase after phase."""
    if kind == "httpx-sync":
        return _play_httpx_sync(h, phases, warm)
    if kind == "requests":
        return _play_requests(h, phases, warm)
    backend = kind.removeprefix("httpx-")
    played: Played = anyio.run(_play_httpx_async, h, phases, warm, backend=backend)
    return played


def at_once(count: int, call: Callable[[int], T]) -> list[T | BaseException]:
    """Run ``call(i)`` for each ``i`` in its own thread, released together; each result or
    exception, in order (a thread that never finished gives a ``TimeoutError``)."""
    barrier = threading.Barrier(count)
    results: list[T | BaseException] = [TimeoutError("did not finish in time")] * count

    def work(index: int) -> None:
        try:
            barrier.wait(timeout=WAIT)
            results[index] = call(index)
        except BaseException as exc:
            results[index] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT)
    return results


def _each_at_once(send: Callable[[Body], Outcome], bodies: list[Body]) -> list[Outcome]:
    return [_unwrap(result) for result in at_once(len(bodies), lambda i: send(bodies[i]))]


def _unwrap(result: T | BaseException | None) -> T:
    if isinstance(result, BaseException):
        raise result
    assert result is not None, "a request did not finish in time"
    return result


def _play_httpx_sync(
    h: Harness, phases: list[list[Body]], warm: Callable[[str], object] | None
) -> Played:
    source = h.source()
    if warm is not None:
        warm(source.access_token())
    auth = tw_httpx.TokenAuth(source)
    limits = httpx.Limits(max_connections=256)
    with httpx.Client(auth=auth, timeout=WAIT, limits=limits) as client:

        def send(body: Body) -> Outcome:
            content: Any = {"none": None, "bytes": b"".join(PAYLOAD), "stream": iter(PAYLOAD)}[body]
            response = client.post(h.resource.url(), content=content)
            return Outcome(response.status_code, tuple(r.status_code for r in response.history))

        outcomes = [_each_at_once(send, phase) for phase in phases]
    source.client.close()
    return Played(outcomes, repr(auth))


def _play_requests(
    h: Harness, phases: list[list[Body]], warm: Callable[[str], object] | None
) -> Played:
    source = h.source()
    if warm is not None:
        warm(source.access_token())
    auth = tw_requests.TokenAuth(source)

    def send(body: Body) -> Outcome:
        data: Any = {"none": None, "bytes": b"".join(PAYLOAD), "stream": iter(PAYLOAD)}[body]
        with requests.Session() as session:
            response = session.post(h.resource.url(), data=data, auth=auth, timeout=WAIT)
        return Outcome(response.status_code, tuple(r.status_code for r in response.history))

    outcomes = [_each_at_once(send, phase) for phase in phases]
    source.client.close()
    return Played(outcomes, repr(auth))


async def _stream() -> AsyncIterator[bytes]:
    for part in PAYLOAD:
        yield part


async def _play_httpx_async(
    h: Harness, phases: list[list[Body]], warm: Callable[[str], object] | None
) -> Played:
    source = h.async_source()
    if warm is not None:
        warm(await source.access_token())
    auth = tw_httpx.TokenAuth(source)
    limits = httpx.Limits(max_connections=256)
    outcomes = []
    async with httpx.AsyncClient(auth=auth, timeout=WAIT, limits=limits) as client:

        async def send(body: Body, into: list[Outcome | None], index: int) -> None:
            content: Any = {"none": None, "bytes": b"".join(PAYLOAD), "stream": _stream()}[body]
            response = await client.post(h.resource.url(), content=content)
            history = tuple(r.status_code for r in response.history)
            into[index] = Outcome(response.status_code, history)

        for phase in phases:
            results: list[Outcome | None] = [None] * len(phase)
            with anyio.fail_after(WAIT):
                async with anyio.create_task_group() as tasks:
                    for index, body in enumerate(phase):
                        tasks.start_soon(send, body, results, index)
            outcomes.append([_unwrap(result) for result in results])
        await source.client.aclose()
    return Played(outcomes, repr(auth))
