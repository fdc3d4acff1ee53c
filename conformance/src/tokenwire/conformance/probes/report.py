"""Rendering a probe report: a table for people, JUnit XML for CI (JSON is the report's own).

Everything rendered comes from the report, whose details and evidence were redacted when it was
built; nothing here sees a request, a secret or a raw body.
"""

from __future__ import annotations

from tokenwire.conformance.junit import JUnitCase, render_junit
from tokenwire.conformance.probes.results import (
    CheckResult,
    Evidence,
    ProbeReport,
)

_MARK = {"pass": "pass", "fail": "FAIL", "warn": "WARN", "skip": "skip"}
#: The detail column of the table is cut here; the findings below it show it whole.
_DETAIL_WIDTH = 72
#: Evidence lines shown per finding in the table.
_EVIDENCE_LINES = 3


def format_evidence(item: Evidence) -> str:
    """One line: what was sent, and what came back (status, headers, body excerpt)."""
    if item.status is None:
        return f"{item.request}: {item.note or 'no answer'}"
    parts = [f"HTTP {item.status}"]
    parts += [f"{name}: {value}" for name, value in item.headers.items()]
    if item.body:
        parts.append(f"body {item.body}")
    return f"{item.request} -> " + "; ".join(parts)


def summary_line(report: ProbeReport) -> str:
    counts = report.summary
    text = ", ".join(f"{n} {key}" for key, n in counts.items())
    return f"{text} ({report.requests_sent} requests sent)"


def render_table(report: ProbeReport) -> str:
    """Checks down the page, then every failure and warning with its evidence."""
    results = report.results
    width = max(len("check"), *(len(r.id) for r in results)) if results else len("check")
    lines = [
        f"Probe of {report.issuer or report.token_url}",
        "",
        f"{'check':<{width}}  {'level':<6}  {'result':<6}  detail",
        f"{'-' * width}  {'-' * 6}  {'-' * 6}  {'-' * 6}",
    ]
    for r in results:
        detail = r.detail if len(r.detail) <= _DETAIL_WIDTH else r.detail[: _DETAIL_WIDTH - 1] + "…"
        lines.append(f"{r.id:<{width}}  {r.level:<6}  {_MARK[r.outcome]:<6}  {detail}".rstrip())
    findings = [r for r in results if r.outcome in ("fail", "warn")]
    if findings:
        lines += ["", "Findings:"]
        for r in findings:
            lines.append(f"  {_MARK[r.outcome]} {r.id} ({r.level}, {r.section}): {r.title}")
            lines.append(f"       {r.detail}")
            lines += [f"       - {format_evidence(e)}" for e in r.evidence[:_EVIDENCE_LINES]]
            if len(r.evidence) > _EVIDENCE_LINES:
                more = len(r.evidence) - _EVIDENCE_LINES
                lines.append(f"       - and {more} more answer(s) (all of them in --format json)")
    if report.stopped:
        lines += ["", f"Stopped early: {report.stopped}."]
    lines += ["", summary_line(report)]
    return "\n".join(lines) + "\n"


def _junit_case(result: CheckResult, suite: str) -> JUnitCase:
    topic = result.id.split(".", 1)[0]
    head = f"{result.title} ({result.level}, {result.section})"
    evidence = "\n".join(f"- {format_evidence(e)}" for e in result.evidence)
    explained = f"{head}\n{result.detail}\n{evidence}".rstrip()
    classname = f"{suite}.{topic}"
    if result.outcome == "fail":
        return JUnitCase(
            classname=classname,
            name=result.id,
            outcome="failed",
            message=result.detail,
            text=explained,
        )
    if result.outcome == "skip":
        return JUnitCase(
            classname=classname, name=result.id, outcome="skipped", message=result.detail
        )
    prefix = "WARNING: " if result.outcome == "warn" else ""
    return JUnitCase(
        classname=classname, name=result.id, outcome="passed", output=prefix + explained
    )


def render_junit_report(report: ProbeReport, *, suite: str = "tokenwire-probe") -> str:
    """The report as a JUnit ``<testsuite>``: fail is a failure, skip skipped, warn passes with
    the warning in ``<system-out>``."""
    return render_junit([_junit_case(r, suite) for r in report.results], suite=suite)
