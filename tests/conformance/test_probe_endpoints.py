"""Probes of live revocation and introspection endpoints: the reference provider passes them, an
endpoint that answers anything to anyone fails them, and they are sent only when asked for."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conformance.test_probe_reference import probe
from tokenwire.conformance.probes import MAX_REQUESTS, ProbeTarget, build_plan
from tokenwire.conformance.probes.endpoints import ENDPOINT_REQUESTS
from tokenwire.conformance.reference import POST_CLIENT, PUBLIC_CLIENT, ReferenceProvider
from tokenwire.conformance.replay import ReplayServer, ScriptedReply
from tokenwire.conformance.vectors import CannedResponse
from tokenwire.core import ConfigurationError

ENDPOINT_CHECKS = (
    "revocation.invalid-token",
    "revocation.client-auth",
    "introspection.inactive",
    "introspection.client-auth",
)


@pytest.fixture(scope="module")
def provider() -> Iterator[ReferenceProvider]:
    with ReferenceProvider("rfc6749") as started:
        yield started


def _outcomes(target: ProbeTarget) -> dict[str, str]:
    report = probe(target)
    return {check: report.result(check).outcome for check in ENDPOINT_CHECKS}


def test_the_reference_provider_passes_every_endpoint_check(provider: ReferenceProvider) -> None:
    target = ProbeTarget(
        token_url=provider.token_url,
        auth=POST_CLIENT.auth(),
        revocation_url=provider.revocation_url,
        introspection_url=provider.introspection_url,
    )
    assert _outcomes(target) == dict.fromkeys(ENDPOINT_CHECKS, "pass")
    assert len(build_plan(target)) <= MAX_REQUESTS + ENDPOINT_REQUESTS


def test_endpoints_that_answer_anyone_fail_the_authentication_and_inactive_checks(
    provider: ReferenceProvider,
) -> None:
    ok, active = (
        CannedResponse(status=200, body="{}"),
        CannedResponse(
            status=200, headers=[("Content-Type", "application/json")], body='{"active": true}'
        ),
    )
    with ReplayServer() as careless:
        careless.arm([ScriptedReply(response=r) for r in (ok, ok, active, active)])
        target = ProbeTarget(
            token_url=provider.token_url,
            auth=POST_CLIENT.auth(),
            revocation_url=careless.base_url + "/revoke",
            introspection_url=careless.base_url + "/introspect",
        )
        outcomes = _outcomes(target)
        assert careless.take().requests == 4
    assert outcomes == {
        "revocation.invalid-token": "pass",
        "revocation.client-auth": "fail",
        "introspection.inactive": "fail",
        "introspection.client-auth": "fail",
    }


def test_without_the_urls_nothing_is_sent_there_and_the_checks_say_what_they_need(
    provider: ReferenceProvider,
) -> None:
    report = probe(ProbeTarget(token_url=provider.token_url, auth=POST_CLIENT.auth()))
    assert report.result("revocation.invalid-token").outcome == "skip"
    assert "--revocation-url" in report.result("revocation.invalid-token").detail
    assert "--introspection-url" in report.result("introspection.inactive").detail


def test_a_public_client_sends_no_unauthenticated_probe(provider: ReferenceProvider) -> None:
    target = ProbeTarget(
        token_url=provider.token_url,
        auth=PUBLIC_CLIENT.auth(),
        revocation_url=provider.revocation_url,
        introspection_url=provider.introspection_url,
    )
    names = [p.name for p in build_plan(target)]
    assert "revoke-invalid-token" in names
    assert not any("without-client-authentication" in name for name in names)
    report = probe(target, None)
    assert report.result("revocation.client-auth").outcome == "skip"


def test_the_endpoint_urls_are_checked_before_anything_is_sent() -> None:
    with pytest.raises(ConfigurationError):
        ProbeTarget(
            token_url="https://as.example.com/token",
            auth=POST_CLIENT.auth(),
            revocation_url="http://as.example.com/revoke",
        )
