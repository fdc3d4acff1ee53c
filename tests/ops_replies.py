"""What the operability tests (logs, trace events, docs) share: replay answers, a lease clock.

A 503 with ``Retry-After: 0`` (the flow retries at once, for any grant), a 200 token response
built from keyword members, and a lease clock that makes a dead holder's lease expire after a set
number of looks, so a lease wait happens whatever the machine's load.
"""

from __future__ import annotations

import json

from tokenwire.conformance.replay import ScriptedReply
from tokenwire.conformance.vectors import CannedResponse

#: 503 ``temporarily_unavailable`` asking to retry at once.
BUSY = ScriptedReply(
    response=CannedResponse(
        status=503,
        headers=[("Content-Type", "application/json"), ("Retry-After", "0")],
        body='{"error": "temporarily_unavailable"}',
    )
)


def token_reply(**members: object) -> ScriptedReply:
    """A 200 token response with these JSON members (``token_type`` defaults to Bearer)."""
    body = {"token_type": "Bearer", **members}
    return ScriptedReply(
        response=CannedResponse(
            status=200, headers=[("Content-Type", "application/json")], body=json.dumps(body)
        )
    )


class Ticking:
    """A store's lease clock that moves one second each time it is read (no real waiting).

    A lease taken with a TTL of 1.5 s is still held at the store's next read and expired at the
    one after: a source sees it held once, polls, then takes it over.
    """

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now
