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
from tests.error_chain import shown
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


class AddsHeaders(ExampleTransport):
    """Adds headers of its own, as an HTTP library with defaults does (subclasses pick which)."""

    added: tuple[tuple[str, str], ...] = (("Accept-Encoding", "gzip"),)

    def send(self, request: HttpRequest) -> HttpResponse:
        return super().send(
            HttpRequest(
                method=request.method,
                url=request.url,
                headers=(*request.headers, *self.added),
                body=request.body,
            )
        )


class AddsLibraryDefaults(AddsHeaders):
    """The defaults a general-purpose HTTP client sends, the core's Accept and UA duplicated."""

    added = (("Accept-Encoding", "gzip, deflate"), ("Accept", "*/*"), ("User-Agent", "lib/1.0"))


class DeclaresAcceptEncoding(AddsHeaders):
    """Its runtime adds Accept-Encoding and it cannot remove it, as a browser's fetch does."""

    runtime_headers = frozenset({"Accept-Encoding"})


class BrowserLike(AddsHeaders):
    """What a browser's fetch adds, declared with a prefix for the sec-fetch-* family."""

    added = (
        ("accept-encoding", "gzip, deflate, br"),
        ("sec-fetch-mode", "cors"),
        ("sec-fetch-site", "cross-site"),
    )
    runtime_headers = frozenset({"accept-encoding", "sec-fetch-*"})


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
            partial(AddsHeaders, timeout=1.0),
            "headers-exactly-as-built",
            "transport added header(s) the core did not build: Accept-Encoding",
            id="adds-accept-encoding",
        ),
        pytest.param(
            partial(AddsLibraryDefaults, timeout=1.0),
            "headers-exactly-as-built",
            "the core did not build: Accept-Encoding, Accept, User-Agent",
            id="adds-library-defaults",
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


@pytest.mark.parametrize(
    ("factory", "noted"),
    [
        (partial(DeclaresAcceptEncoding, timeout=1.0), "Accept-Encoding"),
        (partial(BrowserLike, timeout=1.0), "accept-encoding, sec-fetch-mode, sec-fetch-site"),
    ],
    ids=["accept-encoding", "browser-fetch"],
)
def test_headers_a_transport_declares_its_runtime_adds_are_reported_not_failed(
    tokenwire_cases: dict[str, Case], factory: Callable[[], ExampleTransport], noted: str
) -> None:
    result = run_case(tokenwire_cases["headers-exactly-as-built"], factory)
    assert result.outcome == "passed", result.detail
    assert result.detail == f"declared runtime header(s) sent: {noted}"


def test_a_declaration_covers_only_what_it_names(tokenwire_cases: dict[str, Case]) -> None:
    class DeclaresTooLittle(BrowserLike):
        runtime_headers = frozenset({"accept-encoding"})

    result = run_case(tokenwire_cases["headers-exactly-as-built"], partial(DeclaresTooLittle))
    assert result.outcome == "failed"
    assert "did not build: sec-fetch-mode, sec-fetch-site" in result.detail
    assert "declared runtime header(s) sent: accept-encoding" in result.detail


def test_example_transport_refuses_what_it_cannot_do_safely() -> None:
    transport = ExampleTransport(timeout=1.0)
    request = HttpRequest(method="POST", url="https://127.0.0.1/token", headers=(), body=b"")
    with pytest.raises(ConfigurationError, match="plain http"):
        transport.send(request)  # no TLS code, so no https at all rather than unverified https
    with pytest.raises(ConfigurationError, match="non-loopback"):
        transport.send(HttpRequest(method="POST", url="http://example.com/token", headers=()))
    bearer = HttpRequest(
        method="POST",
        url=f"http://127.0.0.1:{free_port()}/t",
        headers=(("Authorization", "Bearer ExampleSecretToken\r\nX-Injected: 1"),),
    )
    with pytest.raises(ConfigurationError, match="cannot carry") as bad_header:
        transport.send(bearer)  # refused before connecting
    assert "ExampleSecretToken" not in shown(bad_header.value)
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


def run_third_party(pytester: pytest.Pytester, test_source: str) -> pytest.RunResult:
    """Run ``test_source`` next to a copy of the example, in a pytest process of its own."""
    source = Path(__file__).with_name("example_transport.py").read_text(encoding="utf-8")
    pytester.makepyfile(example_transport=source, test_my_transport=test_source)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)


def test_third_party_runs_the_suite_in_its_own_process(
    pytester: pytest.Pytester, tokenwire_cases: dict[str, Case]
) -> None:
    result = run_third_party(pytester, THIRD_PARTY_TEST)
    result.assert_outcomes(passed=len(tokenwire_cases))
    assert len(tokenwire_cases) >= 40  # vectors, fault scenarios and round trips all collected


ADDS_GZIP = """
from functools import partial

from example_transport import ExampleTransport
from tokenwire.conformance.pytest_plugin import run_case
from tokenwire.core import HttpRequest


class GzipTransport(ExampleTransport):
    def send(self, request):
        headers = (*request.headers, ("Accept-Encoding", "gzip"))
        return super().send(
            HttpRequest(method=request.method, url=request.url, headers=headers, body=request.body)
        )


def test_my_transport(tokenwire_case):
    result = run_case(tokenwire_case, partial(GzipTransport, timeout=1.0))
    assert result.outcome == "passed", result.detail
"""


def test_a_transport_adding_accept_encoding_fails_the_suite_through_the_plugin(
    pytester: pytest.Pytester, tokenwire_cases: dict[str, Case]
) -> None:
    result = run_third_party(pytester, ADDS_GZIP)
    result.assert_outcomes(passed=len(tokenwire_cases) - 1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*the core did not build: Accept-Encoding*",
            "FAILED test_my_transport.py::test_my_transport[[]headers-exactly-as-built[]]*",
        ]
    )
