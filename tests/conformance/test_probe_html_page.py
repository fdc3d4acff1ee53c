"""The HTML report's page itself: escaped, self-contained, every check with its citation."""

from __future__ import annotations

import re

from tokenwire.conformance.probes import CheckResult, Evidence, ProbeReport
from tokenwire.conformance.probes.citations import citations
from tokenwire.conformance.probes.html import render_html
from tokenwire.conformance.probes.registry import ALL_CHECKS

HOSTILE = CheckResult(
    id="errors.json-body",
    section="RFC 6749 §5.2",
    level="MUST",
    title="error answers are application/json objects with an error member",
    outcome="fail",
    detail='HTTP 400, body is not a JSON object (<script>alert("x")</script>)',
    evidence=(Evidence(request="a <b>request</b>", status=400, body="<img src=x onerror=1>"),),
)


def test_everything_from_the_provider_is_escaped() -> None:
    page = render_html(
        ProbeReport(token_url="https://as.example/token", results=(HOSTILE,), requests_sent=1)
    )

    assert "<script" not in page
    assert "<img" not in page
    assert "&lt;script&gt;" in page
    assert "&lt;img src=x onerror=1&gt;" in page


def test_the_page_loads_nothing_from_anywhere() -> None:
    page = render_html(
        ProbeReport(token_url="https://as.example/token", results=(HOSTILE,), requests_sent=1)
    )

    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", page)
    assert not re.search(r"<[^>]*\bsrc=|@import|url\(", page)
    # Links to the cited sections are the only URLs, and they are not loaded.
    assert re.findall(r'href="([^"]+)"', page) == [
        "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"
    ]


def test_every_check_section_can_be_cited() -> None:
    for check in ALL_CHECKS:
        assert citations(check.section), check.id
