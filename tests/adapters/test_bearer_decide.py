"""The one 401 decision both auth adapters share, and the ``WWW-Authenticate`` parser under it."""

from __future__ import annotations

import anyio
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.bearer_clients import harness
from tokenwire.adapters.bearer import Challenge, Verdict, bearer_of, decide, parse_challenges
from tokenwire.adapters.httpx import TokenAuth
from tokenwire.core import ConfigurationError


def test_challenges_are_parsed_with_params_quoted_strings_and_token68() -> None:
    assert parse_challenges(
        [
            'Basic realm="a, b", charset=UTF-8, Bearer realm="api", error="invalid_token", '
            'error_description="The access token \\"expired\\""',
            "Negotiate abc+/==",
        ]
    ) == [
        Challenge("basic", {"realm": "a, b", "charset": "UTF-8"}),
        Challenge(
            "bearer",
            {
                "realm": "api",
                "error": "invalid_token",
                "error_description": 'The access token "expired"',
            },
        ),
        Challenge("negotiate", token68="abc+/=="),
    ]


@given(st.text(max_size=200))
def test_any_header_text_parses_without_raising(text: str) -> None:
    for challenge in parse_challenges([text]):
        assert challenge.scheme


@pytest.mark.parametrize(
    ("status", "challenges", "replayable", "verdict"),
    [
        (200, [], True, Verdict.STANDS),
        (403, ['Bearer error="insufficient_scope"'], True, Verdict.STANDS),
        (401, ['Bearer error="invalid_token"'], True, Verdict.RETRY),
        (401, ["bearer ERROR=invalid_token"], True, Verdict.RETRY),
        (401, [], True, Verdict.RETRY),
        (401, ['Bearer realm="api"'], True, Verdict.RETRY),
        (401, ['Basic realm="api"'], True, Verdict.RETRY),
        (401, ['Bearer error="invalid_request"'], True, Verdict.STANDS),
        (401, ['Bearer error="insufficient_scope"'], True, Verdict.STANDS),
        (401, ['Bearer error="invalid_token"'], False, Verdict.INVALIDATE),
        (401, [], False, Verdict.INVALIDATE),
    ],
)
def test_the_decision_follows_rfc_6750(
    status: int, challenges: list[str], replayable: bool, verdict: Verdict
) -> None:
    assert decide(status, challenges, replayable=replayable).verdict is verdict


def test_bearer_of_reads_only_bearer_credentials() -> None:
    assert bearer_of("Bearer abc") == "abc"
    assert bearer_of("bearer  abc ") == "abc"
    assert bearer_of("Basic abc") is None
    assert bearer_of("Bearer") is None
    assert bearer_of(None) is None


def test_a_source_of_the_wrong_kind_is_a_configuration_error() -> None:
    with harness() as h:
        sync_auth, async_auth = TokenAuth(h.source()), TokenAuth(h.async_source())
        with (
            httpx.Client(auth=async_auth) as client,
            pytest.raises(ConfigurationError, match=r"httpx\.AsyncClient, not httpx\.Client$"),
        ):
            client.get(h.resource.url())

        async def use_sync_source_in_async_client() -> None:
            async with httpx.AsyncClient(auth=sync_auth) as client:
                await client.get(h.resource.url())

        with pytest.raises(ConfigurationError, match=r"httpx\.Client, not httpx\.AsyncClient$"):
            anyio.run(use_sync_source_in_async_client)
        assert h.resource.requests == 0
        assert h.token_requests == 0
