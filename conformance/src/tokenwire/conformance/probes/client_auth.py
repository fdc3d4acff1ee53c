"""Checks of client authentication and request parsing (RFC 6749 §2.3, §3.2)."""

from __future__ import annotations

from tokenwire.conformance.probes.errors import expect_error
from tokenwire.conformance.probes.exchange import ProbeExchange
from tokenwire.conformance.probes.model import Finding, ProbeCheck, Seen, deviates, passed, warned
from tokenwire.conformance.probes.plan import BASIC, BOTH_PLACES, EXTRA_PARAMETER
from tokenwire.conformance.probes.target import encoding_matters


def _accepted(exchange: ProbeExchange) -> bool:
    return exchange.status == 200 and exchange.error is None


def _basic(seen: Seen) -> Finding:
    exchange = seen.first
    matters = encoding_matters(seen.target)
    if not seen.target.basic_urlencode:
        if _accepted(exchange):
            return warned(
                "accepted, sent unencoded on request (--basic-unencoded): RFC 6749 §2.3.1 "
                "has clients form-urlencode the id and secret, and servers decode them"
            )
        return deviates(f"{exchange.describe()}: Basic credentials refused (sent unencoded)")
    if _accepted(exchange):
        if matters:
            return passed(
                "accepted; the id or secret has characters that form-urlencoding changes, "
                "so the provider decodes them as §2.3.1 says"
            )
        return passed(
            "accepted; the id and secret have no character that form-urlencoding changes, so "
            "this shows Basic works, not that the provider decodes it"
        )
    hint = " (does the provider form-decode the id and secret?)" if matters else ""
    refused = f"{exchange.describe()}: Basic credentials refused{hint}"
    if not seen.target.uses_basic:
        # RFC 6749 §2.3.1 has every server accept Basic, but a client registered for
        # client_secret_post (RFC 7591 token_endpoint_auth_method) may be held to it.
        return warned(f"{refused}; the client may be registered for {seen.target.auth.method} only")
    return deviates(refused)


def _one_method(seen: Seen) -> Finding:
    return expect_error(seen.first, "invalid_request")


def _extra_parameter(seen: Seen) -> Finding:
    exchange = seen.first
    if _accepted(exchange):
        return passed("accepted, the unrecognised parameter ignored")
    return deviates(f"{exchange.describe()}: refused because of an unrecognised parameter")


CHECKS: tuple[ProbeCheck, ...] = (
    ProbeCheck(
        id="client-auth.basic",
        section="RFC 6749 §2.3.1",
        level="MUST",
        title="client credentials sent form-urlencoded in HTTP Basic are accepted",
        uses=(BASIC,),
        evaluate=_basic,
    ),
    ProbeCheck(
        id="client-auth.one-method",
        section="RFC 6749 §2.3, §5.2",
        level="SHOULD",
        title="credentials in both the Authorization header and the body give invalid_request",
        uses=(BOTH_PLACES,),
        evaluate=_one_method,
    ),
    ProbeCheck(
        id="client-auth.extra-parameter",
        section="RFC 6749 §3.2",
        level="MUST",
        title="an unrecognised request parameter is ignored",
        uses=(EXTRA_PARAMETER,),
        evaluate=_extra_parameter,
    ),
)
