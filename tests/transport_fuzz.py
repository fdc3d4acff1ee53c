"""Hostile token responses on the wire, for the per-transport fuzz test (issue 9, acceptance).

:func:`wire_responses` turns the seeded bodies of :mod:`tests.core.fuzz_bodies` into raw HTTP
answers, most well framed (``Content-Length`` or chunked) and some not: a body cut short, extra
bytes after it, conflicting or negative lengths, an unknown ``Transfer-Encoding``, ``HTTP/9.9``,
a NUL in a header, an interim ``103`` first. :class:`tests.raw_server.RawServer` plays them in
order over keep-alive, one per request, whatever connection it arrives on.

:func:`run_sync` / :func:`run_async` send one refresh per answer through a token client (one
attempt each, so no back-off sleeps) and check every outcome as it comes: a ``Token`` or a
``TokenwireError`` showing none of the secrets. Any other exception fails the test.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from urllib.parse import quote_plus

from tests.core.fuzz_bodies import ISSUED, KNOWN, BodyMaker
from tests.error_chain import shown
from tests.raw_server import Answer, Received
from tokenwire.adapters.client import AsyncTokenClient, TokenClient
from tokenwire.adapters.transport import AsyncTransport, Transport
from tokenwire.core import ClientAuth, Profile, RefreshToken, RetryPolicy, Token, TokenwireError

ONE_TRY = RetryPolicy(max_attempts=1)


def _forms(value: str) -> set[str]:
    return {value, quote_plus(value), json.dumps(value)[1:-1]}


#: One (client secret, refresh token) pair per request, taken in turn: what the request carries.
CARRIED = [(KNOWN[n], KNOWN[(n + 1) % len(KNOWN)]) for n in range(len(KNOWN))]
#: What the server issues: never shown whatever request it answers.
ISSUED_FORMS = set().union(*(_forms(v) for v in ISSUED))


_LARGEST = 16 * 1024


def _head(status_line: str, headers: Sequence[tuple[str, str]]) -> bytes:
    lines = [status_line] + [f"{name}: {value}" for name, value in headers]
    return "\r\n".join(lines).encode("utf-8", "surrogateescape") + b"\r\n\r\n"


def wire_responses(count: int, seed: int) -> list[Answer]:
    """``count`` raw answers, the same for the same seed."""
    maker = BodyMaker(seed)
    rng = random.Random(seed + 1)
    out = []
    for _ in range(count):
        made = maker.make()
        # Nesting 50,000 deep is the parser's test (tests/core); here it would only be bulk.
        while len(made.body) > _LARGEST:
            made = maker.make()
        status, body = made.status, made.body
        headers = list(made.headers)
        if rng.random() < 0.05:  # a good answer now and then: keep-alive after success
            status, body = (
                200,
                json.dumps(
                    {"access_token": ISSUED[0], "token_type": "Bearer", "refresh_token": ISSUED[1]}
                ).encode(),
            )
            headers = [("Content-Type", "application/json")]
        line = f"HTTP/1.1 {status} X"
        close = False
        roll = rng.random()
        if roll < 0.80:
            data = _head(line, [*headers, ("Content-Length", str(len(body)))]) + body
        elif roll < 0.85:  # chunked, in two chunks
            cut = len(body) // 2
            chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (body[:cut], body[cut:]) if c)
            data = _head(line, [*headers, ("Transfer-Encoding", "chunked")]) + chunks + b"0\r\n\r\n"
        elif roll < 0.87:  # an interim answer first
            hints = b"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n"
            data = hints + _head(line, [*headers, ("Content-Length", str(len(body)))]) + body
        elif roll < 0.89:  # bytes left after the answer
            data = _head(line, [*headers, ("Content-Length", str(len(body)))]) + body + b"\r\n"
        else:  # broken framing: the server hangs up after it
            close = True
            broken = rng.randrange(6)
            length = [("Content-Length", str(len(body)))]
            if broken == 0:  # cut short
                length = [("Content-Length", str(len(body) + 10))]
            elif broken == 1:
                length += [("Content-Length", str(len(body) + 1))]
            elif broken == 2:
                length = [("Content-Length", "-1")]
            elif broken == 3:
                length = [("Transfer-Encoding", "gzip")]
            elif broken == 4:
                line = f"HTTP/9.9 {status} X"
            else:
                length += [("X-Odd", "a\x00b")]
            data = _head(line, [*headers, *length]) + body
        out.append(Answer(data, close))
    return out


class Player:
    """The server side: answers the ``n``-th request with the ``n``-th answer."""

    def __init__(self, answers: list[Answer]) -> None:
        self.answers = answers

    def __call__(self, received: Received) -> Answer:
        return self.answers[received.index]


def _clients_args(profile: Profile) -> list[tuple[Profile, ClientAuth, str]]:
    return [
        (profile, ClientAuth("tw-fuzz", secret, method="client_secret_post"), refresh)
        for secret, refresh in CARRIED
    ]


def check(outcome: object, carried: tuple[str, str], kinds: dict[str, int]) -> None:
    """A Token, or a TokenwireError showing no secret; count it by type."""
    kinds[type(outcome).__name__] = kinds.get(type(outcome).__name__, 0) + 1
    if isinstance(outcome, Token):
        return
    assert isinstance(outcome, TokenwireError), outcome
    secrets = _forms(carried[0]) | _forms(carried[1])
    text = shown(outcome, attributes=False)
    leaked = [s for s in secrets | ISSUED_FORMS if s in text]
    attributes = shown(outcome, attributes=True)
    leaked += [s for s in secrets if s in attributes]
    assert not leaked, (leaked, text)


def run_sync(transport: Transport, profile: Profile, count: int) -> dict[str, int]:
    """Send ``count`` refreshes through ``transport``; the outcomes counted by type."""
    clients = [
        (TokenClient(p, auth, transport, retry=ONE_TRY), (auth.client_secret or "", refresh))
        for p, auth, refresh in _clients_args(profile)
    ]
    kinds: dict[str, int] = {}
    for n in range(count):
        client, carried = clients[n % len(clients)]
        try:
            outcome: object = client.request(RefreshToken(carried[1]))
        except TokenwireError as error:
            outcome = error
        check(outcome, carried, kinds)
    return kinds


async def run_async(transport: AsyncTransport, profile: Profile, count: int) -> dict[str, int]:
    """The async twin of :func:`run_sync`."""
    clients = [
        (AsyncTokenClient(p, auth, transport, retry=ONE_TRY), (auth.client_secret or "", refresh))
        for p, auth, refresh in _clients_args(profile)
    ]
    kinds: dict[str, int] = {}
    for n in range(count):
        client, carried = clients[n % len(clients)]
        try:
            outcome: object = await client.request(RefreshToken(carried[1]))
        except TokenwireError as error:
            outcome = error
        check(outcome, carried, kinds)
    return kinds
