"""Probes of a live revocation (RFC 7009) and introspection (RFC 7662) endpoint, and their checks.

Sent only when the run is given the endpoint's URL (``--revocation-url``,
``--introspection-url``); each endpoint gets two requests, both with a random token the provider
never issued, so nothing real is revoked:

* the same request a correct client sends, authenticated as the client: revocation must answer
  200 (RFC 7009 §2.2: an invalid token is not an error, the client's purpose is served), and
  introspection 200 with ``{"active": false}`` (RFC 7662 §2.2);
* the same request without client authentication (only ``client_id`` in the body): both
  endpoints require client authentication (RFC 7009 §2.1, RFC 7662 §2.1), so it must be refused.
  Not sent for a public client, which has nothing to authenticate with.
"""

from __future__ import annotations

import secrets

from tokenwire.conformance.probes.model import Finding, ProbeCheck, Seen, deviates, passed, warned
from tokenwire.conformance.probes.plan import Probe
from tokenwire.conformance.probes.target import ProbeTarget
from tokenwire.core import ClientAuth, HttpRequest, introspection_request, revocation_request

__all__ = [
    "CHECKS",
    "ENDPOINT_REQUESTS",
    "INTROSPECT_INVALID",
    "INTROSPECT_UNAUTHENTICATED",
    "REVOKE_INVALID",
    "REVOKE_UNAUTHENTICATED",
    "endpoint_probes",
]

REVOKE_INVALID = "revoke-invalid-token"
REVOKE_UNAUTHENTICATED = "revoke-without-client-authentication"
INTROSPECT_INVALID = "introspect-invalid-token"
INTROSPECT_UNAUTHENTICATED = "introspect-without-client-authentication"
#: The most requests these probes add to a run.
ENDPOINT_REQUESTS = 4


def _garbage() -> str:
    return f"tokenwire-probe-never-issued-{secrets.token_hex(16)}"


def _anonymous(target: ProbeTarget) -> ClientAuth:
    return ClientAuth(target.auth.client_id, None, "none")


def _revoke(target: ProbeTarget) -> HttpRequest:
    return revocation_request(target.profile, target.auth, _garbage(), "access_token")


def _revoke_anonymous(target: ProbeTarget) -> HttpRequest:
    return revocation_request(target.profile, _anonymous(target), _garbage(), "access_token")


def _introspect(target: ProbeTarget) -> HttpRequest:
    return introspection_request(target.profile, target.auth, _garbage())


def _introspect_anonymous(target: ProbeTarget) -> HttpRequest:
    return introspection_request(target.profile, _anonymous(target), _garbage())


def endpoint_probes(target: ProbeTarget) -> list[Probe]:
    """The requests for the endpoints ``target`` names, in order."""
    plan: list[Probe] = []
    if target.revocation_url is not None:
        plan.append(Probe(REVOKE_INVALID, "revocation of a token never issued", _revoke))
        if target.confidential:
            plan.append(
                Probe(
                    REVOKE_UNAUTHENTICATED,
                    "revocation without client authentication",
                    _revoke_anonymous,
                )
            )
    if target.introspection_url is not None:
        plan.append(Probe(INTROSPECT_INVALID, "introspection of a token never issued", _introspect))
        if target.confidential:
            plan.append(
                Probe(
                    INTROSPECT_UNAUTHENTICATED,
                    "introspection without client authentication",
                    _introspect_anonymous,
                )
            )
    return plan


def _revoked(seen: Seen) -> Finding:
    exchange = seen.first
    if exchange.status == 200:
        return passed("HTTP 200: an invalid token is no error")
    return deviates(
        f"{exchange.describe()}, expected HTTP 200 for a token the provider never issued"
    )


def _refused(seen: Seen) -> Finding:
    exchange = seen.first
    if exchange.status == 401 or exchange.error == "invalid_client":
        return passed(exchange.describe())
    if exchange.status == 200 and exchange.error is None:
        return deviates("answered HTTP 200 without client authentication")
    return warned(f"{exchange.describe()}: refused, but not as invalid_client (or HTTP 401)")


def _inactive(seen: Seen) -> Finding:
    exchange = seen.first
    if exchange.status != 200 or exchange.error is not None:
        return deviates(f"{exchange.describe()}, expected HTTP 200 with active false")
    active = exchange.member("active")
    if active is False:
        return passed('HTTP 200 {"active": false}')
    return deviates(f"HTTP 200 with active {active!r}, expected false")


CHECKS: tuple[ProbeCheck, ...] = (
    ProbeCheck(
        id="revocation.invalid-token",
        section="RFC 7009 §2.2",
        level="MUST",
        title="revoking a token the provider never issued answers HTTP 200",
        uses=(REVOKE_INVALID,),
        evaluate=_revoked,
    ),
    ProbeCheck(
        id="revocation.client-auth",
        section="RFC 7009 §2.1",
        level="MUST",
        title="a revocation request without client authentication is refused",
        uses=(REVOKE_UNAUTHENTICATED,),
        evaluate=_refused,
    ),
    ProbeCheck(
        id="introspection.inactive",
        section="RFC 7662 §2.2",
        level="MUST",
        title='introspecting a token the provider never issued answers {"active": false}',
        uses=(INTROSPECT_INVALID,),
        evaluate=_inactive,
    ),
    ProbeCheck(
        id="introspection.client-auth",
        section="RFC 7662 §2.1",
        level="MUST",
        title="an introspection request without client authentication is refused",
        uses=(INTROSPECT_UNAUTHENTICATED,),
        evaluate=_refused,
    ),
)
