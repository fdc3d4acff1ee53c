"""The probe report as one self-contained HTML page (``--format html``).

No script, no stylesheet, font or image from anywhere: the CSS is inline, so the file can be
mailed or attached to a CI run and opened offline. It reads on a phone (390 px wide): the check
table has three narrow columns and everything else wraps under its row. Like the table and JUnit
renderers, it only sees the report, whose details and evidence were redacted when it was built;
every text is HTML-escaped.
"""

from __future__ import annotations

from html import escape

from tokenwire.conformance.probes.citations import REQUIREMENTS, citations
from tokenwire.conformance.probes.report import format_evidence
from tokenwire.conformance.probes.results import SUMMARY_KEYS, CheckResult, ProbeReport

__all__ = ["render_html"]

#: Groups in the order the page shows them: what needs attention first.
_ORDER = ("fail", "warn", "pass", "skip")
_HEADINGS = {"fail": "Failed", "warn": "Warnings", "pass": "Passed", "skip": "Skipped"}
_LEVELS = ("MUST", "SHOULD", "INFO")

_CSS = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:12px;
color:#1b1f24;background:#fff;max-width:960px;margin:auto}
h1{font-size:1.25rem;margin:.2em 0;overflow-wrap:anywhere}
h2{font-size:1.05rem;margin:1.2em 0 .4em}
p,li,td,th,blockquote,pre{overflow-wrap:anywhere}
.counts{display:flex;flex-wrap:wrap;gap:6px;padding:0;list-style:none}
.counts li{padding:2px 10px;border-radius:12px;font-weight:600}
.fail{background:#ffe1e1;color:#8a1010}.warn{background:#fff1c9;color:#6b4a00}
.pass{background:#dcf5e3;color:#115c2a}.skip{background:#eceff3;color:#3f4954}
table{width:100%;border-collapse:collapse;table-layout:fixed}
th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #e3e6ea;vertical-align:top}
th.n,td.n{width:4.2em}
table.checks col.level{width:5.6em}table.checks col.result{width:4.2em}
td.nw,th.nw{white-space:nowrap;overflow-wrap:normal;font-size:.85em}
td.id code{font-weight:600}
tr.more td{border-bottom:2px solid #cfd5dc;padding-bottom:10px}
.title{color:#3f4954}
blockquote{margin:.4em 0;padding:.2em .6em;border-left:3px solid #cfd5dc;color:#3f4954;
font-size:.92em}
pre{white-space:pre-wrap;font-size:.85em;background:#f6f8fa;padding:6px;margin:.3em 0}
code{font-size:.92em}
.badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:.85em;font-weight:600}
"""


def _count_table(report: ProbeReport) -> str:
    head = "".join(f'<th class="n">{escape(o)}</th>' for o in _ORDER)
    rows = []
    for level in _LEVELS:
        cells = []
        for outcome in _ORDER:
            n = sum(1 for r in report.results if r.level == level and r.outcome == outcome)
            cells.append(f'<td class="n">{n}</td>')
        rows.append(f"<tr><th>{level}</th>{''.join(cells)}</tr>")
    return (
        f'<table class="levels"><thead><tr><th>level</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _cited(result: CheckResult) -> str:
    try:
        cited = citations(result.section)
    except ValueError:
        return f"<p>Cites {escape(result.section)}</p>"
    links = ", ".join(
        f'<a href="{escape(c.url)}" rel="noreferrer">{escape(c.label)}</a>' for c in cited
    )
    quotes = "".join(
        f"<blockquote>{escape(c.label)}: “{escape(REQUIREMENTS[c.label])}”</blockquote>"
        for c in cited
        if c.label in REQUIREMENTS
    )
    return f"<p>Cites {links}</p>{quotes}"


def _evidence(result: CheckResult) -> str:
    if not result.evidence:
        return ""
    items = "".join(f"<li><pre>{escape(format_evidence(e))}</pre></li>" for e in result.evidence)
    return (
        f"<details><summary>Evidence ({len(result.evidence)})</summary><ul>{items}</ul></details>"
    )


def _rows(result: CheckResult) -> str:
    mark = f'<span class="badge {result.outcome}">{escape(result.outcome)}</span>'
    return (
        f'<tr id="{escape(result.id)}"><td class="id"><code>{escape(result.id)}</code>'
        f'<div class="title">{escape(result.title)}</div></td>'
        f'<td class="nw">{escape(result.level)}</td><td class="nw">{mark}</td></tr>'
        f'<tr class="more"><td colspan="3"><p>{escape(result.detail)}</p>'
        f"{_cited(result)}{_evidence(result)}</td></tr>"
    )


def _group(report: ProbeReport, outcome: str) -> str:
    results = [r for r in report.results if r.outcome == outcome]
    if not results:
        return ""
    results.sort(key=lambda r: _LEVELS.index(r.level))
    body = "".join(_rows(r) for r in results)
    return (
        f"<section><h2>{_HEADINGS[outcome]} ({len(results)})</h2>"
        '<table class="checks"><colgroup><col><col class="level"><col class="result"></colgroup>'
        '<thead><tr><th>Check</th><th class="nw">Level</th><th class="nw">Result</th></tr></thead>'
        f"<tbody>{body}</tbody></table></section>"
    )


def render_html(report: ProbeReport) -> str:
    """The whole report as one HTML document (UTF-8 text)."""
    subject = report.issuer or report.token_url
    summary = report.summary
    counts = "".join(
        f'<li class="{key}">{summary[SUMMARY_KEYS[key]]} {SUMMARY_KEYS[key]}</li>' for key in _ORDER
    )
    verdict = "no MUST check failed" if report.ok else "at least one MUST check failed"
    stopped = (
        f"<p><strong>Stopped early:</strong> {escape(report.stopped)}.</p>"
        if report.stopped
        else ""
    )
    endpoint = (
        f"<p>Token endpoint: <code>{escape(report.token_url)}</code></p>"
        if report.issuer and report.token_url
        else ""
    )
    groups = "".join(_group(report, outcome) for outcome in _ORDER)
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>tokenwire probe of {escape(subject)}</title><style>{_CSS}</style></head>"
        f"<body><header><h1>tokenwire probe of <code>{escape(subject)}</code></h1>{endpoint}"
        f'<ul class="counts">{counts}</ul>'
        f"<p>{len(report.results)} checks, {report.requests_sent} requests sent: {verdict}.</p>"
        f"{stopped}{_count_table(report)}</header><main>{groups}</main>"
        "<footer><p>Levels: MUST fails on a deviation; SHOULD and INFO warn. Evidence is "
        "redacted: no token or secret appears in this page.</p></footer></body></html>\n"
    )
