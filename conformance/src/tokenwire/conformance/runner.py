"""Run the conformance suite: start the loopback servers, play every case through every
transport, and check that all transports reached the same outcome for every case."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
from collections.abc import Generator, Iterable, Sequence
from typing import cast

import msgspec

from tokenwire.adapters.drive import adrive, drive
from tokenwire.adapters.transport import (
    BUILTIN_TRANSPORTS,
    AsyncTransport,
    Transport,
    TransportOptions,
)
from tokenwire.conformance.endpoint_vectors import load_endpoint_vectors
from tokenwire.conformance.header_case import HEADER_CASE_ID, declaring, header_case
from tokenwire.conformance.reference import ReferenceProvider
from tokenwire.conformance.replay import ReplayServer
from tokenwire.conformance.roundtrips import DEVICE_EXPIRES_IN, roundtrip_cases
from tokenwire.conformance.scenarios import load_scenarios
from tokenwire.conformance.suite import (
    Case,
    CaseResult,
    Note,
    TransportSpec,
    case_flow,
    endpoint_vector_case,
    fault_case,
    play,
    vector_case,
)
from tokenwire.conformance.vectors import load_vectors
from tokenwire.core.flow import Reply, Step
from tokenwire.core.redact import scrub

#: Loopback answers in milliseconds: a short read timeout keeps the stalled-answer case brief.
SUITE_OPTIONS = TransportOptions(connect_timeout=2.0, read_timeout=1.0, total_timeout=5.0)


class SuiteReport(msgspec.Struct, kw_only=True):
    """Every result, and the counts ``tokenwire conformance --format json`` prints."""

    results: list[CaseResult]

    @property
    def summary(self) -> dict[str, int]:
        counts = {"passed": 0, "failed": 0, "skipped": 0}
        for result in self.results:
            counts[result.outcome] += 1
        return counts

    @property
    def ok(self) -> bool:
        return bool(self.results) and self.summary["failed"] == 0

    def to_json(self) -> bytes:
        return msgspec.json.encode({"results": self.results, "summary": self.summary})


def builtin_transports(options: TransportOptions = SUITE_OPTIONS) -> list[TransportSpec]:
    """Every transport tokenwire ships (:data:`~tokenwire.adapters.transport.BUILTIN_TRANSPORTS`),
    configured for loopback testing."""
    return [
        TransportSpec(t.name, functools.partial(t.build, options), t.mode)
        for t in BUILTIN_TRANSPORTS
    ]


def _finish(case: Case, transport: str, problems: list[str], summary: str) -> CaseResult:
    return CaseResult(
        case=case.id,
        kind=case.kind,
        transport=transport,
        outcome="failed" if any(not isinstance(p, Note) for p in problems) else "passed",
        detail="; ".join(problems),
        summary=summary,
    )


def _crashed(case: Case, transport: str, exc: BaseException) -> CaseResult:
    detail = f"the run itself failed: {type(exc).__name__}: {scrub(str(exc))}"
    return CaseResult(
        case=case.id, kind=case.kind, transport=transport, outcome="failed", detail=detail
    )


def _steps(
    name: str, cases: Sequence[Case], sleeps: list[float]
) -> Generator[Step, Reply, list[CaseResult]]:
    """Every case of one transport's pass, in turn, as one generator of steps for a driver.

    ``sleeps`` is the list the driver's sleep appends to; it is emptied before each case, whose
    check reads it. A case that raises (its servers, or the transport with something other than
    a ``TransportError``, which the driver throws in here) is recorded as crashed, and the pass
    goes on with the next case.
    """
    results: list[CaseResult] = []
    for case in cases:
        sleeps.clear()
        try:
            profile, check = case.prepare(sleeps)
            if case.clock_follows_sleeps:
                clock = functools.partial(_clock_after, case.clock, sleeps)
            else:
                clock = functools.partial(float, case.clock)
            flow = functools.partial(
                case_flow,
                profile,
                case.client.build(),
                clock=clock,
                random=lambda: 0.5,
                retry=case.retry,
            )
            problems, summary = yield from play(check, flow)
        except Exception as exc:
            results.append(_crashed(case, name, exc))
        else:
            results.append(_finish(case, name, problems, summary))
    return results


def _clock_after(start: float, sleeps: list[float]) -> float:
    """A clock that has moved on by every sleep taken."""
    return start + sum(sleeps)


def run_sync(spec: TransportSpec, cases: Sequence[Case]) -> list[CaseResult]:
    """Play ``cases`` through a sync transport."""
    sleeps: list[float] = []
    transport = cast(Transport, spec.factory())
    try:
        return drive(_steps(spec.name, cases, sleeps), transport, sleep=sleeps.append)
    finally:
        close = getattr(transport, "close", None)
        if close is not None:
            close()


async def _run_async(spec: TransportSpec, cases: Sequence[Case]) -> list[CaseResult]:
    """Play ``cases`` through an async transport: :func:`run_sync` with ``await``."""
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    transport = cast(AsyncTransport, spec.factory())
    try:
        return await adrive(_steps(spec.name, cases, sleeps), transport, sleep=sleep)
    finally:
        aclose = getattr(transport, "aclose", None)
        if aclose is not None:
            await aclose()


def run_transport(spec: TransportSpec, cases: Sequence[Case]) -> list[CaseResult]:
    """Play ``cases`` through one transport, in the event loop its mode names."""
    spec = declaring(spec)  # the header case reads what the transport declares
    if spec.mode == "sync":
        return run_sync(spec, cases)
    if spec.mode == "trio":
        if importlib.util.find_spec("trio") is None:
            return [
                CaseResult(
                    case=c.id,
                    kind=c.kind,
                    transport=spec.name,
                    outcome="skipped",
                    detail="trio is not installed",
                )
                for c in cases
            ]
        import trio

        return trio.run(_run_async, spec, cases)
    return asyncio.run(_run_async(spec, cases))


def agree(results: Iterable[CaseResult]) -> list[CaseResult]:
    """Fail every result of a case whose transports reached different outcomes."""
    results = list(results)
    seen: dict[str, set[str]] = {}
    for r in results:
        if r.outcome != "skipped" and r.summary:
            seen.setdefault(r.case, set()).add(r.summary)
    out = []
    for r in results:
        outcomes = seen.get(r.case, set())
        if len(outcomes) > 1:
            extra = f"transports disagree: {sorted(outcomes)}"
            detail = "; ".join(filter(None, [r.detail, extra]))
            out.append(msgspec.structs.replace(r, outcome="failed", detail=detail))
        else:
            out.append(r)
    return out


def replay_cases(replay: ReplayServer) -> list[Case]:
    """Every vector (token and endpoint), the header case and every fault scenario, bound to
    ``replay``."""
    return [
        *(vector_case(v, replay) for v in load_vectors()),
        *(endpoint_vector_case(v, replay) for v in load_endpoint_vectors()),
        header_case(replay),
        *(fault_case(s, replay) for s in load_scenarios()),
    ]


def _reference_providers() -> dict[str, ReferenceProvider]:
    """One provider per flavor, plus a plain one without refresh-token rotation (not started)."""
    return {
        # A short-lived device code, so that device round trips count polls to its expiry.
        "rfc6749": ReferenceProvider("rfc6749", device_expires_in=DEVICE_EXPIRES_IN),
        "rfc6749-no-rotation": ReferenceProvider("rfc6749", rotate_refresh_tokens=False),
        "tencent-ciam": ReferenceProvider("tencent-ciam"),
        "api-v1": ReferenceProvider("api-v1"),
    }


def reference_providers(stack: contextlib.ExitStack) -> dict[str, ReferenceProvider]:
    """Start one provider per flavor, plus a plain one without refresh-token rotation."""
    providers = _reference_providers()
    for provider in providers.values():
        stack.enter_context(provider)
    return providers


def all_cases(stack: contextlib.ExitStack, *, roundtrips: bool = True) -> list[Case]:
    """Start the servers (closed with ``stack``) and return every case bound to them."""
    replay = stack.enter_context(ReplayServer())
    cases = replay_cases(replay)
    if roundtrips:
        cases += roundtrip_cases(reference_providers(stack))
    return cases


def run_suite(
    transports: Sequence[TransportSpec] | None = None, *, roundtrips: bool = True
) -> SuiteReport:
    """Run vectors, fault scenarios and (unless told not to) round trips through every transport."""
    specs = list(transports) if transports is not None else builtin_transports()
    results: list[CaseResult] = []
    with contextlib.ExitStack() as stack:
        cases = all_cases(stack, roundtrips=roundtrips)
        for spec in specs:
            results += run_transport(spec, cases)
    return SuiteReport(results=agree(results))


__all__ = [
    "AsyncTransport",
    "SuiteReport",
    "Transport",
    "TransportSpec",
    "builtin_transports",
    "run_suite",
    "run_transport",
]


def case_ids() -> list[str]:
    """The id of every case, in the suite's order (for test parametrization).

    Read from the vectors, the fault scenarios and the reference providers' settings: no server
    is started and no socket is opened.
    """
    replayed = [
        *(vector.id for vector in load_vectors()),
        *(vector.id for vector in load_endpoint_vectors()),
        HEADER_CASE_ID,
        *(s.id for s in load_scenarios()),
    ]
    return replayed + [case.id for case in roundtrip_cases(_reference_providers())]
