"""The device grant of ``tokenwire token`` (``--grant device_code``, RFC 8628).

It writes the user code and the verification URI to stderr, then a countdown to the code's expiry
while it polls (on a terminal only); the token JSON goes to stdout like every other grant.
Imported by ``tokenwire token``'s handler only when that grant is asked for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from tokenwire.adapters.client import TokenClient
from tokenwire.core import DeviceAuthorization, Token

__all__ = ["countdown_sleep", "device_token"]


def countdown_sleep(
    expires_at: float,
    clock: Callable[[], float],
    stream: TextIO,
    *,
    pause: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> Callable[[float], None]:
    """A sleep that shows the seconds left before ``expires_at`` once a second on ``stream``
    (when it is a terminal; elsewhere it just sleeps). ``pause`` and ``monotonic`` are the
    waiting and the timing it is made of."""
    show = stream.isatty()

    def sleep(seconds: float) -> None:
        end = monotonic() + seconds
        while (left := end - monotonic()) > 0:
            if show:
                remaining = max(0, int(expires_at - clock()))
                stream.write(f"\rwaiting for approval; the code expires in {remaining:4d} s ")
                stream.flush()
            pause(min(1.0, left))

    return sleep


def device_token(client: TokenClient, scope: str | None, stream: TextIO) -> Token:
    """Run the device flow with ``client``: show the user what to do on ``stream``, then poll."""
    started: DeviceAuthorization = client.start_device_authorization(scope)
    stream.write(f"To sign in, open {started.verification_uri}\n")
    stream.write(f"and enter the code: {started.user_code}\n")
    if started.verification_uri_complete:
        stream.write(f"(or open {started.verification_uri_complete})\n")
    stream.flush()
    expires_at = started.expires_at if started.expires_at is not None else client.clock()
    client.sleep = countdown_sleep(expires_at, client.clock, stream)
    try:
        token: Token = client.poll_device(started)
    finally:
        if stream.isatty():
            stream.write("\n")
    return token
