"""Endpoint vectors: RFC examples for the endpoints beside the token endpoint, as data.

Device authorization (RFC 8628 §3.1-3.2), revocation (RFC 7009 §2) and introspection (RFC 7662
§2) take no grant and answer no token, so the token vectors' schema (:mod:`.vectors`) cannot hold
them. An endpoint vector names the endpoint and the call's arguments instead, and expects the
parsed result's fields (or an error, checked as for token vectors). The files live in
``vectors/endpoints/``; the request and error checks are the token vectors' own.

They are played through the sans-IO core (``tests/conformance/test_endpoint_vectors.py``), and
the replay suite plays them through every transport
(:func:`~tokenwire.conformance.suite.endpoint_vector_case`).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any, Literal

import msgspec
from typing_extensions import override

from tokenwire.conformance.vectors import (
    CannedResponse,
    ExpectedError,
    ExpectedRequest,
    VectorClient,
    check_error,
    check_expected_request,
)
from tokenwire.core import (
    DeviceAuthorization,
    HttpRequest,
    HttpResponse,
    Introspection,
    Profile,
    device_authorization_request,
    introspection_request,
    parse_device_authorization,
    parse_introspection_response,
    parse_revocation_response,
    revocation_request,
)
from tokenwire.core.redact import SECRET_FIELDS, RedactedStruct, hidden

__all__ = [
    "Endpoint",
    "EndpointCall",
    "EndpointOutcome",
    "EndpointVector",
    "check_endpoint_outcome",
    "load_endpoint_vectors",
]

Endpoint = Literal["device_authorization", "revocation", "introspection"]
#: What a call returns: the parsed answer, ``None`` for a revocation, or the error raised.
EndpointResult = DeviceAuthorization | Introspection | None | BaseException
_BASE = "https://as.example.com"


class EndpointCall(RedactedStruct, frozen=True, kw_only=True):
    """The endpoint called and the arguments of the call; ``repr`` hides the token."""

    endpoint: Endpoint
    #: The token to revoke or introspect.
    token: str | None = None
    token_type_hint: str | None = None
    #: The scope of a device authorization request.
    scope: str | None = None

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "endpoint", self.endpoint
        yield "token", hidden(self.token)
        yield "token_type_hint", self.token_type_hint
        yield "scope", self.scope


class EndpointOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """What the core must make of the vector's answer: a parsed result, or a typed error."""

    #: Expected fields of the parsed answer (those named are compared exactly); ``{}`` for a
    #: revocation, which returns nothing when it succeeds.
    result: dict[str, Any] | None = None
    error: ExpectedError | None = None


class EndpointVector(msgspec.Struct, frozen=True, kw_only=True):
    """One sample exchange with a non-token endpoint (device authorization, revocation,
    introspection): the call, the exact request expected, the canned answer and the outcome."""

    id: str
    #: Where the sample comes from (RFC and section, or the quirk it stands for).
    source: str
    description: str = ""
    client: VectorClient
    call: EndpointCall
    request: ExpectedRequest
    response: CannedResponse
    outcome: EndpointOutcome
    #: The clock reading at which the response is received (for ``expires_at``).
    received_at: float = 1636449231.0

    def build_profile(self, base: str | None = None) -> Profile:
        """A generic profile whose endpoint for this call is at ``base`` + the vector's path."""
        base = base or _BASE
        url, kind = base + self.request.path, self.call.endpoint
        return Profile(
            token_url=base + "/token",
            device_authorization_url=url if kind == "device_authorization" else None,
            revocation_url=url if kind == "revocation" else None,
            introspection_url=url if kind == "introspection" else None,
        )

    def build_request(self, profile: Profile) -> HttpRequest:
        """The request the core builds for this call."""
        call, client = self.call, self.client.build()
        if call.endpoint == "device_authorization":
            return device_authorization_request(profile, client, call.scope)
        build = revocation_request if call.endpoint == "revocation" else introspection_request
        return build(profile, client, call.token or "", call.token_type_hint)

    def parse(self, profile: Profile, response: HttpResponse) -> EndpointResult:
        """What the core makes of ``response``: the parsed answer, or the error it raised."""
        try:
            if self.call.endpoint == "device_authorization":
                return parse_device_authorization(profile, response, received_at=self.received_at)
            if self.call.endpoint == "revocation":
                parse_revocation_response(profile, response)
                return None
            return parse_introspection_response(profile, response)
        except Exception as exc:  # the vector says which error, and check_error judges it
            return exc


_decoder = msgspec.json.Decoder(EndpointVector)


@cache
def load_endpoint_vectors() -> tuple[EndpointVector, ...]:
    """Every endpoint vector shipped with the package, in file-name order."""
    folder = resources.files("tokenwire.conformance") / "vectors" / "endpoints"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)
    return tuple(_decoder.decode(f.read_bytes()) for f in files)


def check_request(vector: EndpointVector, request: HttpRequest) -> list[str]:
    """Compare a request with the vector's expectation; return the mismatches (empty if none)."""
    return check_expected_request(vector.request, request)


def check_endpoint_outcome(want: EndpointOutcome, result: EndpointResult) -> list[str]:
    """Compare what a call ended with against the expected outcome; return the mismatches."""
    if want.result is None:
        assert want.error is not None
        return check_error(want.error, result)
    if isinstance(result, BaseException):
        return [f"expected an answer, got {type(result).__name__}: {result}"]
    problems = []
    for name, expected in want.result.items():
        got = getattr(result, name, None)
        if isinstance(got, tuple):
            got = list(got)  # JSON has lists only
        if got != expected:
            if name in SECRET_FIELDS:  # never shown, not even in a mismatch
                problems.append(f"{name} differs from the expected value")
            else:
                problems.append(f"{name} is {got!r}, expected {expected!r}")
    return problems
