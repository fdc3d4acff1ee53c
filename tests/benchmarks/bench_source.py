"""Token source benchmark: the hot path, a valid cached token handed out, side by side with authlib.

Run by hand, on a quiet machine, from the repository root:
``uv run python -m tests.benchmarks.bench_source``.

What a caller does before every API request is ask for the access token; while the cached token
is valid, that must cost next to nothing. Contenders, each on a token valid for an hour, built
once and asked for the token in the timed call:

* tokenwire: ``TokenSource.access_token()`` over an explicit ``MemoryStore`` (a clock read, a
  comparison, an attribute);
* authlib: ``OAuth2Session.ensure_active_token(token)`` (the check its requests integration runs
  before every request) followed by ``session.token["access_token"]``, which is the closest
  equivalent of "give me a valid access token".

Reference rows (not checked) show the parts and the async twins: ``TokenSource.token()``, authlib's
check alone, ``time.time()`` alone, and ``AsyncTokenSource.access_token()`` against authlib's
``AsyncOAuth2Client.ensure_active_token(token)`` (which takes an anyio lock on every call), both
awaited in a running asyncio loop. The script prints a markdown table and the acceptance check of
issue 4 (tokenwire under 1 µs per call) and exits 1 if it fails.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, cast

from authlib.integrations.requests_client import OAuth2Session

from tests.benchmarks.bench_core import Call, Timing, machine, measure
from tokenwire.adapters.httpcore import AsyncTokenClient, TokenClient
from tokenwire.adapters.profiles import generic
from tokenwire.adapters.source import AsyncTokenSource, TokenSource
from tokenwire.adapters.stores import MemoryStore
from tokenwire.core import ClientAuth, ClientCredentials, Token

with warnings.catch_warnings():  # authlib warns that its httpx integration is deprecated
    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import AsyncOAuth2Client

#: Acceptance (issue 4): ``access_token()`` on a valid cached token costs less than this.
TARGET_US = 1.0

TOKENWIRE = "tokenwire TokenSource.access_token()"
AUTHLIB = 'authlib OAuth2Session.ensure_active_token(token) + token["access_token"]'

#: Nothing listens here: no contender may send a request (checked after timing).
TOKEN_URL = "http://127.0.0.1:9/token"
ACCESS_TOKEN = "AT-bench-0123456789abcdefghijklmnopqrstuvwxyz"
LIFETIME = 3600


def fresh_token() -> Token:
    now = time.time()
    return Token(
        access_token=ACCESS_TOKEN,
        token_type="Bearer",
        expires_in=LIFETIME,
        refresh_token="RT-bench-0123456789",
        expires_at=now + LIFETIME,
        received_at=now,
    )


def authlib_token() -> dict[str, Any]:
    """The same token as authlib keeps it; ``expires_at`` an int, as ``is_expired`` requires."""
    return {
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
        "expires_in": LIFETIME,
        "refresh_token": "RT-bench-0123456789",
        "expires_at": int(time.time()) + LIFETIME,
    }


def sync_calls() -> dict[str, Callable[[], object]]:
    client = TokenClient(generic(TOKEN_URL), ClientAuth("bench-client", "bench-secret"))
    source = TokenSource(
        client, ClientCredentials(), token=fresh_token(), store=MemoryStore(), key="bench"
    )
    source.access_token()  # the first call reads the store; the hot path is every later one
    session = OAuth2Session(
        "bench-client", "bench-secret", token=authlib_token(), token_endpoint=TOKEN_URL
    )
    ensure = session.ensure_active_token

    def authlib_access_token() -> object:
        ensure(session.token)
        return session.token["access_token"]

    def authlib_check_only() -> object:
        return ensure(session.token)

    return {
        TOKENWIRE: source.access_token,
        AUTHLIB: authlib_access_token,
        "*tokenwire TokenSource.token()* (reference)": source.token,
        "*authlib ensure_active_token(token) alone* (reference)": authlib_check_only,
        "*time.time() alone* (reference)": time.time,
    }


def check_calls(calls: dict[str, Callable[[], object]]) -> list[str]:
    """Each contender must hand out the access token (the check-only rows are exempt)."""
    problems = []
    for name in (TOKENWIRE, AUTHLIB):
        if calls[name]() != ACCESS_TOKEN:
            problems.append(f"{name}: did not return the cached access token")
    return problems


async def async_timings(repeats: int, per_round: int) -> list[Timing]:
    """The async twins, awaited ``per_round`` times per round in one loop, rounds interleaved."""
    client = AsyncTokenClient(generic(TOKEN_URL), ClientAuth("bench-client", "bench-secret"))
    source = AsyncTokenSource(
        client, ClientCredentials(), token=fresh_token(), store=MemoryStore(), key="bench"
    )
    assert await source.access_token() == ACCESS_TOKEN
    authlib = AsyncOAuth2Client(
        "bench-client", "bench-secret", token=authlib_token(), token_endpoint=TOKEN_URL
    )

    async def authlib_access_token() -> object:
        await authlib.ensure_active_token(authlib.token)
        return authlib.token["access_token"]

    assert await authlib_access_token() == ACCESS_TOKEN
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "*tokenwire AsyncTokenSource.access_token()* (reference)": source.access_token,
        "*authlib AsyncOAuth2Client.ensure_active_token(token) + token[...]* (reference)": (
            authlib_access_token
        ),
    }
    samples: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    for round_ in range(repeats):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            call = calls[name]
            started = time.perf_counter()
            for _ in range(per_round):
                await call()
            samples[name].append((time.perf_counter() - started) / per_round * 1e6)
    await authlib.aclose()
    return [Timing(name, samples[name]) for name in names]


def report(timings: list[Timing], *, repeats: int, seconds: float) -> tuple[list[str], bool]:
    by_name = {t.name: t for t in timings}
    ours = by_name[TOKENWIRE].median
    lines = [
        "| contender | µs/call (median) | µs/call (best) | ratio vs tokenwire |",
        "|---|---:|---:|---:|",
    ]
    for t in timings:
        lines.append(f"| {t.name} | {t.median:.3f} | {t.best:.3f} | {t.median / ours:.1f}x |")
    lines += [
        "",
        f"Per-call times: median and best of {repeats} interleaved rounds (sync rows: a timeit "
        f"loop of ~{seconds:g} s each; async rows: a loop of awaits in one running asyncio loop). "
        "The ratio is of medians; the check uses the median.",
        "",
    ]
    passed = ours < TARGET_US
    lines.append(
        f"- {'PASS' if passed else 'FAIL'}: TokenSource.access_token() takes {ours:.3f} µs on a "
        f"valid cached token (target: under {TARGET_US:g} µs); authlib's equivalent is "
        f"{by_name[AUTHLIB].median / ours:.1f}x slower"
    )
    return lines, passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tokenwire token source benchmark (issue 4)")
    parser.add_argument("--repeats", type=int, default=50, help="interleaved rounds (default 50)")
    parser.add_argument(
        "--seconds", type=float, default=0.02, help="length of one timed loop (default 0.02)"
    )
    parser.add_argument(
        "--awaits", type=int, default=20000, help="awaits per async round (default 20000)"
    )
    args = parser.parse_args(argv)

    calls = sync_calls()
    problems = check_calls(calls)
    if problems:
        print("contenders disagree, nothing timed:", *problems, sep="\n  ", file=sys.stderr)
        return 2
    header = machine()
    timings = measure(cast(dict[str, Call], calls), repeats=args.repeats, seconds=args.seconds)
    timings += asyncio.run(async_timings(args.repeats, args.awaits))
    if problems := check_calls(calls):  # still cached: nothing was refreshed while timing
        print(*problems, sep="\n", file=sys.stderr)
        return 2
    lines, ok = report(timings, repeats=args.repeats, seconds=args.seconds)
    print(f"Token source benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print()
    print(*(f"- {line}" for line in header), sep="\n")
    print()
    print(*lines, sep="\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
