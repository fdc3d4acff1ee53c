"""``tokenwire token`` with mutual TLS (``--client-cert``, ``--client-key``, ``--ca-file``) and
the refusals of unreadable key, certificate and CA files, none of which quotes a key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mtls_endpoint import ALPHA, BETA, TOKEN_PREFIX, MtlsEndpoint, mtls_endpoint
from tokenwire.adapters.cli import main

#: Where the refused commands would send: loopback, nothing listening (nothing is sent anyway).
NOWHERE = "https://127.0.0.1:9/token"


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[MtlsEndpoint]:
    with mtls_endpoint(tmp_path) as running:
        yield running


def _args(endpoint: MtlsEndpoint, client_id: str, transport: str, *extra: str) -> list[str]:
    return [
        "token",
        "--token-url",
        endpoint.url,
        "--client-id",
        client_id,
        "--ca-file",
        str(endpoint.ca.pem.cert),
        "--transport",
        transport,
        *extra,
    ]


@pytest.mark.parametrize("transport", ["httpcore", "stdlib"])
def test_a_client_certificate_authenticates_the_client(
    endpoint: MtlsEndpoint, transport: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pem = endpoint.certs[ALPHA]
    extra = ("--client-cert", str(pem.cert), "--client-key", str(pem.key))
    code = main(_args(endpoint, ALPHA, transport, *extra))  # tls_client_auth is implied
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert json.loads(out)["access_token"] == TOKEN_PREFIX + ALPHA


def test_another_clients_certificate_is_invalid_client(
    endpoint: MtlsEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    pem = endpoint.certs[BETA]
    extra = ("--client-cert", str(pem.cert), "--client-key", str(pem.key))
    code = main(_args(endpoint, ALPHA, "stdlib", *extra))
    _, err = capsys.readouterr()
    assert code == 3
    assert "invalid_client" in err


def test_without_the_ca_file_the_server_certificate_is_not_trusted(
    endpoint: MtlsEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    pem = endpoint.certs[ALPHA]
    args = _args(endpoint, ALPHA, "stdlib", "--client-cert", str(pem.cert), "--client-key")
    args.append(str(pem.key))
    index = args.index("--ca-file")
    del args[index : index + 2]
    code = main(args)
    _, err = capsys.readouterr()
    assert code == 5
    assert "certificate" in err.lower()


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--private-key", "missing.pem", "cannot read the --private-key file"),
        ("--ca-file", "missing.pem", "cannot load the --ca-file"),
        ("--client-cert", "missing.pem", "cannot load the client certificate"),
        ("--client-key", "missing.pem", "--client-key needs --client-cert"),
    ],
)
def test_an_unreadable_file_is_a_usage_error_naming_the_flag(
    tmp_path: Path, flag: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["token", "--token-url", NOWHERE, "--client-id", "c"]
    code = main([*args, flag, str(tmp_path / value)])
    _, err = capsys.readouterr()
    assert code == 2
    assert message in err


def test_a_private_key_that_does_not_parse_is_refused_without_being_quoted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "NotAKeyButSecret-6e1d0a"
    path = tmp_path / "key.pem"
    path.write_text(f"-----BEGIN PRIVATE KEY-----\n{secret}\n-----END PRIVATE KEY-----\n")
    args = ["token", "--token-url", NOWHERE, "--client-id", "c"]
    code = main([*args, "--private-key", str(path)])
    _, err = capsys.readouterr()
    assert code == 2
    assert secret not in err


def test_an_issuer_probe_refuses_a_private_key_rather_than_ignoring_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "key.pem"
    path.write_text("unused")
    args = ["conformance", "--issuer", "https://127.0.0.1:9", "--client-id", "c"]
    code = main([*args, "--private-key", str(path)])
    _, err = capsys.readouterr()
    assert code == 2
    assert "with --token-url" in err
