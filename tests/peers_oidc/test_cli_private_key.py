"""``tokenwire token --private-key``: a ``private_key_jwt`` client from the command line, against
oidc-provider (which checks the assertion's signature with the client's registered key)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.jwt_clients import PRIVATE_KEY_JWT_ID, private_key_jwt_clients
from tests.oidc_peer import OidcProviderPeer
from tokenwire.adapters.cli import main


def _args(peer: OidcProviderPeer, *extra: str) -> list[str]:
    return [
        "token",
        "--token-url",
        peer.token_url,
        "--client-id",
        PRIVATE_KEY_JWT_ID,
        "--scope",
        "api:read",
        "--transport",
        "stdlib",
        *extra,
    ]


@pytest.mark.parametrize("alg", ["ES256", "EdDSA"])
def test_a_private_key_file_authenticates_the_client(
    oidc_provider: OidcProviderPeer,
    alg: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = private_key_jwt_clients(oidc_provider)[alg].private_key or ""
    path = tmp_path / "client-key.jwk"
    path.write_text(key, encoding="utf-8")
    code = main(_args(oidc_provider, "--private-key", str(path)))
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert json.loads(out)["access_token"]


def test_the_key_may_come_from_the_environment_instead(
    oidc_provider: OidcProviderPeer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = private_key_jwt_clients(oidc_provider)["ES256"].private_key or ""
    monkeypatch.setenv("TOKENWIRE_PRIVATE_KEY", key)
    code = main(_args(oidc_provider, "--auth-method", "private_key_jwt"))
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert json.loads(out)["access_token"]


def test_a_key_the_provider_does_not_know_is_invalid_client_and_never_shown(
    oidc_provider: OidcProviderPeer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    stranger = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = tmp_path / "stranger.pem"
    path.write_bytes(stranger)
    code = main(_args(oidc_provider, "--private-key", str(path), "--format", "json"))
    out, err = capsys.readouterr()
    assert code == 3
    assert json.loads(err)["error"]["code"] == "invalid_client"
    body = stranger.decode().splitlines()[1]
    assert body not in out + err
