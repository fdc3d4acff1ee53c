"""The conformance suite, through its pytest plugin, against a transport tokenwire did not write.

:mod:`tests.conformance.example_transport` stands in for a third party's transport (h11 over a
socket, importing only :mod:`tokenwire.core`). It must pass every case the built-in transports
pass; transports broken in the ways real ones break must fail the cases that cover them; and a
separate pytest process, with nothing but the installed plugin, must collect and pass the suite the
way ``docs/transports.md`` tells a third party to run it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from tests.conformance.example_transport import ExampleTransport
from tokenwire.conformance.loopback import free_port
from tokenwire.conformance.pytest_plugin import run_case
from tokenwire.conformance.suite import Case
from tokenwire.core import ConfigurationError, HttpRequest, HttpResponse, TransportError

pytest_plugins = ["pytester"]

#: The stalled-answer case waits out the read timeout: a short one keeps the run brief.
fast_example = partial(ExampleTransport, timeout=1.0, total_timeout=5.0)


def test_example_transport(tokenwire_case: Case) -> None:
    result = run_case(tokenwire_case, fast_example)
    assert result.outcome == "passed", result.detail


# --- transports broken the way real ones break ---------------------------------------------------


class DropsAuthorization(ExampleTransport):
    """Loses the Authorization header, as a transport rebuilding headers from a list might."""

    def send(self, request: HttpRequest) -> HttpResponse:
        headers = tuple((k, v) for k, v in request.headers if k.lower() != "authorization")
        return super().send(
            HttpRequest(method=request.method, url=request.url, headers=headers, body=request.body)
        )


class ClaimsNothingSent(ExampleTransport):
    """Reports every failure as a failed connect, which licenses the flow to resend anything."""

    def send(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().send(request)
        except TransportError as exc:
            exc.sent = False
            raise


def uncapped() -> ExampleTransport:
    """Buffers whatever the server sends."""
    return ExampleTransport(timeout=1.0, max_response_bytes=sys.maxsize)


@pytest.mark.parametrize(
    ("factory", "case_id", "symptom"),
    [
        pytest.param(
            DropsAuthorization,
            "generic-basic-auth-form-encoded",
            "Authorization header None",
            id="no-authorization-vector",
        ),
        pytest.param(
            DropsAuthorization,
            "roundtrip-rfc6749-client-credentials-client_secret_basic",
            "InvalidClient",
            id="no-authorization-roundtrip",
        ),
        pytest.param(
            uncapped,
            "fault-body-over-cap",
            "expected ResponseTooLarge, got ProtocolError",
            id="no-size-cap",
        ),
        pytest.param(
            partial(ClaimsNothingSent, timeout=1.0),
            "fault-reset-refresh-never-resent",
            "server saw 2 request(s), expected 1",
            id="resends-refresh",
        ),
    ],
)
def test_plugin_catches_a_broken_transport(
    tokenwire_cases: dict[str, Case],
    factory: Callable[[], ExampleTransport],
    case_id: str,
    symptom: str,
) -> None:
    result = run_case(tokenwire_cases[case_id], factory)
    assert result.outcome == "failed"
    assert symptom in result.detail


def test_example_transport_refuses_what_it_cannot_do_safely() -> None:
    transport = ExampleTransport(timeout=1.0)
    request = HttpRequest(method="POST", url="https://127.0.0.1/token", headers=(), body=b"")
    with pytest.raises(ConfigurationError, match="plain http"):
        transport.send(request)  # no TLS code, so no https at all rather than unverified https
    with pytest.raises(ConfigurationError, match="non-loopback"):
        transport.send(HttpRequest(method="POST", url="http://example.com/token", headers=()))
    with pytest.raises(TransportError, match="could not connect") as refused:
        transport.send(
            HttpRequest(method="POST", url=f"http://127.0.0.1:{free_port()}/t", headers=())
        )
    assert refused.value.sent is False


# --- a third party's run: a separate pytest process with only the installed plugin ---------------

THIRD_PARTY_TEST = """
from functools import partial

from example_transport import ExampleTransport
from tokenwire.conformance.pytest_plugin import run_case


def test_my_transport(tokenwire_case):
    result = run_case(tokenwire_case, partial(ExampleTransport, timeout=1.0))
    assert result.outcome == "passed", result.detail
"""


def test_third_party_runs_the_suite_in_its_own_process(
    pytester: pytest.Pytester, tokenwire_cases: dict[str, Case]
) -> None:
    source = Path(__file__).with_name("example_transport.py").read_text(encoding="utf-8")
    pytester.makepyfile(example_transport=source, test_my_transport=THIRD_PARTY_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=len(tokenwire_cases))
    assert len(tokenwire_cases) >= 40  # vectors, fault scenarios and round trips all collected
