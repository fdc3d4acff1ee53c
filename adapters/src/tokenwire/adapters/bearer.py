"""What an HTTP client does with a bearer token a resource server answered with 401.

:class:`tokenwire.adapters.httpx.TokenAuth` and :class:`tokenwire.adapters.requests.TokenAuth`
send a token source's access token in ``Authorization: Bearer ...`` (RFC 6750 §2.1). When the
resource server rejects it, both ask :func:`decide` what to do, so the two libraries cannot
drift apart. The rules, as :func:`decide` implements them:

1. Only a ``401`` can reject a token. Any other status, ``403 insufficient_scope`` included, is
   the caller's to handle and is returned as it is.
2. A ``401`` rejects the token when a ``Bearer`` challenge says ``error="invalid_token"``
   (RFC 6750 §3.1), and also when no ``Bearer`` challenge names an error at all (a bare ``401``,
   or ``Bearer realm="..."`` only: many servers answer an expired token so). A ``Bearer``
   challenge naming another error (``invalid_request``, ``insufficient_scope``) means a new token
   would not help: the response stands.
3. A rejected token is invalidated (``source.invalidate(token)``: a late report about a token
   that was already replaced is harmless), and the request is sent once more with the source's
   next token, but only when its body can be sent again. A streamed body has been consumed: the
   ``401`` is returned, and the next request gets the renewed token.
4. The second answer is returned whatever it is: one renewal and one retry per request, never a
   loop.

The ``WWW-Authenticate`` parser (RFC 9110 §11.6.1) is tolerant: a malformed header never
raises, it only yields fewer challenges.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from tokenwire.core.redact import scrub

__all__ = [
    "AsyncBearerSource",
    "BearerSource",
    "Challenge",
    "Decision",
    "Verdict",
    "authorization",
    "bearer_of",
    "decide",
    "parse_challenges",
]

log = logging.getLogger("tokenwire.adapters.bearer")

#: Longer ``WWW-Authenticate`` text is cut before parsing: challenges are short.
MAX_CHALLENGE_TEXT = 8 * 1024

_SKIP = re.compile(r"[\s,]*")
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_PARAM = re.compile(rf"({_TOKEN})[ \t]*=[ \t]*({_QUOTED}|{_TOKEN})")
_SCHEME = re.compile(_TOKEN)
_TOKEN68 = re.compile(r"[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*(?=,|\Z)")
_ESCAPE = re.compile(r"\\(.)")


class BearerSource(Protocol):
    """What an auth object needs from a sync token source (:class:`TokenSource` fits)."""

    def access_token(self) -> str: ...

    def invalidate(self, access_token: str | None = None) -> None: ...


class AsyncBearerSource(Protocol):
    """What an auth object needs from an async token source (:class:`AsyncTokenSource` fits)."""

    async def access_token(self) -> str: ...

    def invalidate(self, access_token: str | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class Challenge:
    """One challenge of a ``WWW-Authenticate`` header: scheme and parameter names lower-cased."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)
    token68: str | None = None


def parse_challenges(values: Iterable[str]) -> list[Challenge]:
    """The challenges in one or more ``WWW-Authenticate`` header values, in order."""
    text = ", ".join(values)[:MAX_CHALLENGE_TEXT]
    challenges: list[Challenge] = []
    pos = 0
    while True:
        pos = _SKIP.match(text, pos).end()  # type: ignore[union-attr]  # matches the empty string
        if pos >= len(text):
            return challenges
        param = _PARAM.match(text, pos)
        if param is not None and challenges and challenges[-1].token68 is None:
            name, value = param.groups()
            if value.startswith('"'):
                value = _ESCAPE.sub(r"\1", value[1:-1])
            challenges[-1].params.setdefault(name.lower(), value)
            pos = param.end()
            continue
        scheme = _SCHEME.match(text, pos)
        if scheme is None:
            pos += 1  # not HTTP syntax: step over it
            continue
        pos = scheme.end()
        token68 = _TOKEN68.match(text, pos)
        if token68 is not None:
            pos = token68.end()
        challenges.append(
            Challenge(scheme.group().lower(), token68=None if token68 is None else token68[1])
        )


class Verdict(enum.Enum):
    """What to do with a response to a request that carried a bearer token."""

    #: Not a rejection of the token: hand the response to the caller.
    STANDS = "stands"
    #: The token was rejected: invalidate it, and send the request once more with a new one.
    RETRY = "retry"
    #: The token was rejected, but the body was streamed: invalidate it, return the response.
    INVALIDATE = "invalidate"


@dataclass(frozen=True, slots=True)
class Decision:
    """A :class:`Verdict` and why, in words safe to log (no token, no header value)."""

    verdict: Verdict
    reason: str

    def log(self, method: str, url: str) -> None:
        """Say at DEBUG what was decided for ``method url`` (the query is never shown)."""
        if self.verdict is Verdict.STANDS:
            return
        parts = urlsplit(url)
        where = scrub(f"{parts.scheme}://{parts.netloc}{parts.path}")
        then = (
            "renewing it and sending the request once more"
            if self.verdict is Verdict.RETRY
            else "renewing it for the next request; this one is not sent again (streamed body)"
        )
        log.debug("%s %s: access token rejected (%s); %s", method, where, self.reason, then)


def decide(status: int, www_authenticate: Iterable[str], *, replayable: bool) -> Decision:
    """What to do with a first response carrying ``status`` and these ``WWW-Authenticate`` values.

    ``replayable`` says whether the request's body can be sent again (none, or held in memory).
    Only ever asked about the first response to a request: the answer to the retry is returned
    as it is (rule 4 of this module).
    """
    if status != 401:
        return Decision(Verdict.STANDS, f"HTTP {status}")
    errors = {
        challenge.params.get("error")
        for challenge in parse_challenges(www_authenticate)
        if challenge.scheme == "bearer"
    }
    errors.discard(None)
    if "invalid_token" in errors:
        reason = 'HTTP 401, Bearer error="invalid_token"'
    elif errors:
        named = ", ".join(sorted(scrub(str(error), 40) for error in errors))
        return Decision(Verdict.STANDS, f"HTTP 401, Bearer error={named}: a new token won't help")
    else:
        reason = "HTTP 401 naming no Bearer error"
    return Decision(Verdict.RETRY if replayable else Verdict.INVALIDATE, reason)


def authorization(access_token: str) -> str:
    """The ``Authorization`` header value for ``access_token`` (RFC 6750 §2.1)."""
    return f"Bearer {access_token}"


def bearer_of(header: str | None) -> str | None:
    """The access token an ``Authorization`` header value carries, if it is a bearer one."""
    if header is None:
        return None
    scheme, _, credentials = header.partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None
