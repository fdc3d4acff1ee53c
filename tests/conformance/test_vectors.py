"""Every vector, through the sans-IO core: the exact request, and the exact outcome."""

from __future__ import annotations

import msgspec
import pytest

from tokenwire.conformance.vectors import Vector, check_outcome, check_request, load_vectors
from tokenwire.core import (
    USER_AGENT,
    Token,
    TokenwireError,
    parse_token_response,
    prepare_token_request,
)

VECTORS = load_vectors()


def test_every_seed_file_has_vectors() -> None:
    sources = " ".join(v.source for v in VECTORS)
    for seed in (
        "000_3161dc3ad1199f79",
        "001_0788787ae5c74e50",
        "002_b916dc5a18b1cf72",
        "003_f66f28fff7bdd36d",
    ):
        assert seed in sources
    assert len(VECTORS) >= 10
    assert len({v.id for v in VECTORS}) == len(VECTORS)


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.id)
def test_request_is_exact(vector: Vector) -> None:
    request = prepare_token_request(
        vector.build_profile(), vector.client.build(), vector.grant.build()
    )
    assert check_request(vector, request) == []
    assert request.header("accept") == "application/json"


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.id)
def test_outcome_is_exact(vector: Vector) -> None:
    result: Token | TokenwireError
    try:
        result = parse_token_response(
            vector.build_profile(), vector.response.build(), received_at=vector.received_at
        )
    except TokenwireError as exc:
        result = exc
    assert check_outcome(vector.outcome, result) == []


def test_checks_catch_a_wrong_request() -> None:
    vector = next(v for v in VECTORS if v.id == "tencent-ciam-refresh-success-002")
    request = prepare_token_request(
        vector.build_profile(), vector.client.build(), vector.grant.build()
    )
    tampered = type(request)(
        method="PUT",
        url=request.url + "x",
        headers=(),
        body=request.body.replace(b"MOCK", b"MOCK2"),
    )
    problems = check_request(vector, tampered)
    # method, path, content type, form fields, and the core's Accept and User-Agent
    assert len(problems) == 6
    assert all("MOCK" not in p for p in problems), "mismatch messages must not show secrets"


def test_a_transport_replacing_the_cores_user_agent_fails_every_vector() -> None:
    for vector in VECTORS:
        request = prepare_token_request(
            vector.build_profile(), vector.client.build(), vector.grant.build()
        )
        headers = tuple(
            (k, "lib/1.0" if k.lower() == "user-agent" else v) for k, v in request.headers
        )
        problems = check_request(vector, msgspec.structs.replace(request, headers=headers))
        assert problems == [f"User-Agent header 'lib/1.0', expected '{USER_AGENT}'"]


def test_checks_catch_a_wrong_outcome() -> None:
    vector = next(v for v in VECTORS if v.id == "tencent-ciam-refresh-invalid-grant-000")
    assert check_outcome(vector.outcome, Token(access_token="x", token_type="Bearer")) != []
    success = next(v for v in VECTORS if v.id == "api-v1-refresh-success-003")
    token = Token(access_token="9b0******df2", token_type="Bearer", expires_in=7199)
    assert any("expires_in" in p for p in check_outcome(success.outcome, token))
