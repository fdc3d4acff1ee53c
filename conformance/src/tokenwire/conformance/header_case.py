"""The header case: a transport sends the headers the core built, plus framing, and nothing else.

``docs/transports.md`` forbids a transport to add headers: an ``Accept-Encoding`` can make a
provider compress its answer, a ``User-Agent`` of its own can make a firewall refuse it, a second
``Accept`` can change what comes back. The vectors check the values of the headers the core
builds; this one case (not every vector, so a transport that breaks the rule fails once, clearly)
checks the *names* the replay server received against the request the core built:

* every header the core built arrives, once per time it was built;
* besides them only the framing headers (``Host``, ``Content-Length``, ``Transfer-Encoding``);
* any other header fails the case, unless the transport declares that its runtime adds it and it
  cannot be removed (``runtime_headers``, read by
  :func:`tokenwire.adapters.transport.transport_runtime_headers`; a name ending in ``*`` is a
  prefix, as in ``sec-fetch-*``). Declared headers are reported in the result's detail, as a
  :class:`~tokenwire.conformance.suite.Note`, and do not fail it.

The runner learns a transport's declarations from the instance it builds (:func:`declaring`);
the case reads them from a context variable, set where the cases then run.
"""

from __future__ import annotations

import contextvars
import dataclasses
from collections import Counter
from collections.abc import Iterable

from tokenwire.adapters.transport import (
    FRAMING_HEADERS,
    AsyncTransport,
    Transport,
    transport_runtime_headers,
)
from tokenwire.conformance.replay import ReplayServer, ScriptedReply
from tokenwire.conformance.suite import Case, Note, Result, RoundTripCheck, TransportSpec, one_grant
from tokenwire.conformance.vectors import (
    CannedResponse,
    ExpectedOutcome,
    VectorClient,
    build_profile,
    check_outcome,
)
from tokenwire.core import ClientCredentials, Profile, RetryPolicy, prepare_token_request

__all__ = ["HEADER_CASE_ID", "check_header_names", "declaring", "header_case"]

HEADER_CASE_ID = "headers-exactly-as-built"

#: The runtime headers the transport under test declares; set when the runner builds it.
_DECLARED: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "tokenwire_conformance_declared_headers", default=frozenset()
)

# Basic authentication, so the request carries every header the core can build.
_CLIENT = VectorClient(
    client_id="header-case-client",
    client_secret="header-case-secret",
    method="client_secret_basic",
)
_ANSWER = CannedResponse(
    status=200,
    headers=[("Content-Type", "application/json"), ("Cache-Control", "no-store")],
    body='{"access_token":"header-case-access","token_type":"Bearer","expires_in":3600}',
)
_OUTCOME = ExpectedOutcome(token={"token_type": "Bearer", "expires_in": 3600})


def declaring(spec: TransportSpec) -> TransportSpec:
    """``spec`` with a factory that also records what the transport it builds declares.

    The declarations are read from the instance (a class attribute is enough) each time the
    factory runs, in the thread or task that then plays the cases, so the header case sees the
    declarations of the transport it is played through.
    """
    build = spec.factory

    def factory() -> Transport | AsyncTransport:
        transport = build()
        _DECLARED.set(transport_runtime_headers(transport))
        return transport

    return dataclasses.replace(spec, factory=factory)


def _declared(name: str, declared: Iterable[str]) -> bool:
    lname = name.lower()
    return any(lname.startswith(d[:-1]) if d.endswith("*") else lname == d for d in declared)


def check_header_names(
    built: Iterable[str], received: Iterable[str], declared: Iterable[str] = ()
) -> list[str]:
    """Problems with the header names ``received``, given those the core ``built``.

    Names compare case-insensitively and as a multiset; the result holds a
    :class:`~tokenwire.conformance.suite.Note` (not a failure) for headers the transport
    ``declared`` its runtime adds.
    """
    received = list(received)
    want = Counter(name.lower() for name in built)
    got = Counter(name.lower() for name in received)
    problems: list[str] = []
    missing = sorted((want - got).elements())
    if missing:
        problems.append(f"header(s) the core built never arrived: {', '.join(missing)}")
    extra: list[str] = []
    left = want.copy()
    for name in received:
        lname = name.lower()
        if left[lname] > 0:
            left[lname] -= 1
        elif lname not in FRAMING_HEADERS:
            extra.append(name)
    declared = list(declared)
    noted = [name for name in extra if _declared(name, declared)]
    added = [name for name in extra if not _declared(name, declared)]
    if added:
        problems.append(
            f"transport added header(s) the core did not build: {', '.join(added)} (a transport "
            "adds only Host and Content-Length; declare what its runtime adds and cannot remove "
            "in runtime_headers)"
        )
    if noted:
        problems.append(Note(f"declared runtime header(s) sent: {', '.join(noted)}"))
    return problems


def header_case(replay: ReplayServer) -> Case:
    """The header case, bound to ``replay``: one client_credentials request with Basic auth."""

    def prepare(sleeps: list[float]) -> tuple[Profile, RoundTripCheck]:
        profile = build_profile("generic", replay.base_url)
        grant = ClientCredentials()
        built = [name for name, _ in prepare_token_request(profile, _CLIENT.build(), grant).headers]
        replay.arm([ScriptedReply(response=_ANSWER)])

        def verify(result: Result) -> list[str]:
            seen = replay.take()
            problems = list(seen.problems)
            for names in seen.header_names:
                problems += check_header_names(built, names, _DECLARED.get())
            return problems + check_outcome(_OUTCOME, result)

        return profile, one_grant(grant, verify)

    return Case(HEADER_CASE_ID, "header", _CLIENT, prepare, RetryPolicy(max_attempts=1))
