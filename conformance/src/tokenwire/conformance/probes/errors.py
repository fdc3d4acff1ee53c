"""Checks of error responses (RFC 6749 §5.2).

Each deliberate mistake has a check that the provider names it with the right error code and
status; then every error answer met along the way is checked for shape: a JSON object whose
``error`` uses only the characters §5.2 allows, optional members well formed, ``no-store``, and
never the status 200.

Longer than most modules, for a reason: every check of RFC 6749 §5.2 is here with its table
entry, so that the section reads in one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tokenwire.conformance.probes.exchange import ProbeExchange
from tokenwire.conformance.probes.model import (
    EVERY,
    Finding,
    ProbeCheck,
    Seen,
    deviates,
    passed,
    skipped,
    warned,
)
from tokenwire.conformance.probes.plan import (
    BOGUS_REFRESH,
    DUPLICATE,
    MISSING_GRANT,
    UNKNOWN_GRANT,
    WRONG_SECRET,
    WRONG_SECRET_BASIC,
)
from tokenwire.conformance.probes.results import (
    Level,
)
from tokenwire.core.redact import scrub

#: RFC 6749 §5.2: error and error_description use %x20-21 / %x23-5B / %x5D-7E (no ``"`` or ``\``)
ERROR_TEXT = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]+")
#: ... and error_uri %x21 / %x23-5B / %x5D-7E (no space either).
ERROR_URI = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
#: Error codes registered for the token endpoint: RFC 6749 §5.2, RFC 8628 §3.5, RFC 8707 §2,
#: RFC 9449 §5 and §8, and the two that RFC 6749 §4.1.2.1 defines and OAuth 2.1 allows here too.
KNOWN_ERRORS = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "authorization_pending",
        "slow_down",
        "access_denied",
        "expired_token",
        "invalid_target",
        "invalid_dpop_proof",
        "use_dpop_nonce",
        "server_error",
        "temporarily_unavailable",
    }
)


def expect_error(exchange: ProbeExchange, code: str, statuses: tuple[int, ...] = (400,)) -> Finding:
    """The finding for a request that must be refused with ``code`` and one of ``statuses``."""
    status = exchange.status
    wanted = " or ".join(str(s) for s in statuses)
    if exchange.error is None:
        if status == 200:
            return deviates(f"accepted (HTTP 200), expected {code}")
        return deviates(f"{exchange.describe()} without an OAuth error body, expected {code}")
    if exchange.error != code:
        return deviates(f"{exchange.describe()}, expected {code}")
    if status not in statuses:
        return deviates(f"{code} with HTTP {status}, expected HTTP {wanted}")
    return passed(exchange.describe())


def _checker(code: str, statuses: tuple[int, ...] = (400,)) -> Callable[[Seen], Finding]:
    return lambda seen: expect_error(seen.first, code, statuses)


def authenticated_first(seen: Seen) -> Finding | None:
    """A public client refused with ``invalid_client`` before the grant was looked at.

    RFC 6749 §5.2 sets no order between its checks: a provider that wants this client to
    authenticate may say so before it reads ``grant_type`` or the refresh token. The check could
    not be made, which is not a deviation.
    """
    exchange = seen.first
    if seen.target.confidential or exchange.error != "invalid_client":
        return None
    return skipped(
        f"{exchange.describe()}: the provider checked client authentication first (RFC 6749 "
        "§5.2 sets no order between its checks), so it never looked at what this request tests"
    )


def _grant_checker(code: str) -> Callable[[Seen], Finding]:
    return lambda seen: authenticated_first(seen) or expect_error(seen.first, code)


def _invalid_grant(seen: Seen) -> Finding:
    exchange = seen.first
    first = authenticated_first(seen)
    if first is not None:
        return first
    if exchange.error == "unauthorized_client":
        return skipped(
            "unauthorized_client: this client may not use refresh_token, so the provider "
            "never looked at the token"
        )
    return expect_error(exchange, "invalid_grant")


def _basic_challenge(seen: Seen) -> Finding:
    exchange = seen.first
    found = expect_error(exchange, "invalid_client", (401,))
    if found.verdict != "pass":
        return found
    challenge = exchange.header("www-authenticate")
    if challenge is None:
        return deviates("HTTP 401 without WWW-Authenticate, after the client tried Basic")
    scheme = challenge.strip().split(" ", 1)[0].split(",", 1)[0]
    if scheme.lower() != "basic":
        return deviates(f"WWW-Authenticate names scheme {scrub(scheme, 20)!r}, not Basic")
    return passed("HTTP 401 invalid_client with WWW-Authenticate: Basic")


def _unauthorized_challenge(seen: Seen) -> Finding:
    unauthorized = [e for e in seen.exchanges if e.status == 401]
    if not unauthorized:
        return skipped("no answer had status 401")
    bare = tuple(e.name for e in unauthorized if e.header("www-authenticate") is None)
    if bare:
        return deviates(f"HTTP 401 without WWW-Authenticate: {', '.join(bare)}", bare)
    shown = tuple(e.name for e in unauthorized)
    return passed(f"{len(unauthorized)} answer(s) with status 401, each with a challenge", shown)


#: An aggregate check's detail names this many offending answers; its evidence has them all.
_LISTED = 3


def error_answers(seen: Seen) -> list[ProbeExchange]:
    """Answers that are, or should be, OAuth errors: an ``error`` member or a non-200 status."""
    return [e for e in seen.exchanges if e.error is not None or e.status != 200]


def _aggregate(
    seen: Seen,
    problem: Callable[[ProbeExchange], str | None],
    what: str,
    *,
    only_oauth: bool = True,
) -> Finding:
    """Apply ``problem`` to every error answer; a deviation lists each that has one."""
    answers = error_answers(seen)
    if only_oauth:
        answers = [e for e in answers if e.error is not None]
    if not answers:
        return skipped("no error answer to look at")
    problems = [(e.name, p) for e in answers if (p := problem(e)) is not None]
    if problems:
        names = tuple(name for name, _ in problems)
        listed = "; ".join(f"{name}: {p}" for name, p in problems[:_LISTED])
        more = f"; and {len(problems) - _LISTED} more" if len(problems) > _LISTED else ""
        return deviates(f"{len(problems)} of {len(answers)} error answer(s). {listed}{more}", names)
    return passed(f"{len(answers)} error answer(s) {what}", tuple(e.name for e in answers))


def _json_body_problem(exchange: ProbeExchange) -> str | None:
    if exchange.json is None:
        ctype = scrub(exchange.header("content-type") or "", 60) or "no Content-Type"
        return f"HTTP {exchange.status}, body is not a JSON object ({ctype})"
    if "error" not in exchange.json:
        return f"HTTP {exchange.status}, JSON without an error member"
    if exchange.error is None:
        return "the error member is not a string"
    if not exchange.is_json:
        ctype = scrub(exchange.header("content-type") or "", 60) or "no Content-Type"
        return f"JSON error body sent as {ctype}, not application/json"
    return None


def _json_body(seen: Seen) -> Finding:
    return _aggregate(
        seen, _json_body_problem, "are JSON objects with an error member", only_oauth=False
    )


def _error_code_problem(exchange: ProbeExchange) -> str | None:
    error = exchange.error or ""
    if not ERROR_TEXT.fullmatch(error):
        return f"error {scrub(error, 60)!r} has characters RFC 6749 §5.2 does not allow"
    return None


def _error_code(seen: Seen) -> Finding:
    found = _aggregate(seen, _error_code_problem, "have a well-formed error code")
    if found.verdict != "pass":
        return found
    unknown = sorted({e.error or "" for e in error_answers(seen)} - KNOWN_ERRORS - {""})
    if unknown:
        codes = ", ".join(scrub(code, 40) for code in unknown)
        return warned(f"error code(s) not in the IANA registry: {codes}")
    return found


def _optional_members_problem(exchange: ProbeExchange) -> str | None:
    description = exchange.member("error_description")
    if description is not None and not (
        isinstance(description, str) and ERROR_TEXT.fullmatch(description)
    ):
        return "error_description is not a string of the characters §5.2 allows"
    uri = exchange.member("error_uri")
    if uri is not None and not (isinstance(uri, str) and ERROR_URI.fullmatch(uri)):
        return "error_uri is not a URI string"
    return None


def _optional_members(seen: Seen) -> Finding:
    return _aggregate(
        seen, _optional_members_problem, "have well-formed error_description and error_uri"
    )


def _no_store_problem(exchange: ProbeExchange) -> str | None:
    if "no-store" in exchange.cache_directives():
        return None
    return f"{exchange.describe()} without Cache-Control: no-store"


def _no_store(seen: Seen) -> Finding:
    found = _aggregate(seen, _no_store_problem, "carry Cache-Control: no-store")
    if found.verdict != "deviation":
        return found
    # RFC 6749 §5.1's no-store rule covers responses carrying tokens or credentials; an error
    # answer carries neither, so its absence there is worth knowing, not a deviation.
    return passed(
        f"{found.detail} (informational: RFC 6749 §5.1 requires no-store only on responses "
        "carrying tokens or credentials)",
        found.shown,
    )


def _not_200_problem(exchange: ProbeExchange) -> str | None:
    return f"{exchange.describe()}" if exchange.status == 200 else None


def _not_200(seen: Seen) -> Finding:
    return _aggregate(seen, _not_200_problem, "came with an error status, none with 200")


def _single(
    name: str,
    section: str,
    level: Level,
    title: str,
    uses: str,
    evaluate: Callable[[Seen], Finding],
) -> ProbeCheck:
    return ProbeCheck(
        id=f"errors.{name}",
        section=section,
        level=level,
        title=title,
        uses=(uses,),
        evaluate=evaluate,
    )


def _every(
    name: str, section: str, level: Level, title: str, evaluate: Callable[[Seen], Finding]
) -> ProbeCheck:
    return ProbeCheck(
        id=f"errors.{name}",
        section=section,
        level=level,
        title=title,
        uses=EVERY,
        evaluate=evaluate,
        needs="any",
    )


CHECKS: tuple[ProbeCheck, ...] = (
    _single(
        "invalid-client",
        "RFC 6749 §5.2",
        "MUST",
        "a wrong client secret gives invalid_client with 400 or 401",
        WRONG_SECRET,
        _checker("invalid_client", (400, 401)),
    ),
    _single(
        "basic-challenge",
        "RFC 6749 §5.2",
        "MUST",
        "a wrong secret sent with Basic gives 401 invalid_client with WWW-Authenticate: Basic",
        WRONG_SECRET_BASIC,
        _basic_challenge,
    ),
    _every(
        "unauthorized-challenge",
        "RFC 9110 §11.6.1, §15.5.2",
        "SHOULD",
        "every 401 carries WWW-Authenticate",
        _unauthorized_challenge,
    ),
    _single(
        "unsupported-grant-type",
        "RFC 6749 §5.2",
        "MUST",
        "an unknown grant_type gives 400 unsupported_grant_type",
        UNKNOWN_GRANT,
        _grant_checker("unsupported_grant_type"),
    ),
    _single(
        "missing-grant-type",
        "RFC 6749 §5.2",
        "MUST",
        "a request without grant_type gives 400 invalid_request",
        MISSING_GRANT,
        _grant_checker("invalid_request"),
    ),
    _single(
        "invalid-grant",
        "RFC 6749 §5.2, §6",
        "MUST",
        "a refresh token never issued gives 400 invalid_grant",
        BOGUS_REFRESH,
        _invalid_grant,
    ),
    _single(
        "duplicate-parameter",
        "RFC 6749 §3.2, §5.2",
        "SHOULD",
        "a parameter sent twice gives 400 invalid_request",
        DUPLICATE,
        _checker("invalid_request"),
    ),
    _every(
        "json-body",
        "RFC 6749 §5.2",
        "MUST",
        "error answers are application/json objects with an error member",
        _json_body,
    ),
    _every(
        "error-code",
        "RFC 6749 §5.2",
        "MUST",
        "error codes use only the characters §5.2 allows (registered codes expected)",
        _error_code,
    ),
    _every(
        "optional-members",
        "RFC 6749 §5.2",
        "MUST",
        "error_description and error_uri, if sent, are well formed",
        _optional_members,
    ),
    _every(
        "cache-control",
        "RFC 6749 §5.1, §5.2",
        "INFO",
        "whether error answers carry Cache-Control: no-store (§5.1 requires it only with tokens)",
        _no_store,
    ),
    _every(
        "not-200",
        "RFC 6749 §5.2",
        "MUST",
        "no error is answered with status 200",
        _not_200,
    ),
)
