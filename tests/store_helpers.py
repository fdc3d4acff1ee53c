"""Tokens and clocks for the token-store tests (tests/adapters/test_stores*.py)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from tokenwire.core import Token


def make_token(
    name: str = "a",
    *,
    refresh: bool = True,
    expires_in: int | None = 3600,
    extra: Mapping[str, Any] | None = None,
) -> Token:
    """A token whose values all carry ``name`` (and ``SECRET``, which no message may show)."""
    now = time.time()
    return Token(
        access_token=f"AT-SECRET-{name}",
        token_type="Bearer",
        expires_in=expires_in,
        refresh_token=f"RT-SECRET-{name}" if refresh else None,
        expires_at=None if expires_in is None else now + expires_in,
        received_at=now,
        extra=extra or {},
    )


class FakeClock:
    """A clock that moves only when told to (set ``now``)."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
