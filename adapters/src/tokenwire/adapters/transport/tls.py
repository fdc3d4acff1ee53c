"""TLS set-up shared by the built-in transports: one verified context per transport.

Kept apart so that every transport verifies the same way (certifi's roots when installed, else the
system store) and loads a client certificate for mutual TLS the same way.
"""

from __future__ import annotations

import ssl

from tokenwire.adapters.transport.options import TransportOptions
from tokenwire.core import ConfigurationError

__all__ = ["build_ssl_context"]


def build_ssl_context(options: TransportOptions) -> ssl.SSLContext:
    """The TLS context a transport uses for every connection (built once per transport).

    Verification is on by default against certifi's bundle when certifi is installed (the same
    roots on every machine), else the system store. A caller's own context is used as given, with
    the client certificate, if any, loaded into it.
    """
    if options.ssl_context is not None:
        context = options.ssl_context
    else:
        context = ssl.create_default_context(cafile=_certifi_bundle())
        if not options.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    if options.client_cert is not None:
        certfile, keyfile = options.client_cert
        try:
            context.load_cert_chain(certfile, keyfile)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationError(
                f"cannot load the client certificate {certfile!r}: {type(exc).__name__}"
            ) from exc
    return context


def _certifi_bundle() -> str | None:
    try:
        import certifi  # optional; only needed when a context is built
    except ImportError:
        return None
    where: str = certifi.where()
    return where
