"""Checks of the refresh token grant (RFC 6749 §6, RFC 9700 §4.14.2), run with --refresh-token."""

from __future__ import annotations

from tokenwire.conformance.probes.errors import expect_error
from tokenwire.conformance.probes.model import (
    Finding,
    ProbeCheck,
    Seen,
    deviates,
    passed,
    skipped,
    warned,
)
from tokenwire.conformance.probes.plan import AFTER_REUSE, REFRESH, REUSE


def _refused_token(seen: Seen) -> Finding | None:
    """The refresh token given was itself refused: the user's input, not the provider's fault."""
    if seen.first.error == "invalid_grant":
        return skipped(
            "the refresh token given was refused (invalid_grant): is it expired, revoked or "
            "already used? Nothing about refresh could be checked"
        )
    return None


def _new_access_token(seen: Seen) -> Finding:
    exchange = seen.first
    refused = _refused_token(seen)
    if refused is not None:
        return refused
    if exchange.status != 200 or exchange.error is not None:
        return deviates(f"{exchange.describe()}, expected 200 with a new access token")
    token = exchange.member("access_token")
    if isinstance(token, str) and token:
        return passed("HTTP 200 with a new access_token")
    return deviates("HTTP 200 without an access_token string")


def _rotation(seen: Seen) -> Finding:
    exchange = seen.first
    refused = _refused_token(seen)
    if refused is not None:
        return refused
    if exchange.status != 200 or exchange.error is not None:
        return skipped("the refresh request did not succeed")
    new = exchange.member("refresh_token")
    public = not seen.target.confidential
    if isinstance(new, str) and new and new != seen.target.refresh_token:
        reuse = seen.run.get(REUSE)
        if reuse is not None and reuse.status == 200 and reuse.error is None:
            what = (
                "not rotated in effect: a new refresh token was issued, but the old one "
                "still works (see refresh.old-token-refused)"
            )
            if public:
                return warned(f"{what}; a public client's refresh tokens must rotate")
            return passed(what)
        if reuse is None or not reuse.answered:
            return passed("a new refresh token was issued (the old one was not tried again)")
        return passed("rotated: a new refresh token was issued and the old one refused")
    what = (
        "not rotated: the same refresh token came back"
        if new == seen.target.refresh_token
        else "not rotated: no new refresh token, the one given stays in use"
    )
    if public:
        return warned(
            f"{what}; a public client's refresh tokens must rotate unless sender-constrained"
        )
    return passed(what)


def _old_refused(seen: Seen) -> Finding:
    return expect_error(seen.first, "invalid_grant")


def _reuse_revokes(seen: Seen) -> Finding:
    exchange = seen.first
    if exchange.status == 200 and exchange.error is None:
        return deviates(
            "the rotated refresh token still works after the old one was reused: the provider "
            "did not revoke the active refresh token"
        )
    if exchange.error == "invalid_grant":
        return passed(f"{exchange.describe()}: the active refresh token was revoked on reuse")
    return deviates(f"{exchange.describe()}, expected invalid_grant (revoked on reuse)")


CHECKS: tuple[ProbeCheck, ...] = (
    ProbeCheck(
        id="refresh.new-access-token",
        section="RFC 6749 §6, §5.1",
        level="MUST",
        title="a valid refresh token gives a new access token",
        uses=(REFRESH,),
        evaluate=_new_access_token,
    ),
    ProbeCheck(
        id="refresh.rotation",
        section="RFC 6749 §6, RFC 9700 §4.14.2",
        level="INFO",
        title="whether the refresh token is rotated",
        uses=(REFRESH,),
        evaluate=_rotation,
    ),
    ProbeCheck(
        id="refresh.old-token-refused",
        section="RFC 6749 §10.4, RFC 9700 §4.14.2",
        level="SHOULD",
        title="after rotation the old refresh token gives invalid_grant",
        uses=(REUSE,),
        evaluate=_old_refused,
    ),
    ProbeCheck(
        id="refresh.reuse-revokes-grant",
        section="RFC 9700 §4.14.2",
        level="SHOULD",
        title="reusing a rotated-out refresh token revokes the active one",
        uses=(AFTER_REUSE,),
        evaluate=_reuse_revokes,
    ),
)
