"""Without anyio, token sources still import, the sync one works, and the async one says what to
install.

anyio is not a dependency of ``tokenwire-adapters`` itself (the ``httpcore`` extra brings it). Each
test runs a short script in a fresh interpreter whose import system refuses anyio, as if it were
not installed; nothing is sent anywhere.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCK_ANYIO = """
import importlib.abc
import sys


class NoAnyio(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "anyio" or name.startswith("anyio."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NoAnyio())
from tokenwire.core import ClientAuth, ConfigurationError, Profile, Token
PROFILE = Profile(token_url="http://127.0.0.1:9/token")
AUTH = ClientAuth("tokenwire-test", method="none")
TOKEN = Token(access_token="a", token_type="Bearer")
"""


def run_without_anyio(body: str) -> subprocess.CompletedProcess[str]:
    script = BLOCK_ANYIO + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )


def test_an_async_token_source_without_anyio_raises_a_configuration_error_naming_the_install() -> (
    None
):
    done = run_without_anyio("""
        from tokenwire.adapters.client import AsyncTokenClient
        from tokenwire.adapters.source import AsyncTokenSource

        client = AsyncTokenClient(PROFILE, AUTH, transport=object())
        try:
            AsyncTokenSource(client, token=TOKEN)
        except ConfigurationError as exc:
            assert exc.__context__ is None and exc.__cause__ is None, "no ImportError chained"
            print(exc)
        else:
            raise SystemExit("no ConfigurationError")
    """)
    assert done.returncode == 0, done.stderr
    assert 'pip install "tokenwire-adapters[httpcore]"' in done.stdout
    assert "anyio" in done.stdout


def test_the_sync_token_source_needs_no_anyio() -> None:
    done = run_without_anyio("""
        from tokenwire.adapters.client import TokenClient
        from tokenwire.adapters.source import TokenSource

        source = TokenSource(TokenClient(PROFILE, AUTH, transport=object()), token=TOKEN)
        print(source.access_token())
        assert "anyio" not in sys.modules
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "a"
