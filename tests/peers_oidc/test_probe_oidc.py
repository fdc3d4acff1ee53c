"""The live probes against a real third-party server: panva's oidc-provider.

The expected reports are written from what this server really sends (see ``tests/oidc_peer.py``
and ``test_token_endpoint_headers``): ``Cache-Control: no-store`` on every token-endpoint answer
and never ``Pragma``; errors as JSON with their proper status; ``WWW-Authenticate`` only when the
client used Basic, also on the 401 it gives a client_secret_post client; refresh tokens rotated,
and a rotated one refused. So the report must have no failure, and exactly two warnings, both
real deviations: no ``Pragma: no-cache`` (RFC 6749 §5.1's legacy requirement), and a 401 without
a challenge (RFC 9110 §11.6.1) for the client_secret_post client.
"""

from __future__ import annotations

import secrets

import msgspec
import pytest

from tests.conformance.test_probe_reference import Recording, assert_no_secret
from tests.oidc_peer import (
    BASIC_CLIENT,
    POST_CLIENT,
    PUBLIC_CLIENT,
    OidcClient,
    OidcProviderPeer,
)
from tokenwire.adapters.httpcore import HttpcoreTransport, TokenClient
from tokenwire.adapters.transport import TransportOptions
from tokenwire.conformance.probes import (
    CHECKS,
    MAX_REQUESTS,
    ProbeReport,
    ProbeTarget,
    render_table,
    run_probes,
)
from tokenwire.core import InvalidGrant, RefreshToken, code_challenge, new_code_verifier

OPTIONS = TransportOptions(connect_timeout=2.0, read_timeout=10.0, total_timeout=15.0)

#: A confidential client with a refresh token: everything this server does right passes.
CONFIDENTIAL = {check.id: "pass" for check in CHECKS} | {
    "success.pragma": "warn",
    "throttling.retry-after": "skip",
}


def refresh_token_for(peer: OidcProviderPeer, client: OidcClient) -> str:
    """A refresh token, through the login and consent forms (offline_access, prompt=consent)."""
    verifier = new_code_verifier()
    code = peer.obtain_code(
        client,
        "openid offline_access",
        code_challenge=code_challenge(verifier),
        state=secrets.token_urlsafe(16),
        nonce=secrets.token_urlsafe(16),
        prompt="consent",
    )
    with TokenClient(peer.profile(), client.auth, options=OPTIONS) as tokens:
        token = tokens.exchange_code(code, client.redirect_uri, verifier)
    assert token.refresh_token
    return token.refresh_token


def probe(target: ProbeTarget, recording: Recording) -> ProbeReport:
    return run_probes(target, recording, interval=0)


def test_post_client(oidc_provider: OidcProviderPeer) -> None:
    refresh_token = refresh_token_for(oidc_provider, POST_CLIENT)
    target = ProbeTarget(
        token_url=oidc_provider.token_url, auth=POST_CLIENT.auth, refresh_token=refresh_token
    )
    recording = Recording(HttpcoreTransport(options=OPTIONS))

    report = probe(target, recording)

    assert report.outcomes == CONFIDENTIAL | {"errors.unauthorized-challenge": "warn"}
    assert report.ok
    assert report.requests_sent == MAX_REQUESTS
    # Both warnings are what the server really sent.
    pragma = report.result("success.pragma").evidence
    assert [(e.status, "Pragma" in e.headers) for e in pragma] == [(200, False)]
    assert pragma[0].headers["Cache-Control"] == "no-store"
    challenge = report.result("errors.unauthorized-challenge")
    assert [(e.status, "WWW-Authenticate" in e.headers) for e in challenge.evidence] == [
        (401, False)
    ]
    assert "wrong-secret" in challenge.detail
    assert "client_secret_post" in challenge.evidence[0].request
    # The Basic request of the same client got its challenge.
    assert report.outcomes["errors.basic-challenge"] == "pass"
    # The refresh token the server rotated to died with the grant when the old one was reused,
    # as the announcement warns, and as the last probe saw (RFC 9700 §4.14.2).
    assert report.outcomes["refresh.reuse-revokes-grant"] == "pass"
    assert recording.responses[-1].status == 400
    refreshed = recording.responses[-3]
    assert refreshed.status == 200
    new_refresh = msgspec.json.decode(refreshed.body)["refresh_token"]
    assert new_refresh != refresh_token
    with (
        TokenClient(oidc_provider.profile(), POST_CLIENT.auth, options=OPTIONS) as tokens,
        pytest.raises(InvalidGrant),
    ):
        tokens.request(RefreshToken(new_refresh))
    assert_no_secret(render_table(report), [*target.secrets, *recording.issued()])
    assert_no_secret(report.to_json().decode(), [*target.secrets, *recording.issued()])


def test_basic_client_with_scope(oidc_provider: OidcProviderPeer) -> None:
    """The awkward Basic client: every 401 carries its challenge, so only Pragma is left."""
    refresh_token = refresh_token_for(oidc_provider, BASIC_CLIENT)
    target = ProbeTarget(
        token_url=oidc_provider.token_url,
        auth=BASIC_CLIENT.auth,
        refresh_token=refresh_token,
        scope="api:read",
    )

    report = probe(target, Recording(HttpcoreTransport(options=OPTIONS)))

    assert report.outcomes == CONFIDENTIAL
    assert report.result("success.scope").detail == "'api:read'"
    assert "form-urlencoding changes" in report.result("client-auth.basic").detail
    assert report.requests_sent == MAX_REQUESTS - 2


def test_public_client(oidc_provider: OidcProviderPeer) -> None:
    """No secret: the refresh answer is the success sample, secret-based checks skip."""
    target = ProbeTarget(
        token_url=oidc_provider.token_url,
        auth=PUBLIC_CLIENT.auth,
        refresh_token=refresh_token_for(oidc_provider, PUBLIC_CLIENT),
    )

    report = probe(target, Recording(HttpcoreTransport(options=OPTIONS)))

    skipped = {
        "errors.invalid-client",
        "errors.basic-challenge",
        "errors.unauthorized-challenge",
        "errors.duplicate-parameter",
        "client-auth.basic",
        "client-auth.one-method",
        "client-auth.extra-parameter",
        "throttling.retry-after",
    }
    expected = {c.id: "skip" if c.id in skipped else "pass" for c in CHECKS}
    assert report.outcomes == expected | {"success.pragma": "warn"}
    assert report.result("success.scope").detail == "'openid offline_access'"
    assert report.requests_sent == 6
