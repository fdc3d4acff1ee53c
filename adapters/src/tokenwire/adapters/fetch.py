"""The fetch transport: an async transport on the JavaScript ``fetch`` of Pyodide (browser or Node).

Pyodide (CPython on WebAssembly) has no sockets: every request goes through the runtime's
``fetch``. This transport calls it through ``js`` rather than through ``pyodide.http.pyfetch``
because pyfetch turns every failure into an ``OSError`` with the JavaScript error dropped, and the
transport contract needs that error: Node's ``fetch`` says in ``cause.code`` whether the connect
failed (``ECONNREFUSED``: nothing was sent) or the exchange broke later.

How the contract is met (``docs/transports.md``, section "Pyodide", says what a runtime hides):

* deadlines: an ``AbortController`` per exchange, armed by a JS timer before each wait (the
  headers, then each body chunk) with the smaller of the wait's limit and what is left of
  ``total_timeout``; a timer that fired turns the abort into :class:`TransportTimeout`;
* the size cap: the body is read chunk by chunk from its stream and the exchange is aborted as
  soon as the cap is passed (a ``Content-Length`` over the cap is refused before reading);
* no redirects: ``redirect: "manual"``. Node hands back the 3xx as it is; a browser hands back an
  opaque response with no status and no headers, which is reported as a :class:`TransportError`;
* ``sent=False`` only for a connect the runtime reports as failed (Node's ``ECONNREFUSED`` and
  DNS errors); a browser's bare ``TypeError: Failed to fetch`` may come after the request left, so
  it keeps ``sent=True``;
* no cookies: ``credentials: "omit"`` (no ``cache`` mode: ``no-store`` would add
  ``Cache-Control`` and ``Pragma`` to the request, and a POST is not served from a cache anyway).

It imports only :mod:`tokenwire.core`, :mod:`tokenwire.adapters.transport` (the options, the
header check and the scrubbed causes every transport shares), the standard library and, when a
transport is built, the Pyodide runtime (``js``, ``pyodide.ffi``), so this module itself imports
anywhere.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar
from urllib.parse import urlsplit

from tokenwire.adapters.transport import (
    TransportOptions,
    response_header_problem,
    stand_in,
    wire_headers,
)
from tokenwire.core import (
    ConfigurationError,
    HttpRequest,
    HttpResponse,
    ResponseTooLarge,
    TransportError,
    TransportTimeout,
    check_endpoint_url,
)
from tokenwire.core.redact import scrub

__all__ = ["FetchTransport"]

#: Node's error codes for a connection that was never made: nothing of the request left.
_NOT_CONNECTED = frozenset(
    {"ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"}
)


class FetchTransport:
    """Send each request with the runtime's ``fetch`` (Pyodide in a browser, or under Node).

    ``options`` are the :class:`TransportOptions` every transport takes: ``connect_timeout +
    read_timeout`` bounds the wait for the response headers (``fetch`` does not tell the connect
    from the wait), ``read_timeout`` each body chunk, ``total_timeout`` the whole exchange;
    ``max_response_bytes`` caps the body. TLS and proxies are the runtime's: a context, a client
    certificate, ``verify=False`` or a ``proxy`` is refused with :class:`ConfigurationError`.
    """

    #: Headers the runtime adds to every request and the transport cannot remove (a browser
    #: adds all of these; Node's fetch adds ``accept-encoding``, ``accept-language``,
    #: ``connection``, ``sec-fetch-mode`` and ``user-agent``).
    runtime_headers: ClassVar[frozenset[str]] = frozenset(
        {
            "accept-encoding",
            "accept-language",
            "connection",
            "user-agent",
            "origin",
            "referer",
            "sec-fetch-dest",
            "sec-fetch-mode",
            "sec-fetch-site",
            "sec-ch-ua",
            "sec-ch-ua-mobile",
            "sec-ch-ua-platform",
        }
    )

    def __init__(self, options: TransportOptions | None = None) -> None:
        options = options or TransportOptions()
        if options.ssl_context is not None or options.client_cert is not None or not options.verify:
            raise ConfigurationError(
                "FetchTransport takes no TLS settings: certificates are the runtime's business"
            )
        if options.proxy is not None:  # trust_env is moot: the runtime's own settings apply
            raise ConfigurationError(
                "FetchTransport takes no proxy: the browser (or Node) picks the proxy itself"
            )
        try:
            import js
            from pyodide.ffi import JsException, create_proxy, to_js
        except ImportError as exc:
            raise ConfigurationError(
                "FetchTransport needs the Pyodide runtime (the js and pyodide.ffi modules)"
            ) from exc
        self.options = options
        self._js: Any = js
        self._js_exception: type[Exception] = JsException
        self._create_proxy: Any = create_proxy
        self._to_js: Any = to_js

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` once and return the response, whatever its status."""
        check_endpoint_url(request.url)
        # The check every transport makes (control characters, spaces around a value, ...),
        # so fetch refuses what the others refuse, before the runtime's own, narrower one.
        wire_headers(request.headers)
        where = _where(request.url)
        js, options = self._js, self.options
        headers = js.Headers.new()
        for name, value in request.headers:
            try:
                headers.append(name, value)
                refused = False
            except self._js_exception:  # the runtime's own check: nothing was sent
                refused = True
            if refused:  # raised out here: the runtime's message quotes the value, maybe a secret
                raise ConfigurationError(
                    f"request header {scrub(name, 40)!r} cannot be sent by fetch "
                    "(bad name, or a value that is not Latin-1 or has CR/LF)"
                )
        controller = js.AbortController.new()
        init: dict[str, Any] = {
            "method": request.method,
            "headers": headers,
            "redirect": "manual",
            "credentials": "omit",
            "signal": controller.signal,
        }
        if request.body:
            init["body"] = self._to_js(request.body)
        timer = _Timer(js, self._create_proxy, controller)
        deadline = time.monotonic() + options.total_timeout
        try:
            timer.arm(deadline, options.connect_timeout + options.read_timeout)
            failure: TransportError | None = None
            try:
                response = await js.fetch(
                    request.url, self._to_js(init, dict_converter=js.Object.fromEntries)
                )
            except self._js_exception as exc:
                failure = self._failure(exc, where, timer, waiting="a response from")
            if failure is not None:  # raised out here: the runtime's error is not the context
                raise failure
            if response.type == "opaqueredirect":
                raise TransportError(
                    f"{where} answered with a redirect, which this runtime hides (no status, "
                    "no Location); it was not followed"
                )
            out_headers = tuple((str(pair[0]), str(pair[1])) for pair in response.headers)
            # What the runtime let through but h11 refuses (Node reads Transfer-Encoding: gzip
            # until close): the same answer for broken framing as every other transport.
            problem = response_header_problem(out_headers)
            if problem is not None:
                controller.abort()
                raise TransportError(f"fetch exchange with {where} failed: {problem}", sent=True)
            declared = response.headers.get("content-length")
            if (
                declared is not None
                and str(declared).isdigit()
                and int(declared) > self.options.max_response_bytes
            ):
                controller.abort()
                raise self._too_large(where)
            body = await self._read_body(response, where, timer, deadline, controller)
        finally:
            timer.close()
        return HttpResponse(status=int(response.status), headers=out_headers, body=body)

    async def _read_body(
        self, response: Any, where: str, timer: _Timer, deadline: float, controller: Any
    ) -> bytes:
        if response.body is None:
            return b""
        reader = response.body.getReader()
        chunks: list[bytes] = []
        size = 0
        while True:
            timer.arm(deadline, self.options.read_timeout)
            failure: TransportError | None = None
            try:
                result = await reader.read()
            except self._js_exception as exc:
                failure = self._failure(exc, where, timer, waiting="the body from")
            if failure is not None:  # raised out here: the runtime's error is not the context
                raise failure
            if result.done:
                return b"".join(chunks)
            chunk = result.value.to_bytes()
            size += len(chunk)
            if size > self.options.max_response_bytes:
                controller.abort()  # drop the connection with the rest unread
                raise self._too_large(where)
            chunks.append(chunk)

    def _too_large(self, where: str) -> ResponseTooLarge:
        return ResponseTooLarge(
            f"response from {where} exceeds the {self.options.max_response_bytes}-byte limit "
            "(max_response_bytes); the rest was not read"
        )

    def _failure(
        self, exc: Exception, where: str, timer: _Timer, *, waiting: str
    ) -> TransportError:
        """The runtime's ``exc`` as tokenwire's error, with a scrubbed stand-in as its cause."""
        error = self._mapped(exc, where, timer, waiting=waiting)
        error.__cause__ = stand_in(exc)
        return error

    def _mapped(self, exc: Exception, where: str, timer: _Timer, *, waiting: str) -> TransportError:
        if timer.fired:
            if timer.total_binds:
                total = self.options.total_timeout
                return TransportTimeout(
                    f"exchange with {where} exceeded the total timeout of {total:g} s"
                )
            return TransportTimeout(
                f"timed out after {timer.limit:g} s waiting for {waiting} {where}"
            )
        error = getattr(exc, "js_error", None)
        name = str(getattr(error, "name", None) or type(exc).__name__)
        cause = getattr(error, "cause", None)
        code = getattr(cause, "code", None) if cause is not None else None
        code = str(code) if isinstance(code, str) else None
        if code in _NOT_CONNECTED:
            return TransportError(f"could not connect to {where}: {code}", sent=False)
        what = f"{name}: {scrub(code, 40)}" if code else name
        return TransportError(f"fetch exchange with {where} failed: {what}", sent=True)

    async def aclose(self) -> None:
        """Nothing to release: the runtime owns the connections."""


class _Timer:
    """One JS timer per wait, aborting the exchange's controller when the wait's limit expires."""

    def __init__(self, js: Any, create_proxy: Any, controller: Any) -> None:
        self._js = js
        self._controller = controller
        self._handle: Any = None
        self.fired = False
        #: The armed wait's own limit, and whether what was left of the total was shorter.
        self.limit = 0.0
        self.total_binds = False
        self._callback = create_proxy(self._fire)

    def _fire(self, *_: object) -> None:
        self.fired = True
        self._controller.abort()

    def arm(self, deadline: float, limit: float) -> None:
        self.clear()
        left = deadline - time.monotonic()
        self.limit = limit
        self.total_binds = left < limit
        self._handle = self._js.setTimeout(self._callback, max(0, int(min(left, limit) * 1000)))

    def clear(self) -> None:
        if self._handle is not None:
            self._js.clearTimeout(self._handle)
            self._handle = None

    def close(self) -> None:
        self.clear()
        self._callback.destroy()


def _where(url: str) -> str:
    """``host:port`` for messages: never the path or the query."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or ""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
