"""The fetch transport, inside Pyodide under Node, against the reference provider and faults.

Each test runs tokenwire in the session's Pyodide interpreter: an ``AsyncTokenClient`` over a
``FetchTransport`` sends the grant with the runtime's ``fetch`` to a loopback server in this
process, and the outcome comes back as JSON (``tests/pyodide/inside.py``).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import msgspec
import pytest

from tests.pyodide.bridge import NODE_RUNTIME_HEADERS
from tests.pyodide.faults import Oversized, Redirect, Token, fault_server
from tests.pyodide.harness import PyodideProcess
from tests.raw_server import (
    BROKEN_FRAMING,
    STRAY_CRLF,
    UNSOLICITED,
    RotatingTokens,
    broken,
    raw_server,
    with_early_hints,
)
from tokenwire.adapters.fetch import FetchTransport
from tokenwire.adapters.transport import TransportOptions
from tokenwire.conformance.loopback import HOST, free_port
from tokenwire.conformance.reference import (
    POST_CLIENT,
    PUBLIC_CLIENT,
    REDIRECT_URI,
    ReferenceProvider,
)
from tokenwire.core import (
    ClientAuth,
    ClientCredentials,
    ConfigurationError,
    HttpRequest,
    Profile,
    code_challenge,
    new_code_verifier,
    prepare_token_request,
)

CLIENT = POST_CLIENT.auth()
#: What HTTP/1.1 framing adds, whatever the client.
FRAMING = frozenset({"host", "content-length", "connection"})


def token_request(
    pyodide: PyodideProcess,
    profile: Profile,
    auth: ClientAuth,
    grant: dict[str, Any],
    **options: float,
) -> dict[str, Any]:
    """Run one grant through AsyncTokenClient + FetchTransport inside Pyodide."""
    document = json.dumps(
        {
            "profile": msgspec.to_builtins(profile),
            "auth": msgspec.to_builtins(auth),
            "grant": grant,
            "options": options,
        }
    )
    answer: dict[str, Any] = json.loads(pyodide.run(f"await inside.token_request({document!r})"))
    return answer


def test_a_code_exchange_then_refreshes_with_rotation_and_a_replayed_token_is_refused(
    pyodide: PyodideProcess,
) -> None:
    with ReferenceProvider("rfc6749", rotate_refresh_tokens=True) as provider:
        verifier = new_code_verifier()
        code = provider.issue_code(PUBLIC_CLIENT.client_id, code_challenge=code_challenge(verifier))
        profile, auth = provider.profile(), PUBLIC_CLIENT.auth()
        grant = {"type": "code", "code": code, "redirect_uri": REDIRECT_URI}
        first = token_request(pyodide, profile, auth, {**grant, "code_verifier": verifier})
        assert first["access_token"]
        assert first["refresh_token"]

        second = token_request(
            pyodide, profile, auth, {"type": "refresh", "refresh_token": first["refresh_token"]}
        )
        assert second["access_token"] != first["access_token"]
        assert second["refresh_token"] not in (None, first["refresh_token"])  # rotated

        replayed = token_request(
            pyodide, profile, auth, {"type": "refresh", "refresh_token": first["refresh_token"]}
        )
        assert replayed["error"] == "InvalidGrant"
        assert first["refresh_token"] not in replayed["message"]
        assert provider.token_requests == 3


def test_client_credentials_with_a_confidential_client(pyodide: PyodideProcess) -> None:
    with ReferenceProvider("rfc6749") as provider:
        answer = token_request(
            pyodide, provider.profile(), POST_CLIENT.auth(), {"type": "client_credentials"}
        )
        assert answer["access_token"]
        assert answer["refresh_token"] is None


def test_a_redirect_is_returned_not_followed(pyodide: PyodideProcess) -> None:
    with fault_server(Redirect) as server:
        answer = token_request(
            pyodide,
            Profile(token_url=server.url),
            POST_CLIENT.auth(),
            {"type": "client_credentials"},
        )
        assert answer["error"] == "ProtocolError"
        assert "302" in answer["message"]
        assert "/elsewhere" not in server.paths
        assert set(server.paths) == {"/token"}


def test_an_oversized_body_is_response_too_large_and_not_retried(pyodide: PyodideProcess) -> None:
    with fault_server(Oversized) as server:
        answer = token_request(
            pyodide,
            Profile(token_url=server.url),
            POST_CLIENT.auth(),
            {"type": "client_credentials"},
        )
        assert answer["error"] == "ResponseTooLarge"
        assert answer["sent"] is True
        assert server.paths == ["/token"]


def test_a_stalled_answer_times_out_and_a_refresh_is_not_resent(pyodide: PyodideProcess) -> None:
    with ReferenceProvider("rfc6749", token_delay=3.0) as provider:
        refresh = "not-a-real-token"
        answer = token_request(
            pyodide,
            provider.profile(),
            POST_CLIENT.auth(),
            {"type": "refresh", "refresh_token": refresh},
            read_timeout=0.3,
            connect_timeout=0.3,
        )
        assert answer["error"] == "TransportTimeout"
        assert answer["sent"] is True
        assert "timed out after 0.6 s waiting for a response" in answer["message"]
        assert provider.token_requests == 1


def test_a_refused_connection_is_sent_false_and_keeps_the_runtime_cause(
    pyodide: PyodideProcess,
) -> None:
    url = f"http://{HOST}:{free_port()}/token"  # nothing listens there
    answer = token_request(
        pyodide, Profile(token_url=url), POST_CLIENT.auth(), {"type": "client_credentials"}
    )
    assert answer["error"] == "TransportError"
    assert answer["sent"] is False
    assert "ECONNREFUSED" in answer["message"]
    assert answer["cause"] == "JsException"


def test_the_interpreter_survives_a_deep_body_and_answers_the_next_call(
    pyodide: PyodideProcess,
) -> None:
    code = (
        "from tokenwire.core import HttpResponse, Profile, ProtocolError, parse_token_response\n"
        "try:\n"
        "    parse_token_response(Profile(token_url='https://as.example/token'),\n"
        "        HttpResponse(status=200, headers=(), body=b'[' * 5000), received_at=0.0)\n"
        "except ProtocolError as exc:\n"
        "    result = str(exc)\n"
        "result"
    )
    assert "nested deeper than 64" in pyodide.run(code)
    assert pyodide.alive()


def send_one(pyodide: PyodideProcess, request: HttpRequest, **options: float) -> dict[str, Any]:
    """One request through a fresh FetchTransport inside Pyodide (no client, no flow)."""
    document = json.dumps(
        {
            "method": request.method,
            "url": request.url,
            "headers": [list(pair) for pair in request.headers],
            "body": base64.b64encode(request.body).decode("ascii"),
            "options": options,
        }
    )
    answer: dict[str, Any] = json.loads(pyodide.run(f"await inside.send({document!r})"))
    return answer


def test_only_framing_and_the_declared_runtime_headers_are_added(pyodide: PyodideProcess) -> None:
    with fault_server(Token) as server:
        profile = Profile(token_url=server.url)
        request = prepare_token_request(profile, CLIENT, ClientCredentials())
        answer = send_one(pyodide, request)
        assert answer["status"] == 200
        [names] = server.header_names
    ours = {name.lower() for name, _ in request.headers}
    added = set(names) - ours
    assert ours <= set(names)
    assert added - FRAMING <= NODE_RUNTIME_HEADERS
    assert FetchTransport.runtime_headers >= NODE_RUNTIME_HEADERS
    assert "cookie" not in names


def test_a_header_fetch_cannot_carry_is_refused_before_sending(pyodide: PyodideProcess) -> None:
    with fault_server(Token) as server:
        secret = "Bearer SecretValue-4f2e\r\nX-Injected: 1"
        request = HttpRequest(
            method="POST", url=server.url, headers=(("Authorization", secret),), body=b"x=1"
        )
        answer = send_one(pyodide, request)
        assert answer["error"] == "ConfigurationError"
        assert "SecretValue" not in answer["message"]
        assert answer["cause"] is None  # the runtime's message quotes the value
        assert answer["context"] is None
        assert server.paths == []


@pytest.mark.parametrize(
    "value",
    ["Bearer\x0bSecretValue-4f2e", "Bearer SecretValue-4f2e\x0c", " Bearer SecretValue-4f2e"],
    ids=["vertical-tab", "form-feed", "leading-space"],
)
def test_a_header_value_every_transport_refuses_is_refused_by_fetch_too(
    pyodide: PyodideProcess, value: str
) -> None:
    with fault_server(Token) as server:
        request = HttpRequest(
            method="POST", url=server.url, headers=(("Authorization", value),), body=b"x=1"
        )
        answer = send_one(pyodide, request)
        assert answer["error"] == "ConfigurationError"
        assert "SecretValue" not in answer["message"]
        assert server.paths == []


def test_the_total_timeout_cuts_a_longer_read_timeout_short(pyodide: PyodideProcess) -> None:
    with ReferenceProvider("rfc6749", token_delay=3.0) as provider:
        request = prepare_token_request(provider.profile(), CLIENT, ClientCredentials())
        answer = send_one(pyodide, request, read_timeout=30.0, total_timeout=0.4)
        assert answer["error"] == "TransportTimeout"
        assert "exceeded the total timeout of 0.4 s" in answer["message"]
        assert answer["sent"] is True


def test_outside_pyodide_the_transport_refuses_to_be_built() -> None:
    with pytest.raises(ConfigurationError, match="needs the Pyodide runtime"):
        FetchTransport()
    with pytest.raises(ConfigurationError, match="no TLS settings"):
        FetchTransport(TransportOptions(verify=False))
    with pytest.raises(ConfigurationError, match="takes no proxy") as caught:
        FetchTransport(TransportOptions(proxy="http://user:ProxyPassw0rd@127.0.0.1:3128"))
    assert "ProxyPassw0rd" not in str(caught.value)


@pytest.mark.parametrize("fault", ["stray-crlf", "unsolicited-second-response", "early-hints"])
def test_connection_faults_never_cost_a_refresh_token_through_fetch(
    pyodide: PyodideProcess, fault: str
) -> None:
    provider = RotatingTokens(after={"stray-crlf": STRAY_CRLF}.get(fault, b""))
    if fault == "unsolicited-second-response":
        provider.after = UNSOLICITED
    answer = with_early_hints(provider) if fault == "early-hints" else provider
    with raw_server(answer) as server:
        profile = Profile(token_url=server.url)
        refreshed = [
            token_request(pyodide, profile, CLIENT, {"type": "refresh", "refresh_token": f"rt-{n}"})
            for n in range(3)
        ]
    assert [r.get("refresh_token") for r in refreshed] == ["rt-1", "rt-2", "rt-3"], refreshed
    assert provider.reused == []


@pytest.mark.parametrize("case", BROKEN_FRAMING.values(), ids=BROKEN_FRAMING.keys())
def test_broken_framing_is_a_transport_error_after_sending_through_fetch(
    pyodide: PyodideProcess, case: tuple[bytes, bytes]
) -> None:
    with raw_server(broken(*case)) as server:
        request = HttpRequest(method="POST", url=server.url, headers=(), body=b"x=1")
        answer = send_one(pyodide, request)
    assert answer["error"] == "TransportError", answer
    assert answer["sent"] is True
