"""The token a token endpoint hands out, and when to renew it.

Expiry is computed from the moment the response was received (passed in: the core reads no
clock). The refresh leeway scales with the lifetime, because a fixed five minutes would make the
299-second tokens of Tencent CIAM always "expired", and is capped so that long-lived tokens are not
renewed needlessly early.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NoReturn

import msgspec

from tokenwire.core.redact import REDACTED, RedactedStruct, Shown, hidden

#: Fraction of a token's lifetime kept in reserve before it is renewed.
LEEWAY_FRACTION = 0.1
#: The reserve never exceeds this many seconds.
LEEWAY_CAP = 300.0


def leeway(lifetime: float, *, fraction: float = LEEWAY_FRACTION, cap: float = LEEWAY_CAP) -> float:
    """Seconds before expiry at which a token of ``lifetime`` seconds is due for renewal."""
    return min(cap, max(0.0, lifetime * fraction))


class ReadOnlyMembers(dict[str, Any]):
    """A ``dict`` that refuses changes: :attr:`Token.extra`, shared by every copy of a token.

    A subclass of ``dict`` rather than a ``MappingProxyType`` so that msgspec (and ``json``) still
    encode it, which the stores and the CLI rely on. Only the top level is frozen: the values are
    what the server sent.
    """

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("Token.extra is read-only")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (dict(self),))

    def __copy__(self) -> ReadOnlyMembers:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> ReadOnlyMembers:
        import copy

        return type(self)(copy.deepcopy(dict(self), memo))


class Token(RedactedStruct, frozen=True, kw_only=True):
    """A successful token response (RFC 6749 §5.1). ``repr`` shows no token value."""

    access_token: str
    token_type: str
    expires_in: int | None = None
    refresh_token: str | None = None
    scope: str | None = None
    id_token: str | None = None
    #: What kind of token ``access_token`` is, from a token exchange (RFC 8693 §2.2.1): one of
    #: :class:`~tokenwire.core.urn_grants.TokenTypes`.
    issued_token_type: str | None = None
    #: ``received_at + expires_in`` in the caller's clock (seconds); ``None`` if no expires_in.
    expires_at: float | None = None
    #: When the response was received, in the caller's clock.
    received_at: float | None = None
    #: Members the RFC does not name, as sent (read-only: a token may be shared between threads).
    extra: Mapping[str, Any] = msgspec.field(default_factory=ReadOnlyMembers)

    def __post_init__(self) -> None:
        if type(self.extra) is not ReadOnlyMembers:
            msgspec.structs.force_setattr(self, "extra", ReadOnlyMembers(self.extra))

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(self.scope.split()) if self.scope else ()

    def refresh_due_at(self) -> float | None:
        """The time at which this token should be renewed, or ``None`` if never by the clock."""
        if self.expires_at is None or self.expires_in is None:
            return None
        return self.expires_at - leeway(self.expires_in)

    def is_fresh(self, now: float) -> bool:
        """True while the token may be handed out without renewal at time ``now``."""
        due = self.refresh_due_at()
        return due is None or now < due

    def is_expired(self, now: float) -> bool:
        """True once the token's lifetime has fully passed at time ``now``."""
        return self.expires_at is not None and now >= self.expires_at

    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "access_token", REDACTED
        yield "token_type", self.token_type
        yield "expires_in", self.expires_in
        yield "refresh_token", hidden(self.refresh_token)
        yield "scope", self.scope
        yield "id_token", hidden(self.id_token)
        if self.issued_token_type is not None:
            yield "issued_token_type", self.issued_token_type
        yield "expires_at", self.expires_at
        # Unknown members may hold anything (a second token, a session id): only counted.
        yield "extra", Shown(f"<{len(self.extra)} members>")
