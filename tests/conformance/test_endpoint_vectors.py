"""Every endpoint vector (device authorization, revocation, introspection) through the core."""

from __future__ import annotations

import msgspec
import pytest

from tokenwire.conformance.endpoint_vectors import (
    EndpointOutcome,
    EndpointVector,
    check_endpoint_outcome,
    check_request,
    load_endpoint_vectors,
)
from tokenwire.conformance.vectors import ExpectedError
from tokenwire.core import Introspection, ProtocolError
from tokenwire.core.redact import SECRET_FIELDS

VECTORS = load_endpoint_vectors()


def test_every_endpoint_and_rfc_example_has_vectors() -> None:
    assert {v.call.endpoint for v in VECTORS} == {
        "device_authorization",
        "revocation",
        "introspection",
    }
    sources = " ".join(v.source for v in VECTORS)
    for section in (
        "RFC 8628 §3.1",
        "RFC 8628 §3.2",
        "RFC 7009 §2.1",
        "RFC 7662 §2.1",
        "RFC 7662 §2.2",
    ):
        assert section in sources
    assert len({v.id for v in VECTORS}) == len(VECTORS)


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.id)
def test_the_endpoint_request_is_exact(vector: EndpointVector) -> None:
    request = vector.build_request(vector.build_profile())
    assert check_request(vector, request) == []
    assert request.header("accept") == "application/json"


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.id)
def test_the_endpoint_outcome_is_exact(vector: EndpointVector) -> None:
    profile = vector.build_profile()
    result = vector.parse(profile, vector.response.build())
    assert check_endpoint_outcome(vector.outcome, result) == []


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.id)
def test_no_token_or_device_code_of_a_vector_shows_in_what_the_core_makes_of_it(
    vector: EndpointVector,
) -> None:
    profile = vector.build_profile()
    request = vector.build_request(profile)
    result = vector.parse(profile, vector.response.build())
    body = (
        msgspec.json.decode(vector.response.body or "{}") if vector.response.body[:1] == "{" else {}
    )
    secrets = [vector.call.token or ""] + [str(body[k]) for k in body if k in SECRET_FIELDS]
    shown = repr(request) + repr(result) + str(result) + repr(vector.call)
    for secret in filter(None, secrets):
        assert secret not in shown


def test_the_checks_catch_a_wrong_answer_without_showing_a_secret() -> None:
    want = EndpointOutcome(result={"active": True, "token": "mF_9.B5f-4.1JqM", "scope": "read"})
    problems = check_endpoint_outcome(want, Introspection(active=False))
    assert len(problems) == 3
    assert not any("mF_9" in p for p in problems)
    assert check_endpoint_outcome(want, ProtocolError("nope")) != []
    wrong_error = EndpointOutcome(error=ExpectedError(type="InvalidClient"))
    assert check_endpoint_outcome(wrong_error, Introspection(active=True)) != []
