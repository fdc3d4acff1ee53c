"""Core benchmark: build the seed refresh request and parse its 200 response, side by side.

Run by hand, on a quiet machine: ``uv run python tests/benchmarks/bench_core.py``.

Every contender does the job a refresh does minus the I/O: encode the form body of the seed
refresh request (vector ``tencent-ciam-refresh-success-002``) and turn the provider's 200 body into
a token. All are timed in one process, interleaved round by round in a rotating order so that
machine noise falls on all of them alike. The script prints a markdown table and the acceptance
checks of issue 2 (tokenwire at least 10x faster than oauthlib and than authlib, and within 3x of
a floor that validates nothing) and exits 1 if a check fails.

Each contender is used the way a caller would use it: long-lived objects (tokenwire's profile and
ClientAuth, oauthlib's client) are built once; per-refresh objects (the grant, the response value)
are built in the timed call. oauthlib and authlib get the body already decoded to ``str``, as
``requests`` hands it them, which spares them a decode tokenwire pays. Reference rows below the
contenders are not part of the checks: they show where the time goes (tokenwire's two halves, a
stock form encoder) and what the libraries cost when driven the way their own clients drive them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import timeit
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata

import msgspec
from authlib.oauth2.auth import ClientAuth as AuthlibClientAuth
from authlib.oauth2.rfc6749 import OAuth2Token
from authlib.oauth2.rfc6749.parameters import prepare_token_request as authlib_prepare
from oauthlib.oauth2 import WebApplicationClient

from tokenwire.conformance.vectors import Vector, load_vectors
from tokenwire.core import (
    ClientAuth,
    HttpResponse,
    RefreshToken,
    parse_token_response,
    prepare_token_request,
)

VECTOR_ID = "tencent-ciam-refresh-success-002"

#: Acceptance (issue 2): tokenwire must be at least this many times faster than each library...
MIN_SPEEDUP = 10.0
#: ...and take no more than this many times the no-validation floor's time.
MAX_FLOOR_RATIO = 3.0

TOKENWIRE = "tokenwire core"
OAUTHLIB = "oauthlib"
AUTHLIB = "authlib"
FLOOR = "floor (no validation)"

#: What one timed call built: the request body and the access token (``None`` for a half).
Result = tuple[bytes | str | None, str | None]
Call = Callable[[], Result]


@dataclass(frozen=True)
class Case:
    """The seed refresh vector, unpacked into the plain values every contender starts from."""

    vector: Vector
    client_id: str
    client_secret: str
    refresh_token: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def text(self) -> str:
        """The body as ``requests`` would hand it to oauthlib and authlib."""
        return self.body.decode("utf-8")

    @property
    def fields(self) -> list[tuple[str, str]]:
        """The request's form fields, in the order the seed shows them."""
        return [
            ("client_id", self.client_id),
            ("client_secret", self.client_secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", self.refresh_token),
        ]

    @property
    def access_token(self) -> str:
        """The access token the vector says a client must end with."""
        token = self.vector.outcome.token
        assert token is not None
        value = token["access_token"]
        assert isinstance(value, str)
        return value


def load_case(vector_id: str = VECTOR_ID) -> Case:
    vector = next(v for v in load_vectors() if v.id == vector_id)
    response = vector.response.build()
    assert vector.client.client_secret is not None
    return Case(
        vector=vector,
        client_id=vector.client.client_id,
        client_secret=vector.client.client_secret,
        refresh_token=vector.grant.params["refresh_token"],
        status=response.status,
        headers=response.headers,
        body=response.body,
    )


class PlainToken(msgspec.Struct):
    """The floor's target: the RFC 6749 §5.1 members with their JSON types, nothing checked."""

    access_token: str
    token_type: str
    expires_in: int | None = None
    refresh_token: str | None = None
    scope: str | None = None
    id_token: str | None = None


# --- contenders: the four the acceptance checks compare --------------------------------------


def tokenwire_call(case: Case, *, build: bool = True, parse: bool = True) -> Call:
    """tokenwire's refresh, or one half of it (for the reference rows)."""
    profile = case.vector.build_profile()
    client = ClientAuth(case.client_id, case.client_secret)
    refresh_token, status, headers, body = case.refresh_token, case.status, case.headers, case.body
    clock = time.time

    def both() -> Result:
        request = prepare_token_request(profile, client, RefreshToken(refresh_token))
        response = HttpResponse(status=status, headers=headers, body=body)
        token = parse_token_response(profile, response, received_at=clock())
        return request.body, token.access_token

    def build_only() -> Result:
        return prepare_token_request(profile, client, RefreshToken(refresh_token)).body, None

    def parse_only() -> Result:
        response = HttpResponse(status=status, headers=headers, body=body)
        return None, parse_token_response(profile, response, received_at=clock()).access_token

    if build and parse:
        return both
    return build_only if build else parse_only


def oauthlib_call(case: Case) -> Call:
    """oauthlib as requests-oauthlib drives it: one long-lived client, credentials in the body as
    the seed sends them."""
    client_id, client_secret, refresh_token = case.client_id, case.client_secret, case.refresh_token
    text = case.text
    client = WebApplicationClient(client_id)

    def call() -> Result:
        body = client.prepare_refresh_body(
            refresh_token=refresh_token, client_id=client_id, client_secret=client_secret
        )
        token = client.parse_request_body_response(text)
        return body, token["access_token"]

    return call


def authlib_call(case: Case) -> Call:
    """authlib's client-side request builder (the one ``OAuth2Client`` uses), credentials passed
    straight in, and its token wrapper over ``json.loads``."""
    client_id, client_secret, refresh_token = case.client_id, case.client_secret, case.refresh_token
    text = case.text

    def call() -> Result:
        body = authlib_prepare(
            "refresh_token",
            refresh_token=refresh_token,
            client_id=client_id,
            client_secret=client_secret,
        )
        token = OAuth2Token.from_dict(json.loads(text))
        return body, token["access_token"]

    return call


def authlib_client_path_call(case: Case) -> Call:
    """authlib as ``OAuth2Client.refresh_token`` does it with ``client_secret_post``: the grant's
    body first, then its ClientAuth re-parses and re-encodes it to add the credentials."""
    refresh_token, text = case.refresh_token, case.text
    auth = AuthlibClientAuth(case.client_id, case.client_secret, "client_secret_post")
    url = case.vector.build_profile().token_url

    def call() -> Result:
        body = authlib_prepare("refresh_token", "", refresh_token=refresh_token)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        _, _, body = auth.prepare("POST", url, headers, body)
        token = OAuth2Token.from_dict(json.loads(text))
        return body, token["access_token"]

    return call


def floor_call(case: Case) -> Call:
    """No validation: a body joined from pre-encoded bytes, a typed decode into a plain struct."""
    # The seed's values need no escaping, so the encoded pairs are the raw ones.
    parts = tuple(f"{name}={value}".encode("ascii") for name, value in case.fields)
    decode = msgspec.json.Decoder(PlainToken).decode
    join = b"&".join
    body = case.body

    def call() -> Result:
        return join(parts), decode(body).access_token

    return call


def urlencode_call(case: Case) -> Call:
    """The standard library's form encoder on the same fields, for scale."""
    fields = case.fields
    urlencode = urllib.parse.urlencode

    def call() -> Result:
        return urlencode(fields), None

    return call


@dataclass(frozen=True)
class Row:
    name: str
    make: Callable[[Case], Call]
    #: Reference rows are shown for scale and are not part of the acceptance checks.
    reference: bool = False


ROWS: tuple[Row, ...] = (
    Row(TOKENWIRE, tokenwire_call),
    Row(OAUTHLIB, oauthlib_call),
    Row(AUTHLIB, authlib_call),
    Row(FLOOR, floor_call),
    Row("tokenwire: prepare_token_request only", lambda c: tokenwire_call(c, parse=False), True),
    Row("tokenwire: parse_token_response only", lambda c: tokenwire_call(c, build=False), True),
    Row("urllib.parse.urlencode alone", urlencode_call, True),
    Row("authlib, OAuth2Client's client_secret_post path", authlib_client_path_call, True),
)


def build_calls(case: Case) -> dict[str, Call]:
    return {row.name: row.make(case) for row in ROWS}


def check_results(case: Case, calls: dict[str, Call]) -> list[str]:
    """Run every call once and say what is wrong with its output (empty if nothing), so that
    nothing is timed that does less than the job: each body must carry exactly the seed's form
    fields, each parser must end with the seed's access token, each contender must do both."""
    want_fields = sorted(case.fields)
    reference = {row.name for row in ROWS if row.reference}
    problems = []
    for name, call in calls.items():
        body, access_token = call()
        if name not in reference and (body is None or access_token is None):
            problems.append(f"{name}: a contender must build the request and parse the response")
        if body is not None:
            raw = body.decode("ascii") if isinstance(body, bytes) else body
            if sorted(urllib.parse.parse_qsl(raw, keep_blank_values=True)) != want_fields:
                problems.append(f"{name}: request body does not carry the seed's form fields")
        if access_token is not None and access_token != case.access_token:
            problems.append(f"{name}: did not end with the seed's access token")
    return problems


@dataclass(frozen=True)
class Timing:
    name: str
    per_call_us: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.per_call_us)

    @property
    def best(self) -> float:
        return min(self.per_call_us)


def measure(calls: dict[str, Call], *, repeats: int, seconds: float) -> list[Timing]:
    """Time every call ``repeats`` times, interleaved: one timeit loop of about ``seconds`` per
    call per round, in an order rotated every round. timeit switches the GC off while timing."""
    timers = {name: timeit.Timer(call) for name, call in calls.items()}
    numbers = {}
    for name, timer in timers.items():
        number, elapsed = timer.autorange()
        numbers[name] = max(1, round(number * seconds / max(elapsed, 1e-9)))
    samples: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    for round_ in range(repeats):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            elapsed = timers[name].timeit(numbers[name])
            samples[name].append(elapsed / numbers[name] * 1e6)
    return [Timing(name, samples[name]) for name in names]


def machine() -> list[str]:
    """What the figures were measured on."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = ", ".join(
        f"{dist} {metadata.version(dist)}"
        for dist in ("tokenwire-core", "msgspec", "oauthlib", "authlib")
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"CPU: {cpu}; nproc {len(os.sched_getaffinity(0))}; load average {load} at the start",
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}",
        f"Libraries: {versions}",
    ]


def report(timings: list[Timing], *, repeats: int, seconds: float) -> tuple[list[str], bool]:
    """The markdown table and the acceptance checks; ``ok`` is False if a check fails."""
    by_name = {t.name: t for t in timings}
    reference = {row.name for row in ROWS if row.reference}
    ours = by_name[TOKENWIRE].median
    lines = [
        "| contender | µs/call (median) | µs/call (best) | ratio vs tokenwire |",
        "|---|---:|---:|---:|",
    ]
    for t in timings:
        name = f"*{t.name}* (reference)" if t.name in reference else t.name
        lines.append(f"| {name} | {t.median:.2f} | {t.best:.2f} | {t.median / ours:.2f}x |")
    lines += [
        "",
        f"Per-call times: median and best of {repeats} interleaved rounds, each a timeit loop of "
        f"~{seconds:g} s; the ratio is of medians (above 1: slower than tokenwire). "
        "The checks use the medians.",
        "",
    ]
    ok = True
    for lib in (OAUTHLIB, AUTHLIB):
        speedup = by_name[lib].median / ours
        passed = speedup >= MIN_SPEEDUP
        ok &= passed
        lines.append(
            f"- {'PASS' if passed else 'FAIL'}: tokenwire is {speedup:.1f}x faster than {lib} "
            f"(target: at least {MIN_SPEEDUP:g}x)"
        )
    floor_ratio = ours / by_name[FLOOR].median
    passed = floor_ratio <= MAX_FLOOR_RATIO
    ok &= passed
    lines.append(
        f"- {'PASS' if passed else 'FAIL'}: tokenwire takes {floor_ratio:.2f}x the floor's time "
        f"(target: at most {MAX_FLOOR_RATIO:g}x)"
    )
    return lines, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tokenwire core benchmark (issue 2, item 6)")
    # Short loops and many rounds: a burst of load from elsewhere then lands on every row.
    parser.add_argument("--repeats", type=int, default=50, help="interleaved rounds (default 50)")
    parser.add_argument(
        "--seconds", type=float, default=0.02, help="length of one timed loop (default 0.02)"
    )
    args = parser.parse_args(argv)

    case = load_case()
    calls = build_calls(case)
    problems = check_results(case, calls)
    if problems:
        print("contenders disagree, nothing timed:", *problems, sep="\n  ", file=sys.stderr)
        return 2
    header = machine()
    timings = measure(calls, repeats=args.repeats, seconds=args.seconds)
    lines, ok = report(timings, repeats=args.repeats, seconds=args.seconds)
    print(f"Core benchmark, vector `{VECTOR_ID}`, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print()
    print(*(f"- {line}" for line in header), sep="\n")
    print()
    print(*lines, sep="\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
