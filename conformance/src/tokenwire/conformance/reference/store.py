"""The reference provider's state: clients, codes, refresh tokens and a request counter.

The HTTP server answers each connection on its own thread, so every read-modify-write happens
under one lock. Codes and rotated refresh tokens are *taken* (looked up and removed in one step),
so two concurrent uses of the same one cannot both succeed: tests of single-flight refresh rely on
the provider noticing a refresh token used twice.
"""

from __future__ import annotations

import threading
import time

from tokenwire.conformance.reference.clients import RegisteredClient
from tokenwire.conformance.reference.models import IssuedCode, IssuedRefreshToken
from tokenwire.conformance.reference.records import DeviceCredential, IssuedAccessToken


class Store:
    """Thread-safe in-memory state of one reference provider."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, RegisteredClient] = {}
        self._codes: dict[str, IssuedCode] = {}
        self._refresh_tokens: dict[str, IssuedRefreshToken] = {}
        self._token_requests = 0
        self._access_tokens: dict[str, IssuedAccessToken] = {}
        self._devices: dict[str, DeviceCredential] = {}
        #: The user's decision per user code: approved (``True``) or denied.
        self._decisions: dict[str, bool] = {}
        #: How many more pending device polls get ``slow_down`` instead.
        self._slow_downs = 0

    # --- clients ------------------------------------------------------------------------------
    def add_client(self, client: RegisteredClient) -> None:
        with self._lock:
            self._clients[client.client_id] = client

    def client(self, client_id: str) -> RegisteredClient | None:
        with self._lock:
            return self._clients.get(client_id)

    # --- authorization codes ------------------------------------------------------------------
    def save_code(self, code: IssuedCode) -> None:
        with self._lock:
            self._codes[code.code] = code

    def take_code(self, code: str, client_id: str) -> IssuedCode | None:
        """Remove ``code`` and return it if it is live and was issued to ``client_id``.

        A code is spent by any attempt to use it, successful or not (RFC 6749 §4.1.2: use once).
        """
        with self._lock:
            issued = self._codes.pop(code, None)
        if issued is None or issued.client_id != client_id or time.monotonic() > issued.expires_at:
            return None
        return issued

    # --- refresh tokens -----------------------------------------------------------------------
    def save_refresh_token(self, token: IssuedRefreshToken) -> None:
        with self._lock:
            self._refresh_tokens[token.refresh_token] = token

    def claim_refresh_token(
        self, refresh_token: str, client_id: str, *, consume: bool
    ) -> IssuedRefreshToken | None:
        """The record of ``refresh_token`` if issued to ``client_id``; removed if ``consume``."""
        with self._lock:
            issued = self._refresh_tokens.get(refresh_token)
            if issued is None or issued.client_id != client_id:
                return None
            if consume:
                del self._refresh_tokens[refresh_token]
            return issued

    # --- access tokens and revocation ----------------------------------------------------------
    def save_access_token(self, token: IssuedAccessToken) -> None:
        with self._lock:
            self._access_tokens[token.access_token] = token

    def access_token(self, access_token: str) -> IssuedAccessToken | None:
        """The live record of ``access_token``: ``None`` if unknown, revoked or expired."""
        with self._lock:
            issued = self._access_tokens.get(access_token)
        return None if issued is None or issued.is_expired() else issued

    def refresh_token(self, refresh_token: str) -> IssuedRefreshToken | None:
        with self._lock:
            return self._refresh_tokens.get(refresh_token)

    def revoke(self, token: str) -> None:
        """Forget ``token``, whichever kind it is (RFC 7009 §2.1: it is dead at once)."""
        with self._lock:
            self._access_tokens.pop(token, None)
            self._refresh_tokens.pop(token, None)

    # --- device codes ---------------------------------------------------------------------------
    def save_device(self, credential: DeviceCredential) -> None:
        with self._lock:
            self._devices[credential.device_code] = credential

    def device(self, device_code: str) -> DeviceCredential | None:
        with self._lock:
            return self._devices.get(device_code)

    def drop_device(self, device_code: str) -> None:
        """A device code is spent once it has been traded for a token."""
        with self._lock:
            self._devices.pop(device_code, None)

    def decide(self, user_code: str, approved: bool) -> bool:
        """Record the user's decision; ``False`` if no live device code has this user code."""
        with self._lock:
            if not any(d.user_code == user_code for d in self._devices.values()):
                return False
            self._decisions[user_code] = approved
            return True

    def decision(self, user_code: str) -> bool | None:
        with self._lock:
            return self._decisions.get(user_code)

    def set_slow_downs(self, count: int) -> None:
        with self._lock:
            self._slow_downs = count

    def take_slow_down(self) -> bool:
        """``True`` (and one fewer left) while pending polls are to be told to slow down."""
        with self._lock:
            if self._slow_downs <= 0:
                return False
            self._slow_downs -= 1
            return True

    # --- observability ------------------------------------------------------------------------
    def count_token_request(self) -> None:
        with self._lock:
            self._token_requests += 1

    @property
    def token_requests(self) -> int:
        with self._lock:
            return self._token_requests
