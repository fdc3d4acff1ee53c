"""Make ``docs/probe-report.png``: the HTML report of an ``--issuer`` probe of oidc-provider.

Run once after the report's look changes (it needs the peers: node with oidc-provider, and
Chromium): ``uv run python scripts/probe_report_screenshot.py``. It starts oidc-provider on
loopback, logs in for a refresh token, probes the whole provider, and saves the first screen of
the report at phone width (390 x 844 CSS pixels).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import launch_chromium  # noqa: E402
from tests.oidc_peer import POST_CLIENT, OidcProviderPeer  # noqa: E402
from tests.peers_oidc.test_probe_oidc import refresh_token_for  # noqa: E402
from tests.probe_html_view import view  # noqa: E402
from tokenwire.adapters.httpcore import HttpcoreTransport  # noqa: E402
from tokenwire.conformance.probes.html import render_html  # noqa: E402
from tokenwire.conformance.probes.issuer import IssuerTarget, run_issuer_probes  # noqa: E402

OUTPUT = ROOT / "docs" / "probe-report.png"


def main() -> int:
    node = shutil.which("node")
    if node is None:
        sys.stderr.write("node is not installed\n")
        return 1
    with OidcProviderPeer(node) as peer:
        target = IssuerTarget(
            issuer=peer.issuer,
            client_id=POST_CLIENT.client_id,
            client_secret=POST_CLIENT.client_secret,
            refresh_token=refresh_token_for(peer, POST_CLIENT),
        )
        with HttpcoreTransport() as transport:
            report = run_issuer_probes(target, transport, interval=0)
    html = render_html(report)
    with launch_chromium() as chromium:
        shown = chromium.run(lambda browser: view(browser, html, OUTPUT))
    if shown.errors or shown.blocked:
        sys.stderr.write(f"the page misbehaved: {shown.errors} {shown.blocked}\n")
        return 1
    sys.stdout.write(f"wrote {OUTPUT.relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
