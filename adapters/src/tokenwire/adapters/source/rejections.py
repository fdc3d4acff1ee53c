"""What a source remembers about versions it must not hand out or renew again.

Two memories, for two different refusals: a resource server rejected an *access token* (a caller
said so through ``invalidate``: that version and older are not handed out again), and the
authorization server refused a *refresh token or grant* (``invalid_grant``: asking again with the
same version is pointless, so it raises without a request until a newer token is stored). Callers
on any thread report the first; only the renewal's leader records the second.
"""

from __future__ import annotations

import threading

from tokenwire.core import ReauthorizationRequired

__all__ = ["Rejections"]


class Rejections:
    """The highest rejected access-token version, and the version whose renewal was refused."""

    def __init__(self) -> None:
        #: The highest version a caller reported rejected (``invalidate``).
        self.access_rejected_version: int | None = None
        #: The version whose refresh token the server refused (0: nothing stored, grant refused).
        self.grant_refused_version: int | None = None
        self._lock = threading.Lock()

    def reject(self, version: int) -> None:
        """Remember that the token at ``version`` was rejected by a resource server."""
        with self._lock:
            if self.access_rejected_version is None or version > self.access_rejected_version:
                self.access_rejected_version = version

    def accepts(self, version: int) -> bool:
        """False if ``version`` is one a caller has reported rejected (or older)."""
        rejected = self.access_rejected_version
        return rejected is None or version > rejected

    def refused(self, version: int) -> None:
        """Remember that the server refused to renew the token at ``version``."""
        self.grant_refused_version = version

    def check_refused(self, version: int) -> None:
        """Raise again, without a request, if the server refused this very version before."""
        refused = self.grant_refused_version
        if refused is None:
            return
        if version > refused:
            self.grant_refused_version = None  # a newer token was stored: try it
            return
        raise ReauthorizationRequired(
            "invalid_grant",
            "the authorization server refused this token's refresh token earlier; "
            "re-authorization is needed to get a new token",
        )
