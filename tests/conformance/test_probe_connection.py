"""``tokenwire conformance --token-url`` reaches a provider the way ``tokenwire token`` does:
through ``--proxy`` (or ``HTTPS_PROXY``), trusting ``--ca-file``'s roots."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conformance.test_probe_cli import probe_args
from tests.proxy_endpoint import HOSTS, NAME, TokensTestEndpoint, tokens_test_endpoint
from tests.proxy_server import RunningProxy, running_proxy
from tokenwire.adapters.cli import EXIT_TRANSPORT, main
from tokenwire.conformance.reference import ReferenceProvider


@pytest.fixture
def provider() -> Iterator[ReferenceProvider]:
    with ReferenceProvider("rfc6749") as started:
        yield started


@pytest.fixture
def proxy() -> Iterator[RunningProxy]:
    with running_proxy(HOSTS) as running:
        yield running


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[TokensTestEndpoint]:
    with tokens_test_endpoint(tmp_path) as running:
        yield running


def test_every_probe_goes_through_the_proxy_it_is_given(
    provider: ReferenceProvider, proxy: RunningProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    url = provider.profile().token_url
    code = main(probe_args(url, "--proxy", proxy.url, "--format", "json"))
    capsys.readouterr()
    assert code == 0
    assert proxy.log
    assert {(seen.method, seen.target) for seen in proxy.log} == {("POST", url)}


def test_a_private_ca_is_trusted_with_ca_file(
    endpoint: TokensTestEndpoint,
    proxy: RunningProxy,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)  # tokens.test exists only behind the proxy
    trusted = main(
        probe_args(endpoint.url, "--ca-file", str(endpoint.ca.pem.cert), "--format", "json")
    )
    _, err = capsys.readouterr()
    # The endpoint answers every request with one token: the probes find faults (exit 1), but
    # every request got through the tunnel and the TLS handshake.
    assert trusted in (0, 1), err
    assert endpoint.server.requests
    assert all(seen.method == "CONNECT" and seen.target.startswith(NAME) for seen in proxy.log)
    untrusted = main(probe_args(endpoint.url, "--format", "json"))
    _, err = capsys.readouterr()
    assert untrusted == EXIT_TRANSPORT
    assert "CertificateError" in err
