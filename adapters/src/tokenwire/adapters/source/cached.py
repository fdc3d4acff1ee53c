"""``Cached``: a stored token as a source's hot path reads it.

``access_token()`` runs on every request an application makes, so the token it hands out is kept
in a form that answers its two questions (which token, and is it due) by attribute lookup alone,
computed once when a renewal hands the token over.
"""

from __future__ import annotations

import math

from tokenwire.adapters.stores import StoredToken

__all__ = ["Cached"]


class Cached:
    """A stored token as the hot path reads it: one attribute per question, nothing computed.

    ``due_at`` is when the token enters its leeway (``inf`` for a token without ``expires_in``,
    kept until it is reported rejected).
    """

    __slots__ = ("access_token", "due_at", "token", "version")

    def __init__(self, stored: StoredToken) -> None:
        self.token = stored.token
        self.version = stored.version
        self.access_token = stored.token.access_token
        due = stored.token.refresh_due_at()
        self.due_at = math.inf if due is None else due

    def __repr__(self) -> str:
        return f"Cached(version={self.version}, due_at={self.due_at})"
