"""``pip install tokenwire[httpcore]`` works: every wheel is built, installed into a clean
virtualenv outside the workspace, and a token is refreshed there against the reference provider.

A namespace portion missing from a wheel, a module left out, or a dependency nobody declared
fails here rather than for a user. The reference provider runs in this (workspace) process; the
refresh runs in the clean virtualenv, through the installed ``tokenwire`` command.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
from collections.abc import Iterator

import pytest

from tests.packaging.clean_venv import build_wheels, clean_env, install, make_venv
from tokenwire.adapters.stdlib import TokenClient
from tokenwire.conformance.reference import POST_CLIENT, ReferenceProvider
from tokenwire.core import AuthorizationCode, ClientAuth

pytestmark = pytest.mark.timeout(300)

#: Run in the clean virtualenv: what is importable there, and from where.
INSPECT = """
import importlib.util, json, os, tokenwire, tokenwire.adapters.httpcore, tokenwire.core
print(json.dumps({
    "namespace": getattr(tokenwire, "__file__", None) is None,
    "packages": sorted(n for p in tokenwire.__path__ for n in os.listdir(p) if n != "__pycache__"),
    "site": tokenwire.core.__file__,
    "conformance": importlib.util.find_spec("tokenwire.conformance") is not None,
    "authlib": importlib.util.find_spec("authlib") is not None,
}))
"""


@pytest.fixture(scope="module")
def clean_python(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    base = tmp_path_factory.mktemp("packaging")
    wheels = build_wheels(base / "wheels")
    python = make_venv(base / "venv")
    install(python, wheels, "tokenwire[httpcore]")
    return python


@pytest.fixture(scope="module")
def provider() -> Iterator[ReferenceProvider]:
    with ReferenceProvider("rfc6749") as started:
        yield started


def _run(python: pathlib.Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(python), *args],
        cwd=python.parent.parent,  # outside the workspace: nothing of it on sys.path
        env={**clean_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_httpcore_extra_installs_core_and_adapters_but_not_the_conformance_suite(
    clean_python: pathlib.Path,
) -> None:
    seen = json.loads(_run(clean_python, "-c", INSPECT))
    assert seen["namespace"]  # no wheel ships a tokenwire/__init__.py
    assert seen["packages"] == ["adapters", "core"]
    assert str(clean_python.parent.parent) in seen["site"]
    assert (seen["conformance"], seen["authlib"]) == (False, False)


def test_a_refresh_runs_in_the_clean_virtualenv_through_the_installed_command(
    clean_python: pathlib.Path, provider: ReferenceProvider
) -> None:
    secret = POST_CLIENT.client_secret or ""
    code = provider.issue_code(POST_CLIENT.client_id)
    with TokenClient(provider.profile(), ClientAuth(POST_CLIENT.client_id, secret)) as client:
        first = client.request(AuthorizationCode(code, POST_CLIENT.redirect_uris[0]))
    assert first.refresh_token is not None
    before = provider.token_requests

    out = _run(
        clean_python.parent / "tokenwire",
        "token",
        "--token-url",
        provider.token_url,
        "--client-id",
        POST_CLIENT.client_id,
        "--grant",
        "refresh_token",
        "--transport",
        "httpcore",
        env={"TOKENWIRE_CLIENT_SECRET": secret, "TOKENWIRE_REFRESH_TOKEN": first.refresh_token},
    )
    token = json.loads(out)
    assert token["token_type"] == "Bearer"
    assert token["access_token"] not in ("", first.access_token)
    assert token["refresh_token"] != first.refresh_token  # the provider rotates
    assert provider.token_requests == before + 1
