"""``tokenwire token --grant device_code``, ``tokenwire revoke`` and ``tokenwire introspect``,
as real subprocesses against the reference provider; secrets only in the environment or stdin."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator

import pytest

from tests.cli_harness import cli_env, run_cli, start_cli
from tokenwire.adapters.commands.device import countdown_sleep
from tokenwire.adapters.stdlib import TokenClient
from tokenwire.conformance.reference import POST_CLIENT, ReferenceProvider
from tokenwire.core import Token

SECRET = POST_CLIENT.client_secret or ""
TRANSPORTS = ["httpcore", "stdlib"]


@pytest.fixture(scope="module")
def provider() -> Iterator[ReferenceProvider]:
    # A 1 s interval: the CLI really waits between polls.
    with ReferenceProvider("rfc6749", device_interval=1) as started:
        yield started


def _endpoints(provider: ReferenceProvider) -> list[str]:
    return [
        "--token-url", provider.token_url,
        "--device-authorization-url", provider.device_authorization_url,
        "--revocation-url", provider.revocation_url,
        "--introspection-url", provider.introspection_url,
        "--client-id", POST_CLIENT.client_id,
    ]  # fmt: skip


def _token(provider: ReferenceProvider) -> Token:
    with TokenClient(provider.profile(), POST_CLIENT.auth()) as client:
        return client.client_credentials("read")


def _device(provider: ReferenceProvider, transport: str, approve: bool) -> tuple[int, str, str]:
    """Run the device grant; approve or deny the user code the CLI shows on stderr."""
    args = ["token", "--grant", "device_code", "--scope", "read", "--transport", transport]
    process = start_cli([*args, *_endpoints(provider)], cli_env(TOKENWIRE_CLIENT_SECRET=SECRET))
    assert process.stderr is not None
    shown = ""
    while (line := process.stderr.readline()) and "enter the code" not in line:
        shown += line
    shown += line
    found = re.search(r"enter the code: (\S+)", line)
    assert found is not None, shown
    provider.decide_device(found.group(1), approved=approve)
    out, err = process.communicate(timeout=60)
    return process.returncode, out, shown + err


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_device_code_shows_the_user_code_and_uri_on_stderr_and_prints_the_token(
    provider: ReferenceProvider, transport: str
) -> None:
    code, out, err = _device(provider, transport, approve=True)
    assert code == 0, err
    document = json.loads(out)
    assert document["scope"] == "read"
    assert document["token_type"] == "Bearer"
    assert f"open {provider.base_url}/device" in err
    assert document["access_token"] not in err


def test_a_denied_device_code_exits_3(provider: ReferenceProvider) -> None:
    code, out, err = _device(provider, "stdlib", approve=False)
    assert (code, out) == (3, "")
    assert "AccessDenied" in err


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_revoke_reads_the_token_from_the_environment_then_introspect_from_stdin_says_inactive(
    provider: ReferenceProvider, transport: str
) -> None:
    token = _token(provider)
    common = [*_endpoints(provider), "--transport", transport]
    live = run_cli(["introspect", *common], cli_env(TOKENWIRE_CLIENT_SECRET=SECRET),
                   stdin=token.access_token + "\n")  # fmt: skip
    assert live.returncode == 0, live.stderr
    assert json.loads(live.stdout)["active"] is True
    assert json.loads(live.stdout)["scope"] == "read"
    revoked = run_cli(
        ["revoke", "--token-type-hint", "access_token", *common],
        cli_env(TOKENWIRE_CLIENT_SECRET=SECRET, TOKENWIRE_TOKEN=token.access_token),
    )
    assert (revoked.returncode, revoked.stdout, revoked.stderr) == (0, "", "")
    dead = run_cli(["introspect", *common], cli_env(TOKENWIRE_CLIENT_SECRET=SECRET),
                   stdin=token.access_token + "\n")  # fmt: skip
    assert (dead.returncode, json.loads(dead.stdout)) == (0, {"active": False})


def test_introspect_without_a_token_exits_2_and_says_where_to_put_it(
    provider: ReferenceProvider,
) -> None:
    result = run_cli(["introspect", *_endpoints(provider)], cli_env(TOKENWIRE_CLIENT_SECRET=SECRET))
    assert result.returncode == 2
    assert "TOKENWIRE_TOKEN" in result.stderr


def test_there_is_no_option_that_takes_the_token_on_the_command_line(
    provider: ReferenceProvider,
) -> None:
    result = run_cli(["revoke", "--token", "abc", *_endpoints(provider)], cli_env())
    assert result.returncode == 2
    assert "abc" not in result.stderr


@pytest.mark.parametrize(
    ("change", "exit_code"),
    [
        ({"TOKENWIRE_CLIENT_SECRET": "wrong"}, 3),  # invalid_client
        ({"url": "/nowhere"}, 4),  # an HTML 404: not the protocol
        ({"url": "closed"}, 5),  # nothing listens
    ],
)
def test_introspect_failures_exit_with_the_documented_codes_and_no_token(
    provider: ReferenceProvider, change: dict[str, str], exit_code: int
) -> None:
    token = _token(provider)
    args = ["introspect", *_endpoints(provider)]
    env = cli_env(TOKENWIRE_CLIENT_SECRET=SECRET, TOKENWIRE_TOKEN=token.access_token)
    if "url" in change:
        from tokenwire.conformance.loopback import HOST, free_port

        where = f"http://{HOST}:{free_port()}/x" if change["url"] == "closed" else ""
        args += ["--introspection-url", where or provider.base_url + change["url"]]
    else:
        env.update(change)
    result = run_cli(args, env)
    assert result.returncode == exit_code, result.stderr
    assert token.access_token not in result.stderr
    assert result.stdout == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_countdown_shows_the_seconds_left_once_a_second_on_a_terminal_only() -> None:
    now = [100.0]

    def pause(seconds: float) -> None:
        now[0] += seconds

    terminal, pipe = _Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        now[0] = 100.0
        sleep = countdown_sleep(
            160.0, lambda: now[0], stream, pause=pause, monotonic=lambda: now[0]
        )
        sleep(2.5)
        assert now[0] == 102.5
    assert terminal.getvalue().split("\r")[1:] == [
        f"waiting for approval; the code expires in {left:4d} s " for left in (60, 59, 58)
    ]
    assert pipe.getvalue() == ""
