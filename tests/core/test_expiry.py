"""Expiry: ``expires_at = received_at + expires_in``, with a leeway scaled to the lifetime."""

from __future__ import annotations

import msgspec
import pytest

from tokenwire.core import HttpResponse, Profile, Token, leeway, parse_token_response

PROFILE = Profile(token_url="https://as.example.com/token")


def received(expires_in: int | None, at: float) -> Token:
    body: dict[str, object] = {"access_token": "AT", "token_type": "Bearer"}
    if expires_in is not None:
        body["expires_in"] = expires_in
    response = HttpResponse(status=200, body=msgspec.json.encode(body))
    return parse_token_response(PROFILE, response, received_at=at)


def test_expires_at_is_received_at_plus_expires_in() -> None:
    token = received(299, at=1_700_000_000.5)
    assert token.expires_at == 1_700_000_299.5
    assert token.received_at == 1_700_000_000.5


def test_a_299_second_token_is_fresh_for_most_of_its_life() -> None:
    token = received(299, at=0.0)
    due = token.refresh_due_at()
    assert due is not None
    assert 240.0 <= due < 299.0, "due near the end, not at once (a fixed 5 min leeway would be)"
    assert token.is_fresh(0.0)
    assert token.is_fresh(240.0)
    assert not token.is_fresh(due)
    assert not token.is_fresh(298.0)
    assert not token.is_expired(298.0)
    assert token.is_expired(299.0)


def test_a_one_hour_token_leeway_is_capped_at_five_minutes() -> None:
    token = received(3600, at=100.0)
    assert token.refresh_due_at() == 100.0 + 3600 - 300
    assert token.is_fresh(100.0 + 3299.0)
    assert not token.is_fresh(100.0 + 3300.0)
    day = received(86_400, at=0.0)
    assert day.refresh_due_at() == 86_400 - 300


@pytest.mark.parametrize("lifetime", [0, 1, 10, 60, 299, 600, 3000, 3600, 7200, 10**9])
def test_leeway_scales_and_is_capped(lifetime: int) -> None:
    reserve = leeway(lifetime)
    assert 0 <= reserve <= 300
    assert reserve <= lifetime / 2, "a token is always fresh for at least half its life"
    assert leeway(lifetime) <= leeway(lifetime + 1)


def test_zero_lifetime_is_due_at_once() -> None:
    token = received(0, at=50.0)
    assert token.expires_at == 50.0
    assert not token.is_fresh(50.0)
    assert token.is_expired(50.0)


def test_no_expires_in_is_never_due_by_the_clock() -> None:
    token = received(None, at=0.0)
    assert token.expires_at is None
    assert token.refresh_due_at() is None
    assert token.is_fresh(10.0**12)
    assert not token.is_expired(10.0**12)
