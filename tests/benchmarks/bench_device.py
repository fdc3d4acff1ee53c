"""Device polling benchmark: what one poll of ``device_flow`` costs beyond a bare token flow.

Run by hand, on a quiet machine, from the repository root:
``uv run python -m tests.benchmarks.bench_device``.

A device polls the token endpoint every few seconds until its user decides (RFC 8628 §3.4), and
each poll of :func:`tokenwire.core.device_flow` is a :func:`tokenwire.core.token_flow` run for a
``DeviceCode`` grant, plus the polling rules (the deadline checks, the interval, the wrapper that
bounds the poll). That overhead must be nothing next to the request itself. Everything here is
sans-IO, stepped by hand with canned answers, so only the flows' own work is timed; pairs:

* a pending poll: ``device_flow`` stepped through one poll answered ``authorization_pending``
  (the Send, then the Sleep for the next poll), against a bare ``token_flow`` for the same
  ``DeviceCode`` grant raising ``AuthorizationPending`` from the same answer;
* the approved poll: a fresh ``device_flow`` stepped through its first poll to the token (the
  Sleep, the Send, the 200 parsed), against a bare ``token_flow`` stepped to the same token.

The check: the device flow adds at most :data:`MAX_OVERHEAD_US` per poll, next to a loopback
token request of about 300 µs (``docs/performance.md``, transports), which itself is nothing next
to the 5 s between polls.
"""

from __future__ import annotations

import argparse
import sys
import time

from tests.benchmarks.bench_core import Call, Timing, machine, measure
from tokenwire.core import (
    AuthorizationPending,
    ClientAuth,
    DeviceAuthorization,
    DeviceCode,
    HttpResponse,
    Profile,
    Send,
    Sleep,
    Token,
    TokenFlow,
    device_flow,
    token_flow,
)

#: Acceptance (issue 13): the device flow adds at most this many µs to a poll.
MAX_OVERHEAD_US = 5.0

PENDING_DEVICE = "device_flow: one pending poll"
PENDING_BARE = "bare token_flow: one pending poll"
TOKEN_DEVICE = "device_flow: the approved poll"
TOKEN_BARE = "bare token_flow: the approved poll"
PAIRS = ((PENDING_DEVICE, PENDING_BARE), (TOKEN_DEVICE, TOKEN_BARE))

PROFILE = Profile(token_url="https://as.example.com/token")
CLIENT = ClientAuth("bench-device", "bench-device-secret-0123456789", "client_secret_post")
JSON = (("Content-Type", "application/json"),)
PENDING = HttpResponse(status=400, headers=JSON, body=b'{"error":"authorization_pending"}')
TOKEN_BODY = b'{"access_token":"AT-bench-device","token_type":"Bearer","expires_in":3600}'
APPROVED = HttpResponse(status=200, headers=JSON, body=TOKEN_BODY)
#: A device code alive for the whole run (the clock never moves).
AUTHORIZATION = DeviceAuthorization(
    device_code="DC-bench-0123456789abcdefghij",
    user_code="BDDC-TQQR",
    verification_uri="https://as.example.com/device",
    expires_in=10**9,
    interval=5,
    expires_at=float(10**9),
    received_at=0.0,
)


def _clock() -> float:
    return 0.0


def _random() -> float:
    return 0.5


def pending_device_call() -> Call:
    """Each call: one poll of a long-running device flow, answered authorization_pending."""
    flow = device_flow(PROFILE, CLIENT, AUTHORIZATION, clock=_clock, random=_random)
    first = next(flow)
    assert isinstance(first, Sleep)

    def call() -> tuple[None, str | None]:
        send = flow.send(None)  # the wait is over: the poll goes out
        assert isinstance(send, Send)
        after = flow.send(PENDING)  # pending: the next wait
        assert isinstance(after, Sleep)
        return None, "pending"

    return call


def pending_bare_call() -> Call:
    """Each call: a bare token flow for the device code grant, answered authorization_pending."""
    grant = DeviceCode(AUTHORIZATION.device_code)

    def call() -> tuple[None, str | None]:
        flow = token_flow(PROFILE, CLIENT, grant, clock=_clock, random=_random)
        next(flow)
        try:
            flow.send(PENDING)
        except AuthorizationPending:
            return None, "pending"
        raise AssertionError("the pending answer was not an error")

    return call


def _finish(flow: TokenFlow) -> str | None:
    """Step ``flow`` to its token, answering every Send with the approved answer."""
    step = next(flow)
    while True:
        reply = APPROVED if isinstance(step, Send) else None
        try:
            step = flow.send(reply)
        except StopIteration as stop:
            token = stop.value
            assert isinstance(token, Token)
            return token.access_token


def token_device_call() -> Call:
    """Each call: a fresh device flow's first poll, approved: Sleep, Send, the token."""

    def call() -> tuple[None, str | None]:
        flow = device_flow(PROFILE, CLIENT, AUTHORIZATION, clock=_clock, random=_random)
        return None, _finish(flow)

    return call


def token_bare_call() -> Call:
    """Each call: a bare token flow for the device code grant, approved."""
    grant = DeviceCode(AUTHORIZATION.device_code)

    def call() -> tuple[None, str | None]:
        flow = token_flow(PROFILE, CLIENT, grant, clock=_clock, random=_random)
        return None, _finish(flow)

    return call


def build_calls() -> dict[str, Call]:
    """Every contender, by name, in the order the table lists them."""
    return {
        PENDING_DEVICE: pending_device_call(),
        PENDING_BARE: pending_bare_call(),
        TOKEN_DEVICE: token_device_call(),
        TOKEN_BARE: token_bare_call(),
    }


def report(timings: list[Timing], *, repeats: int, seconds: float) -> tuple[list[str], bool]:
    """The markdown table and the acceptance check; ``ok`` is False if it fails."""
    by_name = {t.name: t for t in timings}
    lines = [
        "| contender | µs/poll (median) | µs/poll (best) | device flow's overhead (median) |",
        "|---|---:|---:|---:|",
    ]
    ok = True
    checks = []
    for device, bare in PAIRS:
        overhead = by_name[device].median - by_name[bare].median
        for name in (device, bare):
            t = by_name[name]
            extra = f"{overhead:+.2f} µs" if name == device else ""
            lines.append(f"| {name} | {t.median:.2f} | {t.best:.2f} | {extra} |")
        passed = overhead <= MAX_OVERHEAD_US
        ok &= passed
        checks.append(
            f"- {'PASS' if passed else 'FAIL'}: {device.split(': ')[1]}: the device flow adds "
            f"{overhead:.2f} µs to a poll (target: at most {MAX_OVERHEAD_US:g} µs)"
        )
    lines += [
        "",
        f"Per-poll times: median and best of {repeats} interleaved rounds, each a timeit loop of "
        f"~{seconds:g} s; the overhead is the difference of the medians.",
        "",
        *checks,
    ]
    return lines, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tokenwire device polling benchmark (issue 13)")
    parser.add_argument("--repeats", type=int, default=50, help="interleaved rounds (default 50)")
    parser.add_argument(
        "--seconds", type=float, default=0.02, help="length of one timed loop (default 0.02)"
    )
    args = parser.parse_args(argv)
    calls = build_calls()
    header = machine()
    timings = measure(calls, repeats=args.repeats, seconds=args.seconds)
    lines, ok = report(timings, repeats=args.repeats, seconds=args.seconds)
    print(f"Device polling benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print()
    print(*(f"- {line}" for line in header), sep="\n")
    print()
    print(*lines, sep="\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
