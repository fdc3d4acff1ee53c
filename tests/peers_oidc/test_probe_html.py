"""``--format html``: the report of a whole-provider probe of oidc-provider, in real Chromium.

The page must show every check with its outcome, detail and citation, fit a phone's width with
no sideways scroll, log no console error, and request nothing from any host.
"""

from __future__ import annotations

import pytest

from tests.browser import Chromium
from tests.oidc_peer import POST_CLIENT, OidcProviderPeer
from tests.peers_oidc.test_probe_oidc import refresh_token_for
from tests.probe_html_view import PHONE_WIDTH, Rendered, view
from tokenwire.adapters.httpcore import HttpcoreTransport
from tokenwire.conformance.probes import CheckResult, ProbeReport
from tokenwire.conformance.probes.html import render_html
from tokenwire.conformance.probes.issuer import IssuerTarget, run_issuer_probes


@pytest.fixture(scope="module")
def report(oidc_provider: OidcProviderPeer) -> ProbeReport:
    target = IssuerTarget(
        issuer=oidc_provider.issuer,
        client_id=POST_CLIENT.client_id,
        client_secret=POST_CLIENT.client_secret,
        refresh_token=refresh_token_for(oidc_provider, POST_CLIENT),
    )
    with HttpcoreTransport() as transport:
        return run_issuer_probes(target, transport, interval=0)


def test_the_html_report_shows_every_check_on_a_phone_with_nothing_fetched(
    report: ProbeReport, chromium: Chromium
) -> None:
    html = render_html(report)

    shown: Rendered = chromium.run(lambda browser: view(browser, html))

    assert shown.errors == []
    assert shown.blocked == []
    assert all(url.startswith(("about:", "data:")) for url in shown.requests), shown.requests
    assert shown.scroll_width <= shown.client_width == PHONE_WIDTH
    assert shown.row_ids == [r.id for r in _ordered(report)]
    assert shown.title == f"tokenwire probe of {report.issuer}"
    assert "2 warned" in shown.text
    assert "Warnings (2)" in shown.text
    assert "HTTP 401 without WWW-Authenticate: wrong-secret" in shown.text
    assert "RFC 6749 §5.1" in shown.text
    assert "MUST include the HTTP \u201cCache-Control\u201d" not in shown.text  # quoted as sent
    assert 'with a value of "no-store"' in shown.text
    assert POST_CLIENT.client_secret is not None
    assert POST_CLIENT.client_secret not in html


def _ordered(report: ProbeReport) -> list[CheckResult]:
    """Report results in the page's order: failed, warnings, passed, skipped; MUST first."""
    groups = ("fail", "warn", "pass", "skip")
    levels = ("MUST", "SHOULD", "INFO")
    return sorted(report.results, key=lambda r: (groups.index(r.outcome), levels.index(r.level)))
