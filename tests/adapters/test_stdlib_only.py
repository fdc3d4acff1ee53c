"""Stdlib-only CPython: the core and the stdlib transport need nothing but msgspec and
typing_extensions, pull in no async library, and build no TLS context for plain loopback HTTP.

These hold for the constrained runtimes tokenwire is meant for (a minimal container, an embedded
interpreter, ``python -S``): importing asyncio or loading the trust store would be paid by every
cold start (``tests/benchmarks/bench_coldstart.py`` has the figures).
"""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest
import typing_extensions

from tokenwire.adapters.client import TokenClient
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.conformance.loopback import HOST, free_port
from tokenwire.conformance.reference import PUBLIC_CLIENT, REDIRECT_URI, ReferenceProvider
from tokenwire.core import (
    AuthorizationCode,
    ClientCredentials,
    Profile,
    RetryPolicy,
    TransportError,
    code_challenge,
    new_code_verifier,
)

ROOT = Path(__file__).resolve().parents[2]
ONE_TRY = RetryPolicy(max_attempts=1)
ASYNC_LIBRARIES = ("httpcore", "trio", "anyio", "asyncio", "sniffio", "h11")

REFRESH_SCRIPT = """
import json, sys
sys.path[:0] = json.loads(sys.argv[1])
from tokenwire.adapters.client import TokenClient
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.core import ClientAuth, Profile, RefreshToken
client = TokenClient(Profile(token_url=sys.argv[2]), ClientAuth(sys.argv[3], None, "none"),
                     StdlibTransport())
token = client.request(RefreshToken(sys.argv[4]))
print(json.dumps({
    "rotated": bool(token.refresh_token) and token.refresh_token != sys.argv[4],
    "access": bool(token.access_token),
    "site": "site" in sys.modules,
    "loaded": sorted(m for m in {libs} if m in sys.modules),
}))
"""


def _loaded_after(statement: str) -> list[str]:
    code = f"import sys; {statement}; print([m for m in {ASYNC_LIBRARIES!r} if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    loaded: list[str] = json.loads(out.replace("'", '"'))
    return loaded


def test_importing_the_core_and_the_stdlib_transport_loads_no_async_library() -> None:
    assert _loaded_after("import tokenwire.core") == []
    assert _loaded_after("import tokenwire.adapters.stdlib") == []
    # The check can fail: the httpcore transport does load them.
    assert "httpcore" in _loaded_after("import tokenwire.adapters.httpcore")


def _refresh_token(provider: ReferenceProvider, transport: StdlibTransport | None = None) -> str:
    """A refresh token, from a code exchange over the stdlib transport."""
    verifier = new_code_verifier()
    code = provider.issue_code(PUBLIC_CLIENT.client_id, code_challenge=code_challenge(verifier))
    client = TokenClient(provider.profile(), PUBLIC_CLIENT.auth(), transport or StdlibTransport())
    token = client.request(AuthorizationCode(code, REDIRECT_URI, verifier))
    assert token.refresh_token is not None
    return token.refresh_token


def test_a_refresh_runs_under_python_dash_S_dash_I_with_only_the_two_dependencies(
    tmp_path: Path,
) -> None:
    # The path holds tokenwire's sources and its two dependencies, and nothing else.
    deps = tmp_path / "deps"
    deps.mkdir()
    (deps / "msgspec").symlink_to(Path(msgspec.__path__[0]))
    (deps / "typing_extensions.py").symlink_to(Path(typing_extensions.__file__ or ""))
    path = [str(ROOT / "core" / "src"), str(ROOT / "adapters" / "src"), str(deps)]
    with ReferenceProvider("rfc6749", rotate_refresh_tokens=True) as provider:
        refresh = _refresh_token(provider)
        script = REFRESH_SCRIPT.replace("{libs}", repr(set(ASYNC_LIBRARIES)))
        run = subprocess.run(
            [
                sys.executable,
                "-S",
                "-I",
                "-c",
                script,
                json.dumps(path),
                provider.token_url,
                PUBLIC_CLIENT.client_id,
                refresh,
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout) == {
            "rotated": True,
            "access": True,
            "site": False,
            "loaded": [],
        }
        assert provider.token_requests == 2


def test_a_loopback_http_client_never_builds_a_tls_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[str | None] = []
    real = ssl.create_default_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        built.append(kwargs.get("cafile"))
        return real(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counting)
    with ReferenceProvider("rfc6749") as provider:
        transport = StdlibTransport()
        _refresh_token(provider, transport)
        assert built == []
        # The first https:// connection builds it (nothing listens: the connect then fails).
        url = f"https://{HOST}:{free_port()}/token"
        https = TokenClient(Profile(token_url=url), PUBLIC_CLIENT.auth(), transport, retry=ONE_TRY)
        with pytest.raises(TransportError):
            https.request(ClientCredentials())
        assert len(built) == 1


def test_importing_the_core_reads_no_distribution_metadata() -> None:
    """The User-Agent's version is a constant: ``import tokenwire.core`` opens no metadata file."""
    code = "import sys, tokenwire.core; print('importlib.metadata' in sys.modules)"
    imported = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert imported.strip() == "False"
