"""One probe request and what came back, read the way the checks need it.

A :class:`ProbeExchange` keeps the raw response (checks must see ``"3600"`` and ``3600`` as
different things, which the core's lenient parser deliberately does not), decodes its body once,
and turns itself into redacted :class:`~tokenwire.conformance.probes.results.Evidence`.
Redaction is in two layers: the members and runs that look like credentials are replaced by
:mod:`tokenwire.core.redact`, and then every secret value the run knows of (the client secret,
the refresh token given, every token the provider handed out) is replaced wherever it appears.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import msgspec

from tokenwire.conformance.probes.results import Evidence
from tokenwire.core import HttpRequest, HttpResponse, Profile, TokenwireError
from tokenwire.core.flow import THROTTLE_STATUSES
from tokenwire.core.redact import REDACTED, SECRET_FIELDS, json_type, scrub
from tokenwire.core.response import decode_json_body, problem_details

#: The response headers any check reads; evidence shows these and no other.
EVIDENCE_HEADERS = ("Content-Type", "Cache-Control", "Pragma", "WWW-Authenticate", "Retry-After")
#: Members shown as sent (scrubbed): error members and non-secret token metadata.
_SHOWN_MEMBERS = frozenset(
    {
        "error",
        "error_description",
        "error_uri",
        "token_type",
        "scope",
        "expires_in",
        "issued_token_type",
        # RFC 9457 problem details: meant for people, shown scrubbed.
        "type",
        "title",
        "detail",
    }
)
BODY_EXCERPT_LIMIT = 240
#: Known secrets shorter than this are not searched for: replacing every "ab" in a report would
#: garble it, and nothing that short is a credential a provider issues.
_MIN_SECRET_LENGTH = 4


@dataclass(eq=False)
class ProbeExchange:
    """One planned request: sent and answered, failed in transit, or not sent at all."""

    name: str
    purpose: str
    request: HttpRequest | None = None
    response: HttpResponse | None = None
    #: The transport's message when the request failed in transit (already secret-free).
    failure: str | None = None
    #: Why the request was not sent.
    not_sent: str | None = None
    #: The profile its body is decoded with (the probe's quirk-free one).
    profile: Profile | None = field(default=None, repr=False)

    @property
    def answered(self) -> bool:
        return self.response is not None

    @property
    def status(self) -> int | None:
        return None if self.response is None else self.response.status

    @property
    def throttled(self) -> bool:
        return self.status in THROTTLE_STATUSES

    def header(self, name: str) -> str | None:
        return None if self.response is None else self.response.header(name)

    @cached_property
    def json(self) -> dict[str, Any] | None:
        """The body as a JSON object, or ``None`` if it is not one (empty, HTML, an array)."""
        if self.response is None or self.profile is None:
            return None
        try:
            return decode_json_body(self.profile, self.response)
        except TokenwireError:
            return None

    def member(self, name: str) -> object:
        """A member of the JSON body (``None`` if absent or the body is not a JSON object)."""
        data = self.json
        return None if data is None else data.get(name)

    @property
    def error(self) -> str | None:
        """The ``error`` member when it is a string: this answer is an OAuth error."""
        value = self.member("error")
        return value if isinstance(value, str) else None

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, lower-cased (``""`` when absent)."""
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()

    @property
    def is_json(self) -> bool:
        return self.media_type == "application/json"

    def cache_directives(self) -> set[str]:
        """The Cache-Control directive names, lower-cased."""
        value = self.header("cache-control") or ""
        return {part.split("=", 1)[0].strip().lower() for part in value.split(",") if part.strip()}

    def issued_secrets(self) -> list[str]:
        """Every credential-bearing member value in the body (tokens the provider issued)."""
        data = self.json or {}
        return [v for k, v in data.items() if k in SECRET_FIELDS and isinstance(v, str) and v]

    def describe(self) -> str:
        """``HTTP 400 invalid_request`` and the like, for a check's one-line detail."""
        if self.response is None:
            return self.failure or self.not_sent or "no answer"
        text = f"HTTP {self.response.status}"
        if self.error is not None:
            text += f" {scrub(self.error, 60)}"
        elif self.json is not None and (problem := problem_details(self.json)) is not None:
            text += f" (problem details: {problem})"
        return text


class Redactor:
    """Replaces every known secret value in a text, longest first."""

    def __init__(self, secrets: list[str]) -> None:
        unique = {s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}
        self._secrets = sorted(unique, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


def evidence(exchange: ProbeExchange, redact: Redactor) -> Evidence:
    """The redacted evidence of one exchange."""
    request = redact(exchange.purpose)
    response = exchange.response
    if response is None:
        note = exchange.failure or exchange.not_sent or ""
        return Evidence(request=request, note=redact(note))
    headers = {}
    for name in EVIDENCE_HEADERS:
        value = response.header(name)
        if value is not None:
            headers[name] = redact(scrub(value, 160))
    return Evidence(
        request=request,
        status=response.status,
        headers=headers,
        body=redact(body_excerpt(exchange)),
    )


def body_excerpt(exchange: ProbeExchange) -> str:
    """A short view of the body: JSON members with credentials replaced, or scrubbed text."""
    response = exchange.response
    if response is None or not response.body.strip():
        return ""
    data = exchange.json
    if data is None:
        return scrub(response.body.decode("utf-8", "replace"), BODY_EXCERPT_LIMIT)
    shown = {scrub(str(k), 40): _shown_value(k, v) for k, v in list(data.items())[:16]}
    text = msgspec.json.encode(shown).decode()
    if len(text) > BODY_EXCERPT_LIMIT:
        text = text[: BODY_EXCERPT_LIMIT - 1] + "…"
    return text


def _shown_value(name: str, value: object) -> object:
    if name in SECRET_FIELDS:
        return REDACTED if value is not None else None
    if isinstance(value, bool | int | float) or value is None:
        return value
    if name in _SHOWN_MEMBERS:
        if isinstance(value, str):
            return scrub(value, 100)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [scrub(v, 40) for v in value[:8]]
    # Any other member may hold anything (a session id, a key): only its JSON type is shown.
    return f"<{json_type(value)}>"
