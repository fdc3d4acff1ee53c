"""The built-in transports by name: one table for the conformance runner, the CLIs and the tests.

Each row names a transport under test (``httpcore-sync``, ``httpcore-asyncio``, ...), the library
behind it (what ``--transport`` on the command line names), the event loop it runs on, and where
its class lives. Nothing is imported until a row is used, so the table can be read on a runtime
without httpcore (the stdlib transport is all it has there).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, cast

from tokenwire.adapters.transport.interface import AsyncTransport, Transport
from tokenwire.adapters.transport.options import TransportOptions
from tokenwire.core import ConfigurationError

__all__ = [
    "BUILTIN_TRANSPORTS",
    "BuiltinTransport",
    "TransportMode",
    "build_sync_transport",
    "default_library",
    "sync_libraries",
]

#: How a transport is driven: a sync ``send``, or an async one on asyncio or trio.
TransportMode = Literal["sync", "asyncio", "trio"]


@dataclass(frozen=True, slots=True)
class BuiltinTransport:
    """One built-in transport: its name, library, event loop and class (``module:Class``)."""

    name: str
    #: The library behind it, as ``--transport`` names it (``httpcore`` or ``stdlib``).
    library: str
    mode: TransportMode
    #: ``module:Class``, imported on first use.
    target: str
    #: The third-party packages it needs (none for stdlib), for :attr:`available`.
    requires: tuple[str, ...] = ()

    @property
    def available(self) -> bool:
        """True when everything it needs, its event loop's library included, is installed."""
        needed = (*self.requires, "trio") if self.mode == "trio" else self.requires
        return all(importlib.util.find_spec(name) is not None for name in needed)

    def load(self) -> Callable[..., Transport | AsyncTransport]:
        """The transport class; :class:`ConfigurationError` with the install line if missing."""
        module, _, name = self.target.partition(":")
        try:
            loaded = importlib.import_module(module)
        except ImportError:
            missing = True
        else:
            missing = False
        if missing:
            raise ConfigurationError(
                f"the {self.library} transport needs {', '.join(self.requires)}: "
                "pip install 'tokenwire-adapters[httpcore]'"
            )
        return cast("Callable[..., Transport | AsyncTransport]", getattr(loaded, name))

    def build(self, options: TransportOptions | None = None) -> Transport | AsyncTransport:
        """A fresh transport with ``options`` (the transport's defaults when ``None``)."""
        return self.load()(options)


#: Every transport tokenwire ships, in the order reports list them.
BUILTIN_TRANSPORTS: tuple[BuiltinTransport, ...] = (
    BuiltinTransport(
        "httpcore-sync", "httpcore", "sync", "tokenwire.adapters.httpcore:HttpcoreTransport",
        ("httpcore",),
    ),
    BuiltinTransport(
        "httpcore-asyncio", "httpcore", "asyncio",
        "tokenwire.adapters.httpcore:AsyncHttpcoreTransport", ("httpcore",),
    ),
    BuiltinTransport(
        "httpcore-trio", "httpcore", "trio", "tokenwire.adapters.httpcore:AsyncHttpcoreTransport",
        ("httpcore",),
    ),
    BuiltinTransport("stdlib", "stdlib", "sync", "tokenwire.adapters.stdlib:StdlibTransport"),
)  # fmt: skip


def sync_libraries() -> dict[str, BuiltinTransport]:
    """The sync transports by library name: the choices of every ``--transport`` option."""
    return {t.library: t for t in BUILTIN_TRANSPORTS if t.mode == "sync"}


def default_library() -> str:
    """The ``--transport`` default: the first sync transport whose library is installed."""
    return next(name for name, t in sync_libraries().items() if t.available)


def build_sync_transport(library: str, options: TransportOptions | None = None) -> Transport:
    """A fresh sync transport over ``library`` (a key of :func:`sync_libraries`)."""
    chosen = sync_libraries().get(library)
    if chosen is None:
        raise ConfigurationError(
            f"unknown transport {library!r}; choose one of {sorted(sync_libraries())}"
        )
    return cast("Transport", chosen.build(options))
