"""Per-request parameters every grant takes: resource indicators (RFC 8707) and extra fields.

A provider may want a field on one request and not the next (Auth0's ``audience``, a resource
server's URI), so they ride on the grant, not only on the :class:`~tokenwire.core.profile.Profile`.
They are checked once when the grant is built, and checked and encoded only when present, so a
grant without them pays two empty-tuple tests and nothing more.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from tokenwire.core.errors import ConfigurationError
from tokenwire.core.form import encode_form
from tokenwire.core.redact import Shown

__all__ = [
    "RESERVED",
    "Params",
    "check_params",
    "check_request_params",
    "check_resources",
    "params_form",
    "shown_params",
]

#: ``(name, value)`` fields sent with one request only.
Params = tuple[tuple[str, str], ...]

#: Fields a caller's extra parameters may not carry: the grant type and the client's credentials
#: have one owner each (the grant, the :class:`~tokenwire.core.auth.ClientAuth`).
RESERVED = frozenset({"grant_type", "client_secret"})


def check_params(params: object, what: str = "params") -> None:
    """Raise :class:`ConfigurationError` if ``params`` is not pairs or names a reserved field."""
    if not isinstance(params, tuple | list):
        raise ConfigurationError(f"{what} must be a tuple of (name, value) pairs")
    for pair in params:
        if (
            not isinstance(pair, tuple | list)
            or len(pair) != 2
            or not all(isinstance(part, str) for part in pair)
        ):
            raise ConfigurationError(f"{what} must be (name, value) pairs of strings")
        if pair[0] in RESERVED:
            raise ConfigurationError(f"{what} must not repeat grant_type or carry client_secret")


def check_resources(resource: object) -> None:
    """Each resource indicator is an absolute URI without a fragment (RFC 8707 §2)."""
    if not isinstance(resource, tuple | list):
        raise ConfigurationError("resource must be a tuple of URIs")
    for uri in resource:
        if not isinstance(uri, str):
            raise ConfigurationError("resource must be a tuple of URI strings")
        try:
            parts = urlsplit(uri)
        except ValueError:
            parts = None
        if parts is None or not parts.scheme or "#" in uri:
            # The URI is not a secret, but it is the caller's: shown only as "a resource".
            raise ConfigurationError("a resource must be an absolute URI without a fragment")


def check_request_params(resource: tuple[str, ...], extra: Params) -> None:
    """Check a grant's ``resource`` and ``extra`` (nothing to do when both are empty)."""
    if resource or extra:
        check_resources(resource)
        check_params(extra, "extra")


def params_form(resource: tuple[str, ...], extra: Params) -> bytes:
    """``&resource=...&name=value...`` for the fields present, or ``b""`` when there are none."""
    if not resource and not extra:
        return b""
    return b"&" + encode_form([*(("resource", uri) for uri in resource), *extra])


def shown_params(resource: tuple[str, ...], extra: Params) -> Iterator[tuple[str, object]]:
    """What a repr shows of the per-request parameters: the resource URIs, the extra names."""
    if resource:
        yield "resource", resource
    if extra:
        # Extra values may be anything the provider asks for (an assertion, say): names only.
        yield "extra", Shown(f"<{[name for name, _ in extra]!r}>")
