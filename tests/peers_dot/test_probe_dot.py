"""``tokenwire conformance --issuer`` against django-oauth-toolkit: no false failure.

Every outcome here is what DOT 3 really does, default settings (``docs/probing.md`` quotes the
RFC text for each deviation):

- ``errors.basic-challenge`` fails: a wrong secret sent with Basic gets 401 with
  ``WWW-Authenticate: Bearer``, where RFC 6749 §5.2 wants the scheme the client used;
- ``errors.missing-grant-type`` fails: no ``grant_type`` is answered ``unsupported_grant_type``
  (oauthlib's choice), where §5.2 names ``invalid_request`` for a missing parameter;
- ``errors.duplicate-parameter`` and ``client-auth.one-method`` warn: ``grant_type`` twice, and
  credentials in both places, are accepted (RFC 6749 §3.2, §2.3);
- ``refresh.reuse-revokes-grant`` warns: reuse protection (``REFRESH_TOKEN_REUSE_PROTECTION``)
  is off by default, so the rotated token survives a reuse of the old one (RFC 9700 §4.14.2).

Everything else it gets right, down to ``Pragma: no-cache``.
"""

from __future__ import annotations

from tests.dot_peer import CODE_CLIENT, PUBLIC_CLIENT, SERVICE_CLIENT, DotClient, DotPeer
from tests.dot_provider.seed import REDIRECT_URI
from tests.transport_flows import token_request
from tokenwire.adapters.httpcore import HttpcoreTransport
from tokenwire.conformance.probes import ProbeReport
from tokenwire.conformance.probes.issuer import IssuerTarget, run_issuer_probes
from tokenwire.conformance.probes.registry import ALL_CHECKS
from tokenwire.core import AuthorizationCode, code_challenge, new_code_verifier

PASS = {check.id: "pass" for check in ALL_CHECKS}
#: DOT's true deviations, whoever the client.
DEVIATIONS = {
    "errors.missing-grant-type": "fail",
    "throttling.retry-after": "skip",
}
CONFIDENTIAL = {"errors.basic-challenge": "fail"}
NO_REFRESH = {
    "refresh.new-access-token": "skip",
    "refresh.rotation": "skip",
    "refresh.old-token-refused": "skip",
    "refresh.reuse-revokes-grant": "skip",
    "idtoken.signature": "skip",
    "idtoken.claims": "skip",
}
PUBLIC_SKIPS = dict.fromkeys(
    (
        "errors.invalid-client",
        "errors.basic-challenge",
        "errors.unauthorized-challenge",
        "errors.duplicate-parameter",
        "client-auth.basic",
        "client-auth.one-method",
        "client-auth.extra-parameter",
    ),
    "skip",
)
NOT_CLIENT_CREDENTIALS = dict.fromkeys(
    (
        "errors.duplicate-parameter",
        "client-auth.basic",
        "client-auth.one-method",
        "client-auth.extra-parameter",
    ),
    "skip",
)


def refresh_token(peer: DotPeer, client: DotClient) -> str:
    verifier = new_code_verifier()
    code = peer.obtain_code(client, "openid read", code_challenge(verifier))
    grant = AuthorizationCode(code, REDIRECT_URI, verifier)
    token = token_request("httpcore-sync", peer.profile(), client.auth, grant)
    assert token.refresh_token
    return token.refresh_token


def probe(peer: DotPeer, client: DotClient, refresh: str | None) -> ProbeReport:
    target = IssuerTarget(
        issuer=peer.issuer,
        client_id=client.client_id,
        client_secret=client.client_secret,
        refresh_token=refresh,
    )
    with HttpcoreTransport() as transport:
        return run_issuer_probes(target, transport, interval=0)


def assert_skips_say_why(report: ProbeReport) -> None:
    for result in report.results:
        if result.outcome == "skip":
            assert result.detail, result.id


def test_the_client_credentials_application(dot_provider: DotPeer) -> None:
    report = probe(dot_provider, SERVICE_CLIENT, None)

    expected = PASS | DEVIATIONS | CONFIDENTIAL | NO_REFRESH
    assert report.outcomes == expected | {
        "errors.duplicate-parameter": "warn",
        "client-auth.one-method": "warn",
    }
    assert "Bearer" in report.result("errors.basic-challenge").detail
    assert_skips_say_why(report)


def test_the_code_application_with_a_refresh_token(dot_provider: DotPeer) -> None:
    report = probe(dot_provider, CODE_CLIENT, refresh_token(dot_provider, CODE_CLIENT))

    expected = PASS | DEVIATIONS | CONFIDENTIAL | NOT_CLIENT_CREDENTIALS
    assert report.outcomes == expected | {"refresh.reuse-revokes-grant": "warn"}
    # The success checks read the refresh answer: this application may not use client_credentials.
    assert report.result("success.status").evidence[0].request.startswith("the refresh token")
    assert "token response" in report.result("idtoken.claims").detail
    assert_skips_say_why(report)


def test_the_public_application(dot_provider: DotPeer) -> None:
    report = probe(dot_provider, PUBLIC_CLIENT, refresh_token(dot_provider, PUBLIC_CLIENT))

    expected = PASS | DEVIATIONS | PUBLIC_SKIPS
    assert report.outcomes == expected | {"refresh.reuse-revokes-grant": "warn"}
    assert_skips_say_why(report)
