"""Operability benchmark (issue 12): CLI start-up, the hot path with telemetry, the deadline's cost.

Run by hand, on a quiet machine, from the repository root (needs nginx):
``uv run python -m tests.benchmarks.bench_ops``.

Four measurements, each printed as a markdown table with its acceptance check:

1. **Start-up**, whole processes, paired: each round runs ``python -c pass``,
   ``python -c 'import tokenwire.core'``, ``tokenwire token --help`` and ``tokenwire token``
   against nginx (answering the seed refresh vector's body) in a rotating order; medians over
   the rounds. Check: ``--help`` at most 4x ``python -c pass``.
2. **The cached hot path** ``TokenSource.access_token()`` with logging configured at INFO (a
   handler on the root logger) and one trace callback, next to the same source without either.
   Check: under 0.2 µs.
3. **The deadline's cost** end to end: sequential token requests over keep-alive to nginx with
   tokenwire's sync ``TokenClient`` (httpcore), with and without ``deadline=30``, interleaved;
   reported as the median of the rounds' paired differences, next to the noise between two
   rounds of the same client. The same requests over an in-memory transport (no I/O) show the
   deadline's own CPU cost, which the loopback figure cannot resolve on a shared machine.
4. **A stalled server**: one request with ``deadline=3``, 3 attempts and a 1 s read timeout
   against the replay server's stall action, through every built-in transport (sync and async):
   how long until it ended with ``TransportTimeout``. Check: at or after 3.0 s and under 5 s.
"""

from __future__ import annotations

import argparse
import io
import itertools
import logging
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

from tests.benchmarks.bench_core import Call, Timing, load_case, machine, measure
from tests.benchmarks.bench_http import NginxMissing, nginx_server, seed_content_type
from tests.benchmarks.bench_source import ACCESS_TOKEN, TOKEN_URL, fresh_token
from tests.stall_harness import stalled_request
from tokenwire.adapters.httpcore import TokenClient
from tokenwire.adapters.profiles import generic
from tokenwire.adapters.source import TokenSource
from tokenwire.adapters.stores import MemoryStore
from tokenwire.adapters.transport import BUILTIN_TRANSPORTS
from tokenwire.conformance.replay import ReplayServer
from tokenwire.core import (
    ClientAuth,
    ClientCredentials,
    HttpRequest,
    HttpResponse,
    TransportTimeout,
)

#: Acceptance: ``tokenwire token --help`` takes at most this many times ``python -c pass``.
MAX_HELP_RATIO = 4.0
#: Acceptance: the hot path with logging at INFO and one trace callback, in µs.
MAX_HOT_PATH_US = 0.2
#: The stalled-server request must end in this window (seconds).
STALL_DEADLINE = 3.0
STALL_CEILING = 5.0

CLIENT = ClientAuth("bench-client", "bench-secret")


def tokenwire_command() -> str:
    """The ``tokenwire`` console script next to this interpreter."""
    found = Path(sys.executable).with_name("tokenwire")
    if found.exists():
        return str(found)
    which = shutil.which("tokenwire")
    if which is None:
        raise SystemExit("the tokenwire command is not installed (uv sync)")
    return which


def startup_commands(token_url: str) -> dict[str, list[str]]:
    """The commands of the start-up table, by row name."""
    cli = tokenwire_command()
    return {
        "`python -c pass`": [sys.executable, "-c", "pass"],
        "`python -c 'import tokenwire.core'`": [sys.executable, "-c", "import tokenwire.core"],
        "`tokenwire token --help`": [cli, "token", "--help"],
        "`tokenwire token` (nginx, httpcore)": [
            cli, "token", "--token-url", token_url, "--client-id", "bench-client",
        ],
    }  # fmt: skip


def wall(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=60, env=env)
    return time.perf_counter() - started


def startup(token_url: str, rounds: int) -> tuple[list[str], bool]:
    """Paired whole-process runs, order rotated per round; the table and the --help check."""
    commands = startup_commands(token_url)
    env = {**os.environ, "TOKENWIRE_CLIENT_SECRET": "bench-secret"}
    for command in commands.values():  # bytecode caches written before anything is timed
        wall(command, env)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(wall(commands[name], env))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    bare = medians[names[0]]
    lines = ["| command | ms, whole process (median) | x `python -c pass` |", "|---|---:|---:|"]
    lines += [f"| {n} | {m * 1e3:.1f} | {m / bare:.2f} |" for n, m in medians.items()]
    ratio = medians[names[2]] / bare
    ok = ratio <= MAX_HELP_RATIO
    lines += [
        "",
        f"{rounds} paired rounds, order rotated each round.",
        "",
        f"- {'PASS' if ok else 'FAIL'}: `tokenwire token --help` takes {ratio:.2f}x "
        f"`python -c pass` (target: at most {MAX_HELP_RATIO:g}x)",
    ]
    return lines, ok


def hot_path(repeats: int, seconds: float) -> tuple[list[str], bool]:
    """``access_token()`` on a cached token: plain, and with INFO logging and a trace callback."""
    client = TokenClient(generic(TOKEN_URL), CLIENT)
    plain = TokenSource(
        client, ClientCredentials(), token=fresh_token(), store=MemoryStore(), key="a"
    )
    events: list[object] = []
    observed = TokenSource(
        client,
        ClientCredentials(),
        token=fresh_token(),
        store=MemoryStore(),
        key="b",
        trace=events.append,
    )
    root = logging.getLogger()
    handler = logging.StreamHandler(io.StringIO())
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    try:
        assert plain.access_token() == ACCESS_TOKEN
        assert observed.access_token() == ACCESS_TOKEN
        before = len(events)
        calls: dict[str, Callable[[], object]] = {
            "`access_token()`, logging at INFO + one trace callback": observed.access_token,
            "`access_token()`, no logging configured, no callback": plain.access_token,
        }
        timings = measure(cast("dict[str, Call]", calls), repeats=repeats, seconds=seconds)
        assert len(events) == before, "the hot path reported an event"
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    lines = ["| call | µs per call (median) | best |", "|---|---:|---:|"]
    lines += [f"| {t.name} | {t.median:.3f} | {t.best:.3f} |" for t in timings]
    lines += ["", f"{repeats} interleaved rounds of timeit loops of about {seconds * 1e3:g} ms."]
    observed_us = timings[0].median
    ok = observed_us < MAX_HOT_PATH_US
    lines += [
        "",
        f"- {'PASS' if ok else 'FAIL'}: with INFO logging and a trace callback the hot path takes "
        f"{observed_us:.3f} µs (target: under {MAX_HOT_PATH_US:g} µs)",
    ]
    return lines, ok


def deadline_cost(token_url: str, rounds: int, requests: int) -> list[str]:
    """Sequential requests to nginx with and without a deadline, interleaved by round."""
    profile = generic(token_url)
    clients = {
        "`TokenClient` (httpcore), no deadline": TokenClient(profile, CLIENT),
        "`TokenClient` (httpcore), `deadline=30`": TokenClient(profile, CLIENT, deadline=30.0),
    }
    grant = ClientCredentials()
    for client in clients.values():
        for _ in range(50):
            client.request(grant)
    samples: dict[str, list[float]] = {name: [] for name in clients}
    names = list(clients)
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            request = clients[name].request
            started = time.perf_counter()
            for _ in range(requests):
                request(grant)
            samples[name].append((time.perf_counter() - started) / requests * 1e6)
    for client in clients.values():
        client.close()
    timings = [Timing(name, samples[name]) for name in names]
    lines = ["| client | µs per request (median) | best |", "|---|---:|---:|"]
    lines += [f"| {t.name} | {t.median:.1f} | {t.best:.1f} |" for t in timings]
    plain, bounded = timings
    # Each round measures both back to back: the median of the rounds' differences is less
    # sensitive to load that comes and goes than the difference of the medians.
    before, after = plain.per_call_us, bounded.per_call_us
    paired = statistics.median(b - p for p, b in zip(before, after, strict=True))
    spread = statistics.median(abs(b - a) for a, b in itertools.pairwise(before))
    lines += [
        "",
        f"{rounds} rounds of {requests} sequential requests over one keep-alive connection.",
        "",
        f"- the deadline costs {paired:+.1f} µs per request ({paired / plain.median:+.1%}), the "
        f"median of the rounds' paired differences; two rounds of the same client differ by "
        f"{spread:.1f} µs (median), the noise floor of this figure",
    ]
    return lines


class Canned:
    """A transport that answers every request with the same response, at once (no I/O)."""

    def __init__(self, response: HttpResponse) -> None:
        self.response = response

    def send(self, request: HttpRequest) -> HttpResponse:
        return self.response


def deadline_cpu(repeats: int, seconds: float) -> tuple[list[str], float]:
    """The deadline's own cost: a whole request driven over :class:`Canned`, with and without."""
    case = load_case()
    canned = Canned(HttpResponse(status=200, headers=case.headers, body=case.body))
    profile = generic(TOKEN_URL)
    plain = TokenClient(profile, CLIENT, canned)
    bounded = TokenClient(profile, CLIENT, canned, deadline=30.0)
    grant = ClientCredentials()
    calls: dict[str, Callable[[], object]] = {
        "`request()` over an in-memory transport, no deadline": lambda: plain.request(grant),
        "`request()` over an in-memory transport, `deadline=30`": lambda: bounded.request(grant),
    }
    timings = measure(cast("dict[str, Call]", calls), repeats=repeats, seconds=seconds)
    lines = ["| call | µs per request (median) | best |", "|---|---:|---:|"]
    lines += [f"| {t.name} | {t.median:.2f} | {t.best:.2f} |" for t in timings]
    cost = timings[1].best - timings[0].best
    lines += [
        "",
        f"- without I/O the deadline costs {cost:+.2f} µs per request (best of {repeats} rounds): "
        "a monotonic read per attempt and a copy of the request carrying its timeout",
    ]
    return lines, cost


def stalled(runs: int) -> tuple[list[str], bool]:
    """How long a request with ``deadline=3`` takes against a stalled server, per transport."""
    lines = [
        "| transport | s until `TransportTimeout` (median) | max | attempts the server saw |",
        "|---|---:|---:|---:|",
    ]
    ok = True
    with ReplayServer() as server:
        for entry in BUILTIN_TRANSPORTS:
            if not entry.available:
                lines.append(f"| {entry.name} | not installed | | |")
                continue
            seconds, seen = [], []
            for _ in range(runs):
                result = stalled_request(
                    entry, server, deadline=STALL_DEADLINE, read_timeout=1.0, attempts=3
                )
                if not isinstance(result.outcome, TransportTimeout):
                    ok = False
                seconds.append(result.seconds)
                seen.append(result.requests_seen)
            ok = ok and all(STALL_DEADLINE <= s < STALL_CEILING for s in seconds)
            lines.append(
                f"| {entry.name} | {statistics.median(seconds):.3f} | {max(seconds):.3f} "
                f"| {', '.join(map(str, sorted(set(seen))))} |"
            )
    lines += [
        "",
        f"- {'PASS' if ok else 'FAIL'}: every transport ended with `TransportTimeout` at or after "
        f"{STALL_DEADLINE:g} s and under {STALL_CEILING:g} s ({runs} runs each)",
    ]
    return lines, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tokenwire operability benchmark (issue 12)")
    parser.add_argument("--rounds", type=int, default=21, help="start-up rounds (default 21)")
    parser.add_argument("--repeats", type=int, default=30, help="hot-path rounds (default 30)")
    parser.add_argument("--http-rounds", type=int, default=60, help="e2e rounds (default 60)")
    parser.add_argument("--requests", type=int, default=100, help="e2e requests per round")
    parser.add_argument("--stall-runs", type=int, default=3, help="stalled requests per transport")
    args = parser.parse_args(argv)
    case = load_case()
    ok = True
    sections: list[tuple[str, list[str]]] = []
    try:
        with nginx_server(case.body, seed_content_type(case)) as nginx:
            token_url = f"{nginx.base_url}/token"
            lines, passed = startup(token_url, args.rounds)
            sections.append(("Start-up", lines))
            ok = ok and passed
            sections.append(
                ("The deadline's cost", deadline_cost(token_url, args.http_rounds, args.requests))
            )
    except NginxMissing as exc:
        print(f"cannot run the operability benchmark: {exc}", file=sys.stderr)
        return 2
    lines, _ = deadline_cpu(args.repeats, 0.02)
    sections.append(("The deadline's cost without I/O", lines))
    lines, passed = hot_path(args.repeats, 0.02)
    sections.append(("The cached hot path with telemetry", lines))
    ok = ok and passed
    lines, passed = stalled(args.stall_runs)
    sections.append(("A stalled server, `deadline=3`", lines))
    ok = ok and passed
    print(f"Operability benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print()
    print(*(f"- {line}" for line in machine()), sep="\n")
    for title, body in sections:
        print()
        print(f"### {title}")
        print()
        print(*body, sep="\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
