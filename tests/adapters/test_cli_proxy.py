"""``tokenwire token --proxy``: requests go through the proxy; a bad URL is refused unquoted."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.proxy_endpoint import HOSTS
from tests.proxy_server import running_proxy
from tokenwire.adapters.cli import main
from tokenwire.conformance.reference import POST_CLIENT, ReferenceProvider

PASSWORD = "CliProxyPassw0rd-4b2"


@pytest.fixture(scope="module")
def provider() -> Iterator[ReferenceProvider]:
    with ReferenceProvider("rfc6749") as running:
        yield running


def token_args(provider: ReferenceProvider, transport: str, *extra: str) -> list[str]:
    return [
        "token",
        "--token-url",
        provider.profile().token_url,
        "--client-id",
        POST_CLIENT.client_id,
        "--auth-method",
        "client_secret_post",
        "--transport",
        transport,
        *extra,
    ]


@pytest.mark.parametrize("transport", ["httpcore", "stdlib"])
def test_proxy_sends_the_token_request_through_the_proxy(
    provider: ReferenceProvider,
    transport: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOKENWIRE_CLIENT_SECRET", POST_CLIENT.client_secret or "")
    with running_proxy(HOSTS, credentials=("cli", PASSWORD)) as proxy:
        code = main(token_args(provider, transport, "--proxy", proxy.url_with("cli", PASSWORD)))
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert json.loads(out)["access_token"]
    assert [(seen.method, seen.target, seen.status) for seen in proxy.log] == [
        ("POST", provider.profile().token_url, 200)
    ]


@pytest.mark.parametrize(
    "proxy", [f"https://cli:{PASSWORD}@proxy.corp:3128", f"http://cli:{PASSWORD}@proxy:port"]
)
def test_a_bad_proxy_url_is_a_usage_error_that_does_not_quote_it(
    provider: ReferenceProvider,
    proxy: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOKENWIRE_CLIENT_SECRET", POST_CLIENT.client_secret or "")
    code = main(token_args(provider, "stdlib", "--proxy", proxy))
    out, err = capsys.readouterr()
    assert code == 2
    assert "--proxy" in err
    assert PASSWORD not in out + err
