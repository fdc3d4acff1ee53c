"""Checks of a successful token response (RFC 6749 §5.1).

They read the answer to the valid client_credentials request, or, for a public client, the answer
to the refresh request. They judge the raw members, not what tokenwire's lenient parser would make
of them: ``"expires_in": "3600"`` works with tokenwire, and is still reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tokenwire.conformance.probes.exchange import ProbeExchange
from tokenwire.conformance.probes.model import (
    Finding,
    ProbeCheck,
    Seen,
    deviates,
    passed,
    warned,
)
from tokenwire.conformance.probes.plan import BASELINE
from tokenwire.conformance.probes.results import (
    Level,
)
from tokenwire.core.redact import scrub

#: RFC 6749 Appendix A.4: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), joined by single spaces.
SCOPE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*")
#: Access token types from the IANA registry (lower-cased): RFC 6750, RFC 9449, RFC 8693.
KNOWN_TOKEN_TYPES = frozenset({"bearer", "dpop", "n_a"})


def _not_a_token_response(exchange: ProbeExchange) -> Finding | None:
    if exchange.json is None:
        return deviates(f"{exchange.describe()}: the body is not a JSON object")
    if exchange.error is not None:
        return deviates(f"{exchange.describe()}: an error, not a token response")
    return None


def _status(seen: Seen) -> Finding:
    exchange = seen.first
    if exchange.status == 200:
        return passed("HTTP 200")
    return deviates(f"{exchange.describe()}, expected 200")


def _content_type(seen: Seen) -> Finding:
    exchange = seen.first
    if exchange.is_json:
        return passed(scrub(exchange.header("content-type") or "", 80))
    shown = scrub(exchange.header("content-type") or "", 80) or "no Content-Type"
    return deviates(f"{shown}, expected application/json")


def _access_token(seen: Seen) -> Finding:
    exchange = seen.first
    problem = _not_a_token_response(exchange)
    if problem is not None:
        return problem
    value = exchange.member("access_token")
    if isinstance(value, str) and value:
        return passed("present, a non-empty string")
    if value is None:
        return deviates("access_token is missing")
    return deviates("access_token is not a non-empty string")


def _token_type(seen: Seen) -> Finding:
    exchange = seen.first
    problem = _not_a_token_response(exchange)
    if problem is not None:
        return problem
    value = exchange.member("token_type")
    if value is None:
        return deviates("token_type is missing (REQUIRED)")
    if not isinstance(value, str) or not value:
        return deviates("token_type is not a non-empty string")
    shown = scrub(value, 40)
    if value.lower() not in KNOWN_TOKEN_TYPES:
        return warned(f"{shown!r} is not a registered token type (Bearer, DPoP, N_A)")
    if value.lower() == "bearer" and value != "Bearer":
        return passed(f"{shown!r}, which is Bearer: token types are case-insensitive")
    return passed(repr(shown))


def _expires_in(seen: Seen) -> Finding:
    exchange = seen.first
    problem = _not_a_token_response(exchange)
    if problem is not None:
        return problem
    value = exchange.member("expires_in")
    if value is None:
        return warned("expires_in is missing (RECOMMENDED): clients cannot tell when it expires")
    if isinstance(value, bool):
        return deviates("expires_in is a boolean, not a number")
    if isinstance(value, int | float):
        if value <= 0:
            return deviates(f"expires_in is {value}, not a positive number of seconds")
        if isinstance(value, float) and not value.is_integer():
            return warned(f"expires_in is {value}: a fraction of a second is unusual")
        return passed(f"{value!r}, a JSON number")
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return warned(
            f"expires_in is the JSON string {scrub(value, 20)!r}, not a number: "
            "tolerated by lenient clients, rejected by strict ones"
        )
    return deviates("expires_in is neither a number nor a string of digits")


def _cache_control(seen: Seen) -> Finding:
    exchange = seen.first
    if "no-store" in exchange.cache_directives():
        return passed("Cache-Control: no-store")
    shown = exchange.header("cache-control")
    if shown is None:
        return deviates("no Cache-Control header: a cache may keep the token")
    return deviates(f"Cache-Control: {scrub(shown, 80)} (no no-store)")


def _pragma(seen: Seen) -> Finding:
    value = seen.first.header("pragma")
    if value is not None and "no-cache" in value.lower():
        return passed("Pragma: no-cache")
    return warned(
        "no Pragma: no-cache. RFC 6749 asks for it; RFC 9111 deprecates Pragma, and "
        "Cache-Control: no-store is what counts today"
    )


def _scope(seen: Seen) -> Finding:
    exchange = seen.first
    problem = _not_a_token_response(exchange)
    if problem is not None:
        return problem
    value = exchange.member("scope")
    asked = seen.target.scope
    if value is None:
        if asked:
            return passed("absent, which says the scope asked for was granted as asked")
        return passed("absent (OPTIONAL when nothing was asked for)")
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return warned("scope is a JSON array, not a space-delimited string")
        return deviates("scope is an array of non-strings")
    if not isinstance(value, str):
        return deviates("scope is not a string")
    if not SCOPE.fullmatch(value):
        return deviates(
            f"scope {scrub(value, 80)!r} is not scope tokens separated by single spaces"
        )
    if asked and set(value.split()) != set(asked.split()):
        return passed(f"{scrub(value, 80)!r} (asked for {scrub(asked, 80)!r})")
    return passed(repr(scrub(value, 80)))


def _check(
    name: str, section: str, level: Level, title: str, evaluate: Callable[[Seen], Finding]
) -> ProbeCheck:
    return ProbeCheck(
        id=f"success.{name}",
        section=section,
        level=level,
        title=title,
        uses=(BASELINE,),
        evaluate=evaluate,
    )


CHECKS: tuple[ProbeCheck, ...] = (
    _check("status", "RFC 6749 §5.1", "MUST", "a valid token request is answered 200", _status),
    _check(
        "content-type",
        "RFC 6749 §5.1",
        "MUST",
        "the token response is application/json",
        _content_type,
    ),
    _check(
        "access-token", "RFC 6749 §5.1", "MUST", "access_token is a non-empty string", _access_token
    ),
    _check(
        "token-type",
        "RFC 6749 §5.1, §7.1",
        "MUST",
        "token_type is present and recognised case-insensitively",
        _token_type,
    ),
    _check(
        "expires-in",
        "RFC 6749 §5.1",
        "MUST",
        "expires_in, if sent, is a positive JSON number",
        _expires_in,
    ),
    _check(
        "cache-control",
        "RFC 6749 §5.1",
        "MUST",
        "the token response carries Cache-Control: no-store",
        _cache_control,
    ),
    _check(
        "pragma",
        "RFC 6749 §5.1, RFC 9111 §5.4",
        "SHOULD",
        "the token response carries Pragma: no-cache (legacy)",
        _pragma,
    ),
    _check(
        "scope",
        "RFC 6749 §3.3, §5.1",
        "MUST",
        "scope, if sent, is scope tokens separated by single spaces",
        _scope,
    ),
)
