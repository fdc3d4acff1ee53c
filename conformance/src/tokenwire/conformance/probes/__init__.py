"""Live probes: check a real provider's token endpoint against RFC 6749 §5.1 and §5.2, and more.

A run sends a short, fixed list of requests (a valid one, deliberate mistakes, and with a refresh
token the refresh round trip), spaced out, then judges each check from the answers::

    target = ProbeTarget(token_url=url, auth=ClientAuth(client_id, secret))
    with HttpcoreTransport() as transport:
        report = run_probes(target, transport, announce=print)
    print(render_table(report))

Each check has an id, the RFC section it comes from, a level (MUST, SHOULD, INFO) and an
outcome (pass, fail, warn, skip); only a MUST check can fail. Evidence never holds a token or a
secret.
"""

from tokenwire.conformance.probes.model import (
    Finding,
    ProbeCheck,
    Seen,
)
from tokenwire.conformance.probes.plan import (
    DEFAULT_INTERVAL,
    MAX_REQUESTS,
    Probe,
    announcement,
    build_plan,
)
from tokenwire.conformance.probes.registry import CHECKS, check_named
from tokenwire.conformance.probes.report import render_junit_report, render_table
from tokenwire.conformance.probes.results import (
    CheckResult,
    Evidence,
    Level,
    ProbeOutcome,
    ProbeReport,
)
from tokenwire.conformance.probes.runner import run_probes
from tokenwire.conformance.probes.target import ProbeTarget

__all__ = [
    "CHECKS",
    "ProbeCheck",
    "CheckResult",
    "DEFAULT_INTERVAL",
    "Evidence",
    "Finding",
    "Level",
    "MAX_REQUESTS",
    "ProbeOutcome",
    "Probe",
    "ProbeReport",
    "ProbeTarget",
    "Seen",
    "announcement",
    "build_plan",
    "check_named",
    "render_junit_report",
    "render_table",
    "run_probes",
]
