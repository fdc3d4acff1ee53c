"""The conformance suite: every case through every transport, over loopback.

A *case* is a vector (one exchange: request and outcome checked; a token vector or an endpoint
vector), a fault scenario (a sequence of replies, faults included: outcome, request count and
sleeps checked), a round trip against an embedded reference provider, or the header case
(:mod:`tokenwire.conformance.header_case`: the request carries the core's headers and framing,
nothing else). Each case is written once, as a *check*: a generator that yields what it wants
done (a grant to trade for a token, an
:class:`~tokenwire.conformance.endpoint_vectors.EndpointCall` to another endpoint, or a
:class:`DevicePoll`), receives each result (the answer or the typed error), and returns the
problems it found; :func:`case_flow` picks the core flow for each. :func:`play` turns a check
into the steps of its flows, which :func:`~tokenwire.adapters.drive.drive` or
:func:`~tokenwire.adapters.drive.adrive` step over a sync or an async transport, so sync and async
transports run literally the same checks, and their outcomes can be compared.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from tokenwire.adapters.transport import AsyncTransport, Transport, TransportMode
from tokenwire.conformance.endpoint_vectors import (
    EndpointCall,
    EndpointVector,
    check_endpoint_outcome,
)
from tokenwire.conformance.loopback import HOST, free_port
from tokenwire.conformance.replay import ReplayServer, ScriptedReply
from tokenwire.conformance.scenarios import FollowingGrant, Scenario
from tokenwire.conformance.vectors import Vector, VectorClient, check_outcome
from tokenwire.core import (
    ClientAuth,
    DeviceAuthorization,
    Grant,
    Introspection,
    OAuthError,
    Profile,
    RetryPolicy,
    Token,
    TokenFlow,
    TokenwireError,
    device_authorization_flow,
    device_flow,
    introspection_flow,
    revocation_flow,
    token_flow,
)
from tokenwire.core.flow import DEFAULT_RETRY, Reply, Step

Kind = Literal["vector", "fault", "roundtrip", "header"]
#: How a transport under test is driven (the same modes as the built-in transports' table).
Mode = TransportMode
Result = Token | TokenwireError
#: A check yields grants, receives each one's result, and returns the problems it found.
RoundTripCheck = Generator[Grant, Result, list[str]]


@dataclass(frozen=True)
class DevicePoll:
    """What a check yields to poll for the token of ``authorization`` (RFC 8628 §3.4)."""

    authorization: DeviceAuthorization


#: What a check may ask for: a token for a grant, a call to another endpoint, a device poll.
Asked = Grant | EndpointCall | DevicePoll
#: What an :data:`Asked` ends with: a token, a device authorization, an introspection, ``None``
#: (a revocation), or the typed error.
AnyResult = Result | DeviceAuthorization | Introspection | None
#: A check that asks for more than grants (see :data:`Asked`).
EndpointCheck = Generator[Asked, AnyResult, list[str]]


class Note(str):
    """A remark a check returns among its problems that does not fail the case.

    It is shown in the result's ``detail`` like a problem (e.g. the header case's "declared
    runtime headers sent: ..."), but a case whose problems are all notes passes.
    """

    __slots__ = ()


#: Arms the servers for a case and returns its profile and check; gets the list that the
#: client's sleep function appends to.
Prepare = Callable[[list[float]], tuple[Profile, RoundTripCheck | EndpointCheck]]


class CaseResult(msgspec.Struct, frozen=True, kw_only=True):
    """One case through one transport."""

    case: str
    kind: Kind
    transport: str
    outcome: Literal["passed", "failed", "skipped"]
    detail: str = ""
    #: What the client ended with, normalised and secret-free, to compare transports.
    summary: str = ""


@dataclass(frozen=True)
class TransportSpec:
    """A transport under test: a factory for a fresh instance, and how to drive it."""

    name: str
    factory: Callable[[], Transport | AsyncTransport]
    mode: Mode = "sync"


@dataclass(frozen=True)
class Case:
    """One case. ``prepare(sleeps)`` arms the servers and returns the profile and the check;
    ``sleeps`` is the list the client's sleep function appends to, for the check to read."""

    id: str
    kind: Kind
    client: VectorClient
    prepare: Prepare
    retry: RetryPolicy = DEFAULT_RETRY
    #: The clock reading the client sees (fixed, so ``expires_at`` can be checked exactly).
    clock: float = 1636449231.0
    #: Advance the clock by every sleep the client takes (``clock`` + the sum of ``sleeps``),
    #: for cases that count polls against a deadline.
    clock_follows_sleeps: bool = False


def case_flow(
    profile: Profile,
    client: ClientAuth,
    asked: Asked,
    *,
    clock: Callable[[], float],
    random: Callable[[], float],
    retry: RetryPolicy,
) -> Generator[Step, Reply, Any]:
    """The core flow that does what a check asked for (its result is an :data:`AnyResult`)."""
    if isinstance(asked, DevicePoll):
        return device_flow(
            profile, client, asked.authorization, clock=clock, random=random, retry=retry
        )
    if isinstance(asked, Grant):
        return token_flow(profile, client, asked, clock=clock, random=random, retry=retry)
    if asked.endpoint == "device_authorization":
        return device_authorization_flow(
            profile, client, asked.scope, clock=clock, random=random, retry=retry
        )
    endpoint_flow = revocation_flow if asked.endpoint == "revocation" else introspection_flow
    return endpoint_flow(
        profile,
        client,
        asked.token or "",
        asked.token_type_hint,
        clock=clock,
        random=random,
        retry=retry,
    )


def summarize(result: AnyResult) -> str:
    """A short, secret-free description of a result; equal across transports when they agree."""
    if result is None:
        return "revoked"
    if isinstance(result, Token):
        return f"token:{result.token_type}:{result.expires_in}"
    if isinstance(result, DeviceAuthorization):
        return f"device:{result.expires_in}:{result.interval}"
    if isinstance(result, Introspection):
        return f"introspection:{result.active}"
    if isinstance(result, OAuthError):
        return f"{type(result).__name__}:{result.error}:{result.status}"
    return f"{type(result).__name__}:{getattr(result, 'status', None)}"


def one_grant(grant: Grant, verify: Callable[[Result], list[str]]) -> RoundTripCheck:
    """A check that requests ``grant`` once and returns what ``verify`` finds in the result."""
    result = yield grant
    return verify(result)


def vector_case(vector: Vector, replay: ReplayServer) -> Case:
    """A vector: one exchange; the server checks the request, the vector the outcome."""

    def prepare(sleeps: list[float]) -> tuple[Profile, RoundTripCheck]:
        replay.arm([ScriptedReply(response=vector.response)], vector)

        def verify(result: Result) -> list[str]:
            return replay.take().problems + check_outcome(vector.outcome, result)

        return vector.build_profile(replay.base_url), one_grant(vector.grant.build(), verify)

    # One attempt: a vector is one exchange; retries are the fault scenarios' business.
    return Case(
        vector.id, "vector", vector.client, prepare, RetryPolicy(max_attempts=1), vector.received_at
    )


def endpoint_vector_case(vector: EndpointVector, replay: ReplayServer) -> Case:
    """An endpoint vector: one exchange with a device authorization, revocation or
    introspection endpoint; the server checks the request, the vector the outcome."""

    def check() -> EndpointCheck:
        result = yield vector.call
        if isinstance(result, Token):
            return [f"an endpoint call returned a token: {result}"]
        return replay.take().problems + check_endpoint_outcome(vector.outcome, result)

    def prepare(sleeps: list[float]) -> tuple[Profile, EndpointCheck]:
        replay.arm([ScriptedReply(response=vector.response)], vector)
        return vector.build_profile(replay.base_url), check()

    return Case(
        vector.id, "vector", vector.client, prepare, RetryPolicy(max_attempts=1), vector.received_at
    )


def fault_case(scenario: Scenario, replay: ReplayServer) -> Case:
    """A fault scenario: several replies; request count, sleeps and every outcome checked."""
    steps = [FollowingGrant(grant=scenario.grant, outcome=scenario.outcome), *scenario.then]

    def check(sleeps: list[float]) -> RoundTripCheck:
        results = []
        for step in steps:
            results.append((yield step.grant.build()))
        seen = replay.take()
        problems = list(seen.problems)
        if seen.requests != scenario.requests:
            problems.append(f"server saw {seen.requests} request(s), expected {scenario.requests}")
        if scenario.sleeps is not None and sleeps != scenario.sleeps:
            problems.append(f"client slept {sleeps}, expected {scenario.sleeps}")
        for number, (step, result) in enumerate(zip(steps, results, strict=True), 1):
            found = check_outcome(step.outcome, result)
            problems += [f"grant {number}: {p}" for p in found] if len(steps) > 1 else found
        return problems

    def prepare(sleeps: list[float]) -> tuple[Profile, RoundTripCheck]:
        replay.arm(list(scenario.replies))
        base = f"http://{HOST}:{free_port()}" if scenario.unreachable else replay.base_url
        return scenario.build_profile(base), check(sleeps)

    return Case(scenario.id, "fault", scenario.client, prepare)


def play(
    check: RoundTripCheck | EndpointCheck,
    flow: Callable[[Grant], TokenFlow] | Callable[[Asked], Generator[Step, Reply, Any]],
) -> Generator[Step, Reply, tuple[list[str], str]]:
    """The steps of ``check``: each thing it asks for is done by ``yield from flow(asked)``
    (:func:`case_flow`, or a token flow for a check that asks only for grants).

    Each result (the answer, or the typed error the flow raised) goes back into the check.
    Stepped by
    :func:`~tokenwire.adapters.drive.drive` or :func:`~tokenwire.adapters.drive.adrive`, so sync
    and async transports run literally the same checks. Returns the check's problems and the
    summary of its last result.
    """
    last = ""
    try:
        asked: Any = next(check)
        while True:
            result: AnyResult
            try:
                result = yield from flow(asked)
            except TokenwireError as exc:
                result = exc
            last = summarize(result)
            asked = check.send(result)
    except StopIteration as stop:
        return stop.value, last
