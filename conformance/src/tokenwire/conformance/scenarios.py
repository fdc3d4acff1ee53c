"""Fault scenarios: how a client must behave when the exchange itself goes wrong.

Like vectors they are data (``scenarios/*.json``): the grant, the replies the replay server gives
one after another (canned responses or faults), and the outcome, including how many requests the
server must see and how long the client must have been told to sleep. They exercise the retry rules
of the core flow through real transports: a reset refresh is never resent, a reset
client_credentials request is, a ``Retry-After`` is honoured, nothing hangs. A scenario may go on
with more grants (``then``) on the same client and transport, so over a kept-alive connection:
bytes an answer left behind (a stray CRLF, a second answer nobody asked for, an interim ``103``
taken for the answer) would make the *next* refresh read the wrong answer and lose its rotated
token.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import msgspec

from tokenwire.conformance.replay import ScriptedReply
from tokenwire.conformance.vectors import (
    ExpectedOutcome,
    ProfileName,
    VectorClient,
    VectorGrant,
    build_profile,
)
from tokenwire.core import Profile


class FollowingGrant(msgspec.Struct, frozen=True, kw_only=True):
    """A grant requested after the one before it ended, and the outcome it must reach."""

    grant: VectorGrant
    outcome: ExpectedOutcome


class Scenario(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    description: str
    profile: ProfileName = "generic"
    client: VectorClient
    grant: VectorGrant
    replies: list[ScriptedReply]
    outcome: ExpectedOutcome
    #: How many requests the server must receive.
    requests: int
    #: The sleeps the flow must ask for, in order (``random`` fixed at 0.5), if checked.
    sleeps: list[float] | None = None
    #: Point the client at a loopback port where nothing listens instead of the replay server:
    #: every connect fails, so nothing is ever sent (``sent=False``).
    unreachable: bool = False
    #: Grants requested one after another once ``grant`` has ended, each with its outcome.
    then: list[FollowingGrant] = msgspec.field(default_factory=list)

    def build_profile(self, base: str | None = None) -> Profile:
        return build_profile(self.profile, base)


_decoder = msgspec.json.Decoder(Scenario)


@cache
def load_scenarios() -> tuple[Scenario, ...]:
    """Every fault scenario shipped with the package, in file-name order."""
    folder = resources.files("tokenwire.conformance") / "scenarios"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)
    return tuple(_decoder.decode(f.read_bytes()) for f in files)
