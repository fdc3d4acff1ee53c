"""``tokenwire conformance --issuer`` against panva's oidc-provider: no false failure.

The whole-provider probe reads its metadata and keys, probes its token endpoint, and verifies
the ID token its refresh answer carries. Everything oidc-provider does right passes; the two
warnings are the token endpoint's real deviations (see ``test_probe_oidc``); each skipped check
says why.
"""

from __future__ import annotations

import json

import pytest

from tests.oidc_peer import POST_CLIENT, PUBLIC_CLIENT, OidcProviderPeer
from tests.peers_oidc.test_probe_oidc import refresh_token_for
from tokenwire.adapters.cli import main
from tokenwire.conformance.probes.registry import ALL_CHECKS

#: What a confidential client with a refresh token sees: all passes but these.
EXPECTED = {check.id: "pass" for check in ALL_CHECKS} | {
    "success.pragma": "warn",
    "errors.unauthorized-challenge": "warn",
    "throttling.retry-after": "skip",
}
PUBLIC_SKIPS = {
    "errors.invalid-client",
    "errors.basic-challenge",
    "errors.unauthorized-challenge",
    "errors.duplicate-parameter",
    "client-auth.basic",
    "client-auth.one-method",
    "client-auth.extra-parameter",
    "throttling.retry-after",
}


@pytest.fixture(autouse=True)
def _no_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKENWIRE_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("TOKENWIRE_REFRESH_TOKEN", raising=False)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, str]]]:
    code = main(["conformance", "--interval", "0", "--format", "json", *argv])
    out, _ = capsys.readouterr()
    return code, json.loads(out)["results"]


def test_a_confidential_client_has_no_false_failure(
    oidc_provider: OidcProviderPeer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert POST_CLIENT.client_secret is not None
    refresh_token = refresh_token_for(oidc_provider, POST_CLIENT)

    code, results = run_cli(
        capsys,
        "--issuer",
        oidc_provider.issuer,
        "--client-id",
        POST_CLIENT.client_id,
        "--client-secret",
        POST_CLIENT.client_secret,
        "--refresh-token",
        refresh_token,
    )

    assert code == 0
    assert {r["id"]: r["outcome"] for r in results} == EXPECTED
    for result in results:
        if result["outcome"] == "skip":
            assert result["detail"], result["id"]
    by_id = {r["id"]: r for r in results}
    assert "token response" in by_id["idtoken.claims"]["detail"]
    assert "agrees with the OpenID configuration" in by_id["metadata.oauth-document"]["detail"]


def test_a_public_client_has_no_false_failure(
    oidc_provider: OidcProviderPeer, capsys: pytest.CaptureFixture[str]
) -> None:
    refresh_token = refresh_token_for(oidc_provider, PUBLIC_CLIENT)

    code, results = run_cli(
        capsys,
        "--issuer",
        oidc_provider.issuer,
        "--client-id",
        PUBLIC_CLIENT.client_id,
        "--refresh-token",
        refresh_token,
    )

    assert code == 0
    outcomes = {r["id"]: r["outcome"] for r in results}
    expected = {k: "skip" if k in PUBLIC_SKIPS else "pass" for k in EXPECTED}
    assert outcomes == expected | {"success.pragma": "warn"}
    assert all(r["detail"] for r in results if r["outcome"] == "skip")
