"""Logging and trace events in one place: what the drivers and token sources report, and how.

The core logs nothing (it is sans-IO); its steps say what a driver needs to report (a
:class:`~tokenwire.core.Send` its attempt and operation, a :class:`~tokenwire.core.Sleep` the
retry's reason). An :class:`Observer` turns those, and the token sources' renewals, into standard
:mod:`logging` records and :mod:`~tokenwire.adapters.trace` events, so that the record texts,
levels and redaction are written once:

* ``tokenwire.flow``: DEBUG each request sent (method, endpoint, operation, attempt) and each
  response (status, elapsed ms); WARNING each retry and why, with ``Retry-After`` honoured or
  refused;
* ``tokenwire.source``: INFO a renewal done (key, new expiry, whether the refresh token rotated)
  and a lease wait (taken over from a holder that stored nothing, or ended by its token); WARNING
  an ``invalid_grant`` that forces re-authorization;
* ``tokenwire.store``: WARNING a store operation that failed (the caller gets the error; ERROR is
  the caller's to log);
* ``tokenwire.trace``: a trace callback that raised.

Every value logged has been through :mod:`tokenwire.core.redact` (URLs, keys and messages are
scrubbed; errors are otherwise named by class), and the values are formatted into the message
before the record is made, so a record's ``args`` hold nothing either. The cached hot path of a
token source calls nothing here.
"""

from __future__ import annotations

import logging
import time
from typing import cast

from tokenwire.adapters.trace import (
    LeaseWaited,
    RenewalFinished,
    RenewalStarted,
    RequestFinished,
    RequestStarted,
    RetryScheduled,
    StoreFailed,
    TraceCallback,
    TraceEvent,
    Tracing,
)
from tokenwire.core import HttpResponse, Send, Sleep, Token, TransportError
from tokenwire.core.flow import REFUSED_NOTE
from tokenwire.core.redact import scrub

__all__ = ["QUIET", "Observer", "callbacks"]

# A library's loggers get a NullHandler (logging HOWTO): records go only where the application
# sends them, never to the "last resort" stderr handler of an unconfigured process.
logging.getLogger("tokenwire").addHandler(logging.NullHandler())
flow_log = logging.getLogger("tokenwire.flow")
source_log = logging.getLogger("tokenwire.source")
store_log = logging.getLogger("tokenwire.store")
trace_log = logging.getLogger("tokenwire.trace")

_DEBUG = logging.DEBUG
_REFUSED = REFUSED_NOTE.partition("{")[0]
_URL_CACHE_SIZE = 32


def callbacks(trace: Tracing) -> tuple[TraceCallback, ...]:
    """``trace=`` as a tuple of callbacks (one callable, a sequence of them, or ``None``)."""
    if trace is None:
        return ()
    if callable(trace):
        return (trace,)
    found = tuple(trace)
    for each in found:
        if not callable(cast("object", each)):
            from tokenwire.core import ConfigurationError

            raise ConfigurationError(f"trace callbacks must be callable, not {type(each).__name__}")
    return found


def _log(logger: logging.Logger, level: int, message: str) -> None:
    # Formatted before logging: the record's ``args`` stay empty, so no handler or filter can
    # find an unredacted value in them.
    logger.log(level, "%s", message)


class Observer:
    """Logs, and hands trace events to ``trace``: one per client or source (cheap when idle)."""

    __slots__ = ("_fetched", "_urls", "callbacks")

    def __init__(self, trace: Tracing = None) -> None:
        self.callbacks = callbacks(trace)
        self._urls: dict[str, str] = {}
        # (fetched, rotated) of the renewal in progress: a source renews once at a time.
        self._fetched = (False, False)

    def emit(self, event: TraceEvent) -> None:
        """Hand ``event`` to every callback; one that raises is logged and skipped."""
        for callback in self.callbacks:
            try:
                callback(event)
            except Exception as exc:  # a broken metric must not break a token request
                _log(trace_log, logging.WARNING, f"trace callback failed: {type(exc).__name__}")

    def _url(self, url: str) -> str:
        shown = self._urls.get(url)
        if shown is None:
            if len(self._urls) >= _URL_CACHE_SIZE:
                self._urls.clear()
            shown = self._urls[url] = scrub(url, 200)
        return shown

    # --- the drivers' steps -----------------------------------------------------------------------

    def sending(self, step: Send) -> float:
        """A request is going out; returns its start time for :meth:`answered`."""
        if self.callbacks or flow_log.isEnabledFor(_DEBUG):
            request = step.request
            url = self._url(request.url)
            operation = scrub(step.operation, 60)
            if flow_log.isEnabledFor(_DEBUG):
                timeout = "" if request.timeout is None else f", {request.timeout:.3g} s left"
                _log(
                    flow_log,
                    _DEBUG,
                    f"sending {request.method} {url} ({operation or 'request'}, "
                    f"attempt {step.attempt}{timeout})",
                )
            if self.callbacks:
                self.emit(
                    RequestStarted(operation, request.method, url, step.attempt, request.timeout)
                )
        return time.perf_counter()

    def answered(self, step: Send, reply: object, started: float) -> None:
        """The exchange of ``step`` ended with ``reply`` (a response or a transport error)."""
        if not (self.callbacks or flow_log.isEnabledFor(_DEBUG)):
            return
        duration = time.perf_counter() - started
        request = step.request
        url = self._url(request.url)
        status = reply.status if isinstance(reply, HttpResponse) else None
        error = None if status is not None else type(reply).__name__
        if flow_log.isEnabledFor(_DEBUG):
            if status is not None:
                what = f"response {status} from {url}"
            else:
                detail = scrub(str(reply)) if isinstance(reply, TransportError) else ""
                what = f"no response from {url}: {error}: {detail}"
            _log(
                flow_log,
                _DEBUG,
                f"{what} in {duration * 1000:.1f} ms (attempt {step.attempt})",
            )
        if self.callbacks:
            operation = scrub(step.operation, 60)
            self.emit(
                RequestFinished(
                    operation, request.method, url, step.attempt, status, duration, error
                )
            )

    def sleeping(self, step: Sleep) -> None:
        """The flow pauses: a retry (``attempt`` > 0) is logged and reported; polls are not."""
        if not step.attempt:
            return
        reason = step.reason  # a status, an error class or a code the core has redacted
        after = ", as its Retry-After asks" if step.retry_after else ""
        _log(
            flow_log,
            logging.WARNING,
            f"attempt {step.attempt} failed ({reason}); retrying in {step.seconds:.3g} s{after}",
        )
        if self.callbacks:
            self.emit(RetryScheduled(reason, step.seconds, step.attempt, step.retry_after))

    def ended(self, error: BaseException) -> None:
        """The flow raised ``error``: a ``Retry-After`` it refused to wait for is logged."""
        for note in getattr(error, "__notes__", ()):
            if isinstance(note, str) and note.startswith(_REFUSED):
                _log(flow_log, logging.WARNING, f"{scrub(note)}; giving up")

    # --- the token sources ---------------------------------------------------------------------

    def renewal_started(self, key: str) -> float:
        """A source's leader starts a renewal; returns its start time."""
        self._fetched = (False, False)
        if self.callbacks:
            self.emit(RenewalStarted(scrub(key, 80)))
        return time.perf_counter()

    def renewal_finished(
        self, key: str, started: float, token: Token | None, error: BaseException | None
    ) -> None:
        """The renewal ended with ``token`` (from the store or the endpoint) or ``error``."""
        if self.callbacks:
            name = None if error is None else type(error).__name__
            expires = None if token is None else token.expires_at
            fetched, rotated = self._fetched
            duration = time.perf_counter() - started
            self.emit(RenewalFinished(scrub(key, 80), duration, expires, fetched, rotated, name))

    def renewed(self, key: str, token: Token, rotated: bool) -> None:
        """This source fetched a new token from the endpoint and stored it."""
        expires = "never" if token.expires_at is None else _when(token.expires_at)
        rotation = "rotated" if rotated else "kept"
        _log(
            source_log,
            logging.INFO,
            f"renewed the token of key {scrub(key, 80)!r}: expires {expires}, "
            f"refresh token {rotation}",
        )
        self._fetched = (True, rotated)

    def lease_waited(self, key: str, waited: float, took_over: bool) -> None:
        """A source waited on another holder's lease; it then took the lease, or found a token."""
        shown = scrub(key, 80)
        if took_over:
            how = "took over its lease: it stored no new token (it failed, or died)"
        else:
            how = "it stored a new token"
        _log(
            source_log,
            logging.INFO,
            f"waited {waited:.3g} s for another refresher of key {shown!r}; {how}",
        )
        if self.callbacks:
            self.emit(LeaseWaited(shown, waited, took_over))

    def reauthorization_required(self, key: str, what: str) -> None:
        """``invalid_grant`` for the stored grant: the user must authorize again."""
        _log(
            source_log,
            logging.WARNING,
            f"the authorization server refused the {what} of key {scrub(key, 80)!r} "
            "(invalid_grant): re-authorization is needed",
        )

    def store_failed(self, key: str, operation: str, error: BaseException) -> None:
        """A store operation raised ``error`` (re-raised by the caller)."""
        shown = scrub(key, 80)
        _log(
            store_log,
            logging.WARNING,
            f"{operation} on key {shown!r} failed: {type(error).__name__}: {scrub(str(error))}",
        )
        if self.callbacks:
            self.emit(StoreFailed(shown, operation, type(error).__name__))


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


#: The observer of drivers and clients given no ``trace``: it only logs.
QUIET = Observer()
