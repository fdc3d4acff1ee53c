"""``--issuer``: the whole-provider probe against the OIDC reference provider, plain and broken.

The plain provider passes every metadata and key-set check; each broken mode trips the check made
for it (and only a MUST check fails); ID tokens from a saved token response are verified, and a
bad one fails the right check. Nothing printed holds a secret or a token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conformance.test_probe_reference import assert_no_secret as assert_no_token
from tokenwire.adapters.cli import main
from tokenwire.adapters.httpcore import HttpcoreTransport
from tokenwire.adapters.transport import TransportOptions
from tokenwire.conformance.probes import ProbeReport
from tokenwire.conformance.probes.issuer import (
    ISSUER_CHECKS,
    TARGET_ENDPOINTS,
    IssuerTarget,
    run_issuer_probes,
)
from tokenwire.conformance.probes.issuer_model import SeenIdToken
from tokenwire.conformance.probes.registry import ALL_CHECKS
from tokenwire.conformance.reference.oidc_provider import (
    OIDC_BROKEN_MODES,
    OIDC_CLIENT_ID,
    OIDC_CLIENT_SECRET,
    OidcReferenceProvider,
)
from tokenwire.core import ConfigurationError

OPTIONS = TransportOptions(connect_timeout=2.0, read_timeout=5.0, total_timeout=10.0)


@pytest.fixture
def provider() -> Iterator[OidcReferenceProvider]:
    with OidcReferenceProvider() as started:
        yield started


@pytest.fixture(autouse=True)
def _no_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKENWIRE_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("TOKENWIRE_REFRESH_TOKEN", raising=False)


def probe_issuer(provider: OidcReferenceProvider, *id_tokens: SeenIdToken) -> ProbeReport:
    target = IssuerTarget(
        issuer=provider.issuer,
        client_id=OIDC_CLIENT_ID,
        client_secret=OIDC_CLIENT_SECRET,
        id_tokens=id_tokens,
    )
    with HttpcoreTransport(options=OPTIONS) as transport:
        return run_issuer_probes(target, transport, interval=0)


def assert_no_secret(text: str, secrets: list[str]) -> None:
    """No secret, and no token-like run once metadata member names (snake_case) are left out."""
    assert_no_token(re.sub(r"\b[a-z_]{32,}\b", "", text), secrets)


def issuer_outcomes(report: ProbeReport) -> dict[str, str]:
    return {k: v for k, v in report.outcomes.items() if k.startswith(("metadata.", "jwks."))}


def test_the_plain_provider_passes_every_metadata_and_key_check(
    provider: OidcReferenceProvider,
) -> None:
    report = probe_issuer(provider)

    assert issuer_outcomes(report) == {check.id: "pass" for check in ISSUER_CHECKS}
    assert [r.id for r in report.results] == [c.id for c in ALL_CHECKS]
    assert report.issuer == provider.issuer
    assert report.token_url == f"{provider.issuer}/token"
    assert "not published" in report.result("metadata.oauth-document").detail
    # Without an ID token the ID token checks are skipped, saying how to give one.
    for check in ("idtoken.signature", "idtoken.claims"):
        assert report.outcomes[check] == "skip"
        assert "--token-response" in report.result(check).detail


BROKEN = [
    ("issuer-mismatch", "metadata.issuer", "fail", "not the URL the metadata was fetched for"),
    ("http-endpoint", "metadata.https", "fail", "userinfo_endpoint: http scheme"),
    ("private-jwk", "jwks.no-private-keys", "fail", "private or symmetric key material"),
    ("duplicate-kid", "jwks.unique-kid", "warn", "kid used by more than one key"),
    ("no-s256", "metadata.s256", "fail", "S256 is not listed (plain)"),
]


@pytest.mark.parametrize(("mode", "check", "outcome", "detail"), BROKEN)
def test_each_broken_metadata_or_key_set_trips_its_own_check(
    provider: OidcReferenceProvider, mode: str, check: str, outcome: str, detail: str
) -> None:
    provider.broken = {mode}

    report = probe_issuer(provider)

    assert report.outcomes[check] == outcome
    assert detail in report.result(check).detail
    tripped = {k for k, v in issuer_outcomes(report).items() if v != "pass"}
    assert tripped == {check}
    assert report.result(check).evidence


def test_every_broken_mode_is_covered() -> None:
    covered = {mode for mode, *_ in BROKEN}
    # revocation-400 is judged by the revocation probe, which reads the advertised endpoint.
    assert OIDC_BROKEN_MODES - covered == {"revocation-400"}
    assert TARGET_ENDPOINTS["revocation_url"] == "revocation_endpoint"


def test_a_private_key_never_reaches_the_report(provider: OidcReferenceProvider) -> None:
    provider.broken = {"private-jwk"}

    text = probe_issuer(provider).to_json().decode()

    private = provider.published[0].key.as_dict(private=True)
    for member in ("d", "p", "q"):
        assert str(private[member]) not in text


def test_an_id_token_from_a_saved_response_is_verified(provider: OidcReferenceProvider) -> None:
    access = provider.access_token()
    token = SeenIdToken("--token-response", provider.id_token(access_token=access), access)

    report = probe_issuer(provider, token)

    assert report.outcomes["idtoken.signature"] == "pass"
    assert report.outcomes["idtoken.claims"] == "pass"
    assert_no_secret(report.to_json().decode(), [token.id_token, access])


def test_an_id_token_for_another_issuer_fails_the_claims_check(
    provider: OidcReferenceProvider,
) -> None:
    forged = provider.id_token(provider.claims(iss="https://elsewhere.example"))

    report = probe_issuer(provider, SeenIdToken("--token-response", forged))

    assert report.outcomes["idtoken.signature"] == "pass"
    assert report.outcomes["idtoken.claims"] == "fail"
    assert "iss_mismatch" in report.result("idtoken.claims").detail


def test_an_id_token_signed_by_an_unknown_key_fails_the_signature_check(
    provider: OidcReferenceProvider,
) -> None:
    stray = provider.rotate()  # signs from now on, and the published set follows...
    provider.published = [k for k in provider.published if k is not stray]  # ...but not here

    report = probe_issuer(provider, SeenIdToken("--token-response", provider.id_token()))

    assert report.outcomes["idtoken.signature"] == "fail"
    assert "unknown_kid" in report.result("idtoken.signature").detail


def test_the_cli_probes_an_issuer_with_a_token_response_file(
    provider: OidcReferenceProvider, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    access = provider.access_token()
    id_token = provider.id_token(access_token=access)
    saved = tmp_path / "token.json"
    saved.write_text(json.dumps({"access_token": access, "id_token": id_token}))

    code = main(
        [
            "conformance",
            "--issuer",
            provider.issuer,
            "--client-id",
            OIDC_CLIENT_ID,
            "--client-secret",
            OIDC_CLIENT_SECRET,
            "--token-response",
            str(saved),
            "--interval",
            "0",
            "--format",
            "json",
        ]
    )

    out, err = capsys.readouterr()
    outcomes = {r["id"]: r["outcome"] for r in json.loads(out)["results"]}
    assert outcomes["idtoken.claims"] == "pass"
    assert outcomes["metadata.issuer"] == "pass"
    # The reference login's token endpoint is minimal: its own deviations fail MUST checks.
    assert code == 1
    assert f"probing issuer {provider.issuer}" in err
    assert_no_secret(out + err, [OIDC_CLIENT_SECRET, id_token, access])


def test_an_issuer_without_metadata_is_refused_after_two_requests(
    provider: OidcReferenceProvider,
) -> None:
    provider.discovery_override = (404, b"{}")

    with pytest.raises(ConfigurationError, match="no metadata at"):
        probe_issuer(provider)

    assert sum(provider.requests.values()) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [("not json", "not a JSON token response"), ('{"access_token": "x"}', "no id_token")],
)
def test_a_bad_token_response_file_exits_2(
    provider: OidcReferenceProvider,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    message: str,
) -> None:
    saved = tmp_path / "token.json"
    saved.write_text(content)
    args = ["conformance", "--issuer", provider.issuer, "--client-id", OIDC_CLIENT_ID]

    code = main([*args, "--token-response", str(saved)])

    assert code == 2
    assert message in capsys.readouterr().err
    assert sum(provider.requests.values()) == 0
