"""The clocks a store reads: wall, monotonic, and the boot id that says which monotonic clock.

Lease expiry must not move when someone steps the wall clock (NTP, an admin, a VM resume): a +200 s
step would let a second refresher in while the first still runs, a -1 h step would make a dead
holder's lease last an hour. So :class:`~tokenwire.adapters.stores.MemoryStore` and
:class:`~tokenwire.adapters.stores.SqliteStore` time leases with the monotonic clock, which on
Linux, macOS and Windows is one clock for every process of the machine. It restarts at boot while a
SQLite file survives, so a lease row carries the boot id it was taken under, and a lease from
another boot is expired. Where the system has no boot id, a lease whose deadline lies further ahead
than its own ttl (the clock went back: a reboot) is expired too, so a stale lease outlives a reboot
by at most its ttl. Redis times its leases itself (``PX``).

Every store takes these as arguments, so tests can step each one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

__all__ = ["BOOT_ID_PATH", "Clock", "boot_id", "lease_is_live"]

Clock = Callable[[], float]

#: Linux's random id of the current boot.
BOOT_ID_PATH = "/proc/sys/kernel/random/boot_id"


@functools.cache
def boot_id() -> str:
    """This boot's id, or ``""`` where the system has none (then only the ttl bound applies)."""
    try:
        with open(BOOT_ID_PATH, encoding="ascii") as file:
            return file.read().strip()
    except (OSError, ValueError):
        return ""


def lease_is_live(*, boot: str, deadline: float, ttl: float, current_boot: str, now: float) -> bool:
    """Whether a lease taken under ``boot`` until monotonic ``deadline`` for ``ttl`` still holds.

    ``now`` is the monotonic time under ``current_boot``. A deadline more than ``ttl`` ahead cannot
    come from this clock run (the clock only moves forward), so it is treated as expired.
    """
    return boot == current_boot and now < deadline <= now + ttl
