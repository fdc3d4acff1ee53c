"""Throttling: a 429 or 503 met along the way says when to come back (RFC 6585 §4, RFC 9110).

The probes never provoke throttling (they send few requests, spaced out); this only judges one
that happens. Probing stops at the first such answer, so it is the last request sent.
"""

from __future__ import annotations

import time

from tokenwire.conformance.probes.model import (
    EVERY,
    Finding,
    ProbeCheck,
    Seen,
    deviates,
    passed,
    skipped,
)
from tokenwire.core.flow import retry_after
from tokenwire.core.redact import scrub


def _retry_after(seen: Seen) -> Finding:
    throttled = [e for e in seen.exchanges if e.throttled and e.response is not None]
    if not throttled:
        return skipped("no 429 or 503 was met")
    problems = []
    for exchange in throttled:
        assert exchange.response is not None
        value = exchange.header("retry-after")
        if value is None:
            problems.append(f"{exchange.name}: HTTP {exchange.status} without Retry-After")
        elif retry_after(exchange.response, time.time) is None:
            problems.append(
                f"{exchange.name}: Retry-After {scrub(value, 40)!r} is neither seconds "
                "nor an HTTP date"
            )
    names = tuple(e.name for e in throttled)
    if problems:
        return deviates("; ".join(problems), names)
    return passed(f"HTTP {throttled[0].status} with a valid Retry-After", names)


CHECKS: tuple[ProbeCheck, ...] = (
    ProbeCheck(
        id="throttling.retry-after",
        section="RFC 6585 §4, RFC 9110 §10.2.3, §15.6.4",
        level="SHOULD",
        title="a 429 or 503 carries a valid Retry-After",
        uses=EVERY,
        evaluate=_retry_after,
        needs="any",
        throttled=True,
    ),
)
