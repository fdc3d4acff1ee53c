"""The device, revocation and token-exchange round trips catch a client that gets them wrong."""

from __future__ import annotations

import contextlib

import pytest

import tokenwire.core.device
from tokenwire.conformance.roundtrips import slow_down_widening
from tokenwire.conformance.runner import all_cases, builtin_transports, run_transport

SLOW_DOWN_CASE = "roundtrip-rfc6749-device-slow-down-until-expiry"


def test_slow_down_widening_counts_the_waits_that_fit_in_the_code_lifetime() -> None:
    assert slow_down_widening(60, 5) == [5, 10, 15, 20]
    assert slow_down_widening(5, 5) == []


def test_the_slow_down_round_trip_fails_a_client_that_does_not_widen_its_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tokenwire.core.device, "SLOW_DOWN_STEP", 0.0)
    stdlib = next(spec for spec in builtin_transports() if spec.name == "stdlib")
    with contextlib.ExitStack() as stack:
        case = next(c for c in all_cases(stack, roundtrips=True) if c.id == SLOW_DOWN_CASE)
        [result] = run_transport(stdlib, [case])
    assert result.outcome == "failed"
    assert "11 polls reached the provider, expected 4" in result.detail
