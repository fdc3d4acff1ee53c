"""Transport benchmark: sequential token requests over one keep-alive loopback connection.

Run by hand, on a quiet machine, from the repository root (needs nginx: ``apt-get install nginx``):
``uv run python -m tests.benchmarks.bench_http``.

What a token client adds on top of HTTP is the question here, so the server must cost next to
nothing and be the same for everyone: nginx on 127.0.0.1, started by this script from a generated
config, answers every POST with the seed refresh sample (vector
``tencent-ciam-refresh-success-002``: status 200, ``application/json;charset=UTF-8``, the 1.6 kB
body). Each contender keeps one client (and so one keep-alive connection) for the whole run and
refreshes the seed's refresh token over and over with ``client_secret_post``:

* the floors: ``httpcore.ConnectionPool().request("POST", ...)`` with the wire request tokenwire
  would send, built once, and a typed msgspec decode of the body; the same on
  ``httpcore.AsyncConnectionPool`` on asyncio;
* tokenwire: ``TokenClient(...).refresh(rt)`` and ``AsyncTokenClient(...).refresh(rt)`` from
  :mod:`tokenwire.adapters.httpcore`;
* authlib: ``OAuth2Session`` (requests) and ``AsyncOAuth2Client`` (httpx, on asyncio),
  ``.refresh_token(url, refresh_token=...)``;
* requests-oauthlib: ``OAuth2Session.refresh_token(url, refresh_token=..., client_id=...,
  client_secret=...)``.

Before timing, every contender sends a few requests to the conformance replay server armed with
the vector, which checks each request (method, path, content type, form fields, no Authorization
header), and must end with the seed's access token; then it must get the same token from nginx.
Timing runs rounds: in each, every contender makes ``--requests`` sequential requests, in an order
rotated every round, so that noise from elsewhere falls on all of them alike. nginx's
``stub_status`` counters are read around each batch, to show how many connections each contender
opened while timed (keep-alive: none) and that every request reached the server.

The script prints a markdown table and the acceptance checks of issue 3 (tokenwire sync at least
90% of the sync floor's requests/s and 2.5x authlib's ``OAuth2Session``; async at least 90% of the
async floor and 1.5x ``AsyncOAuth2Client``), and exits 1 if a check fails, 2 if nginx is missing
or a contender does not do the job.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpcore
import msgspec
import requests_oauthlib
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession

from tests.benchmarks.bench_core import Case, PlainToken, Timing, load_case, machine
from tests.peers import stop_process
from tokenwire.adapters import httpcore as tokenwire_httpcore
from tokenwire.conformance.loopback import free_port, wait_for_port
from tokenwire.conformance.replay import ReplayServer, ScriptedReply
from tokenwire.core import ClientAuth, RefreshToken, prepare_token_request

with warnings.catch_warnings():  # authlib warns that its httpx integration is deprecated
    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import AsyncOAuth2Client

#: oauthlib (under requests-oauthlib) refuses http:// token URLs unless this is set to 1. Every URL
#: here is 127.0.0.1; :func:`main` sets it for its own process (tests set it with monkeypatch).
INSECURE_TRANSPORT_ENV = "OAUTHLIB_INSECURE_TRANSPORT"

#: Acceptance (issue 3): tokenwire's share of its floor's requests/s, sync and async...
MIN_FLOOR_SHARE = 0.90
#: ...and its speed-up over authlib's sync and async clients.
MIN_SPEEDUP_SYNC = 2.5
MIN_SPEEDUP_ASYNC = 1.5

SYNC_FLOOR = "httpcore sync floor"
TOKENWIRE_SYNC = "tokenwire TokenClient"
AUTHLIB_SYNC = "authlib OAuth2Session"
REQUESTS_OAUTHLIB = "requests-oauthlib OAuth2Session"
ASYNC_FLOOR = "httpcore async floor"
TOKENWIRE_ASYNC = "tokenwire AsyncTokenClient"
AUTHLIB_ASYNC = "authlib AsyncOAuth2Client"

#: One token request: returns the access token it got.
SyncCall = Callable[[], str]
AsyncCall = Callable[[], Awaitable[str]]


@dataclass(frozen=True)
class SyncClient:
    """A contender built once, against one server: ``call`` is one refresh."""

    call: SyncCall
    close: Callable[[], object]


@dataclass(frozen=True)
class AsyncClient:
    """The async twin of :class:`SyncClient`; built, used and closed in one event loop."""

    call: AsyncCall
    close: Callable[[], Awaitable[object]]


# --- contenders ----------------------------------------------------------------------------------
# Each maker takes the seed case and the server's base URL and returns a long-lived client, the way
# an application would hold one. The floors send exactly the request tokenwire sends (same headers,
# same body), built once, and decode into a plain struct without checking anything.


def _wire_request(case: Case, base: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """The URL, headers and body tokenwire sends for the seed refresh, for the floors to replay."""
    request = prepare_token_request(
        case.vector.build_profile(base),
        ClientAuth(case.client_id, case.client_secret),
        RefreshToken(case.refresh_token),
    )
    return request.url, list(request.headers), request.body


def sync_floor(case: Case, base: str) -> SyncClient:
    token_url, headers, body = _wire_request(case, base)
    pool = httpcore.ConnectionPool()
    decode = msgspec.json.Decoder(PlainToken).decode

    def call() -> str:
        response = pool.request("POST", token_url, headers=headers, content=body)
        return decode(response.content).access_token

    return SyncClient(call, pool.close)


async def async_floor(case: Case, base: str) -> AsyncClient:
    token_url, headers, body = _wire_request(case, base)
    pool = httpcore.AsyncConnectionPool()
    decode = msgspec.json.Decoder(PlainToken).decode

    async def call() -> str:
        response = await pool.request("POST", token_url, headers=headers, content=body)
        return decode(response.content).access_token

    return AsyncClient(call, pool.aclose)


def tokenwire_sync(case: Case, base: str) -> SyncClient:
    client = tokenwire_httpcore.TokenClient(
        case.vector.build_profile(base), ClientAuth(case.client_id, case.client_secret)
    )
    refresh, refresh_token = client.refresh, case.refresh_token

    def call() -> str:
        return refresh(refresh_token).access_token

    return SyncClient(call, client.close)


async def tokenwire_async(case: Case, base: str) -> AsyncClient:
    client = tokenwire_httpcore.AsyncTokenClient(
        case.vector.build_profile(base), ClientAuth(case.client_id, case.client_secret)
    )
    refresh, refresh_token = client.refresh, case.refresh_token

    async def call() -> str:
        return (await refresh(refresh_token)).access_token

    return AsyncClient(call, client.aclose)


def authlib_sync(case: Case, base: str) -> SyncClient:
    token_url = token_endpoint(case, base)
    session = AuthlibSession(
        case.client_id, case.client_secret, token_endpoint_auth_method="client_secret_post"
    )
    refresh_token = case.refresh_token

    def call() -> str:
        token = session.refresh_token(token_url, refresh_token=refresh_token)
        return str(token["access_token"])

    return SyncClient(call, session.close)


async def authlib_async(case: Case, base: str) -> AsyncClient:
    token_url = token_endpoint(case, base)
    client = AsyncOAuth2Client(
        case.client_id, case.client_secret, token_endpoint_auth_method="client_secret_post"
    )
    refresh_token = case.refresh_token

    async def call() -> str:
        token = await client.refresh_token(token_url, refresh_token=refresh_token)
        return str(token["access_token"])

    return AsyncClient(call, client.aclose)


def requests_oauthlib_sync(case: Case, base: str) -> SyncClient:
    token_url = token_endpoint(case, base)
    session = requests_oauthlib.OAuth2Session(case.client_id)
    client_id, client_secret, refresh_token = case.client_id, case.client_secret, case.refresh_token

    def call() -> str:
        token = session.refresh_token(
            token_url, refresh_token=refresh_token, client_id=client_id, client_secret=client_secret
        )
        return str(token["access_token"])

    return SyncClient(call, session.close)


SYNC_MAKERS: dict[str, Callable[[Case, str], SyncClient]] = {
    SYNC_FLOOR: sync_floor,
    TOKENWIRE_SYNC: tokenwire_sync,
    AUTHLIB_SYNC: authlib_sync,
    REQUESTS_OAUTHLIB: requests_oauthlib_sync,
}
ASYNC_MAKERS: dict[str, Callable[[Case, str], Coroutine[Any, Any, AsyncClient]]] = {
    ASYNC_FLOOR: async_floor,
    TOKENWIRE_ASYNC: tokenwire_async,
    AUTHLIB_ASYNC: authlib_async,
}
CONTENDERS = (*SYNC_MAKERS, *ASYNC_MAKERS)


class Contenders:
    """Every contender built against one server, the async ones in ``runner``'s event loop.

    ``run(name, n)`` makes ``n`` sequential requests and returns the elapsed seconds and the last
    access token; sync and async contenders are driven alike, so the rounds can mix them.
    """

    def __init__(self, case: Case, base: str, runner: asyncio.Runner) -> None:
        self._runner = runner
        self.sync = {name: make(case, base) for name, make in SYNC_MAKERS.items()}
        self.async_ = {name: runner.run(make(case, base)) for name, make in ASYNC_MAKERS.items()}

    def run(self, name: str, n: int) -> tuple[float, str]:
        if name in self.sync:
            call = self.sync[name].call
            token = ""
            started = time.perf_counter()
            for _ in range(n):
                token = call()
            return time.perf_counter() - started, token
        return self._runner.run(_run_async(self.async_[name].call, n))

    def close(self) -> None:
        for client in self.sync.values():
            client.close()
        for aclient in self.async_.values():
            self._runner.run(_close_async(aclient))


async def _run_async(call: AsyncCall, n: int) -> tuple[float, str]:
    token = ""
    started = time.perf_counter()
    for _ in range(n):
        token = await call()
    return time.perf_counter() - started, token


async def _close_async(client: AsyncClient) -> None:
    await client.close()


@contextlib.contextmanager
def contenders(case: Case, base: str) -> Iterator[Contenders]:
    """Every contender against the server at ``base``, closed when the block ends."""
    with asyncio.Runner() as runner:
        built = Contenders(case, base, runner)
        try:
            yield built
        finally:
            built.close()


def check_requests(case: Case, requests: int = 3) -> list[str]:
    """Send ``requests`` refreshes per contender to the replay server armed with the seed vector.

    Returns what is wrong (empty if nothing): a request that differs from the vector's (method,
    path, content type, form fields, an Authorization header), a request that never arrived, or
    an access token other than the seed's. This is what makes the timed rows comparable: each does
    the same exchange, with the credentials in the same place.
    """
    problems = []
    # Every library names itself in User-Agent; the rest of the request must be the seed's.
    request = msgspec.structs.replace(case.vector.request, user_agent=None)
    comparable = msgspec.structs.replace(case.vector, request=request)
    with ReplayServer() as server, contenders(case, server.base_url) as built:
        for name in CONTENDERS:
            server.arm([ScriptedReply(response=case.vector.response)] * requests, comparable)
            try:
                _, token = built.run(name, requests)
            except Exception as exc:  # a contender that fails is reported, not a crash
                problems.append(f"{name}: {type(exc).__name__}")
                server.take()
                continue
            exchange = server.take()
            problems += [f"{name}: {problem}" for problem in exchange.problems]
            if exchange.requests != requests:
                problems.append(f"{name}: server saw {exchange.requests} of {requests} requests")
            if token != case.access_token:
                problems.append(f"{name}: did not end with the seed's access token")
    return problems


def seed_content_type(case: Case) -> str:
    return dict(case.headers)["Content-Type"]


def token_endpoint(case: Case, base: str) -> str:
    """The seed profile's token URL on the server at ``base``."""
    return case.vector.build_profile(base).token_url


# --- the server ---------------------------------------------------------------------------------


def nginx_escape(text: str) -> str:
    """``text`` as the inside of a single-quoted nginx string (nginx turns ``\\n`` into LF).

    ``$`` would start a variable in ``return``'s text, and nginx has no escape for it there.
    """
    if "$" in text:
        raise ValueError("nginx cannot return a literal '$' from a config string")
    return text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")


def nginx_config(prefix: Path, port: int, body: str, content_type: str) -> str:
    """A single-worker nginx that answers every request with ``body``, except ``/nginx_status``.

    Keep-alive is made effectively unlimited (requests and idle time), nothing is logged per
    request, and ``stub_status`` counts accepted connections and requests for the report.
    """
    return f"""\
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 128; }}
http {{
    access_log off;
    server_tokens off;
    keepalive_requests 100000000;
    keepalive_timeout 600s;
    client_body_temp_path {prefix}/client_body;
    types {{ }}
    server {{
        listen 127.0.0.1:{port};
        location = /nginx_status {{ stub_status; }}
        location / {{
            default_type "{content_type}";
            return 200 '{nginx_escape(body)}';
        }}
    }}
}}
"""


@dataclass
class Nginx:
    """A running nginx (see :func:`nginx_server`)."""

    port: int
    version: str

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def counters(self) -> tuple[int, int]:
        """nginx's accepted-connections and requests counters (this query counts as one of each)."""
        with urllib.request.urlopen(f"{self.base_url}/nginx_status", timeout=5.0) as response:
            text = response.read().decode("ascii")
        # "Active connections: 1 \nserver accepts handled requests\n 2 2 2 \n..."
        accepts, _handled, requests = text.splitlines()[2].split()
        return int(accepts), int(requests)

    def get(self, path: str = "/") -> tuple[int, str | None, bytes]:
        """One GET on a fresh connection: status, Content-Type and body."""
        with urllib.request.urlopen(f"{self.base_url}{path}", timeout=5.0) as response:
            return response.status, response.headers.get("Content-Type"), response.read()


class NginxMissing(RuntimeError):
    pass


@contextlib.contextmanager
def nginx_server(body: bytes, content_type: str, *, timeout: float = 15.0) -> Iterator[Nginx]:
    """Run nginx in the foreground on a free loopback port, answering every request with
    ``body``; stop it by PID when the block ends. Raises :class:`NginxMissing` without nginx."""
    executable = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if executable is None:
        raise NginxMissing("nginx not found (Debian: apt-get install -y nginx)")
    version = subprocess.run(
        [executable, "-v"], capture_output=True, text=True, timeout=timeout, check=False
    ).stderr.strip()
    with tempfile.TemporaryDirectory(prefix="tokenwire-nginx-") as tmp:
        prefix = Path(tmp)
        prefix.chmod(0o755)  # nginx's worker runs as an unprivileged user when started as root
        port = free_port()
        config = prefix / "nginx.conf"
        config.write_text(nginx_config(prefix, port, body.decode("utf-8"), content_type))
        error_log = str(prefix / "error.log")
        process = subprocess.Popen(
            [executable, "-c", str(config), "-p", str(prefix), "-e", error_log],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            try:
                wait_for_port(port, timeout=timeout)
            except TimeoutError:
                log = (prefix / "error.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"nginx did not start on port {port}:\n{log}") from None
            yield Nginx(port, version)
        finally:
            stop_process(process, timeout)  # SIGTERM to the master, which stops its worker


# --- timing -------------------------------------------------------------------------------------


@dataclass
class Traffic:
    """What nginx counted for one contender while it was timed."""

    connections: int = 0
    requests: int = 0


@dataclass
class Measurement:
    timings: list[Timing]
    traffic: dict[str, Traffic] = field(default_factory=dict)


def measure(
    built: Contenders,
    *,
    rounds: int,
    requests: int,
    counters: Callable[[], tuple[int, int]] | None = None,
) -> Measurement:
    """``rounds`` rounds of ``requests`` sequential requests per contender, order rotated each
    round. Samples are µs per request (a :class:`Timing`, as in the core benchmark). If
    ``counters`` reads the server's (accepts, requests), they are read around every batch."""
    names = list(CONTENDERS)
    samples: dict[str, list[float]] = {name: [] for name in names}
    traffic = {name: Traffic() for name in names}
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            before = counters() if counters is not None else None
            gc.collect()  # start every batch with the same heap; the GC stays on while timed
            elapsed, _ = built.run(name, requests)
            samples[name].append(elapsed / requests * 1e6)
            if counters is not None and before is not None:
                accepts, served = counters()
                # The status query after the batch is itself one connection and one request.
                traffic[name].connections += accepts - before[0] - 1
                traffic[name].requests += served - before[1] - 1
    return Measurement([Timing(name, samples[name]) for name in names], traffic)


def rate(t: Timing, *, best: bool = False) -> float:
    """Requests per second, from µs per request."""
    return 1e6 / (t.best if best else t.median)


def paired(ours: Timing, other: Timing) -> float:
    """Median over rounds of ``ours``'s req/s divided by ``other``'s in the same round.

    Both batches of a round ran within seconds of each other, so load from elsewhere that drifts
    over the run cancels out of each ratio; this is the steadier estimate on a shared machine.
    """
    rounds = zip(ours.per_call_us, other.per_call_us, strict=True)
    return statistics.median(theirs / mine for mine, theirs in rounds)


def report(m: Measurement, *, rounds: int, requests: int) -> tuple[list[str], bool]:
    """The markdown table and the acceptance checks; ``ok`` is False if a check fails."""
    by_name = {t.name: t for t in m.timings}
    floors = {name: ASYNC_FLOOR if name in ASYNC_MAKERS else SYNC_FLOOR for name in by_name}
    lines = [
        "| contender | req/s (median) | req/s (best) | µs/request (median) | vs its floor "
        "| vs its floor, per round | connections opened while timed | requests served |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for t in m.timings:
        base = by_name[floors[t.name]]
        traffic = m.traffic.get(t.name)
        conns = "n/a" if traffic is None else str(traffic.connections)
        served = "n/a" if traffic is None else f"{traffic.requests:,}"
        lines.append(
            f"| {t.name} | {rate(t):,.0f} | {rate(t, best=True):,.0f} | {t.median:.0f} "
            f"| {rate(t) / rate(base):.0%} | {paired(t, base):.0%} | {conns} | {served} |"
        )
    lines += [
        "",
        f"{rounds} rounds of {requests} sequential requests per contender, order rotated every "
        "round; req/s is the median (and best) over rounds. 'vs its floor' divides by the median "
        "req/s of the raw httpcore row of the same kind (sync or async); 'per round' is the "
        "median of that ratio taken round by round. The checks use the per-round figure: the two "
        "batches of a round run seconds apart, so load from elsewhere on the machine cancels out "
        "of each ratio; the ratio of medians is shown next to it.",
        "",
    ]
    ok = True

    def check(passed: bool, text: str) -> None:
        nonlocal ok
        ok &= passed
        lines.append(f"- {'PASS' if passed else 'FAIL'}: {text}")

    for ours, floor, lib, speedup in (
        (TOKENWIRE_SYNC, SYNC_FLOOR, AUTHLIB_SYNC, MIN_SPEEDUP_SYNC),
        (TOKENWIRE_ASYNC, ASYNC_FLOOR, AUTHLIB_ASYNC, MIN_SPEEDUP_ASYNC),
    ):
        share = paired(by_name[ours], by_name[floor])
        check(
            share >= MIN_FLOOR_SHARE,
            f"{ours} reaches {share:.1%} of the {floor}'s req/s, round by round "
            f"(ratio of medians: {rate(by_name[ours]) / rate(by_name[floor]):.1%}; "
            f"target: at least {MIN_FLOOR_SHARE:.0%})",
        )
        times = paired(by_name[ours], by_name[lib])
        check(
            times >= speedup,
            f"{ours} makes {times:.2f}x the req/s of {lib}, round by round "
            f"(ratio of medians: {rate(by_name[ours]) / rate(by_name[lib]):.2f}x; "
            f"target: at least {speedup:g}x)",
        )
    return lines, ok


def versions() -> str:
    """Library versions the core benchmark's machine description does not name."""
    return ", ".join(
        f"{dist} {metadata.version(dist)}"
        for dist in (
            "tokenwire-adapters",
            "httpcore",
            "h11",
            "anyio",
            "requests",
            "requests-oauthlib",
            "httpx",
        )
    )


def run(case: Case, server: Nginx, rounds: int, requests: int, warmup: int) -> Measurement | None:
    """Check that nginx serves the seed, warm every contender up, then time them all."""
    served = server.get(case.vector.request.path)
    if served != (200, seed_content_type(case), case.body):
        print("nginx does not serve the seed response byte for byte", file=sys.stderr)
        return None
    with contenders(case, server.base_url) as built:
        for name in CONTENDERS:
            _, token = built.run(name, warmup)
            if token != case.access_token:
                print(f"{name}: did not get the seed's access token from nginx", file=sys.stderr)
                return None
        return measure(built, rounds=rounds, requests=requests, counters=server.counters)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tokenwire transport benchmark (issue 3, item 7)")
    parser.add_argument("--rounds", type=int, default=20, help="interleaved rounds (default 20)")
    parser.add_argument(
        "--requests", type=int, default=300, help="requests per contender per round (default 300)"
    )
    parser.add_argument(
        "--warmup", type=int, default=100, help="untimed requests per contender (default 100)"
    )
    args = parser.parse_args(argv)

    os.environ[INSECURE_TRANSPORT_ENV] = "1"
    case = load_case()
    problems = check_requests(case)
    if problems:
        print("contenders do not do the same job, nothing timed:", *problems, sep="\n  ")
        return 2
    try:
        with nginx_server(case.body, seed_content_type(case)) as server:
            header = machine()
            header.append(f"Also: {versions()}; {server.version}, one worker process")
            measurement = run(case, server, args.rounds, args.requests, args.warmup)
    except NginxMissing as exc:
        print(f"cannot run the transport benchmark: {exc}", file=sys.stderr)
        return 2
    if measurement is None:
        return 2
    lines, ok = report(measurement, rounds=args.rounds, requests=args.requests)
    print(f"Transport benchmark, vector `{case.vector.id}`, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print()
    print(*(f"- {line}" for line in header), sep="\n")
    print()
    print(*lines, sep="\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
