"""Embedded reference providers: loopback OAuth 2.0 servers built on authlib's server components.

``ReferenceProvider(flavor)`` serves authorization_code with PKCE (S256), refresh_token (rotation on
or off) and client_credentials, with client_secret_post, client_secret_basic and public (``none``)
clients, in the shape of one provider: ``"rfc6749"`` (plain RFC 6749), ``"tencent-ciam"`` or
``"api-v1"``. Broken modes make it deviate on purpose, so that probes can be shown to catch it::

    with ReferenceProvider("tencent-ciam") as provider:
        profile = provider.profile()
        client = provider.POST_CLIENT.auth()
        ...
"""

from tokenwire.conformance.reference.broken import (
    BROKEN_MODES,
    ERROR_200,
    EXPIRES_IN_STRING,
    HTML_ERRORS,
    NO_STORE,
)
from tokenwire.conformance.reference.clients import (
    BASIC_CLIENT,
    DEFAULT_CLIENTS,
    POST_CLIENT,
    PUBLIC_CLIENT,
    REDIRECT_URI,
    RegisteredClient,
)
from tokenwire.conformance.reference.flavors import FLAVORS, Flavor, FlavorName
from tokenwire.conformance.reference.models import TEST_USER
from tokenwire.conformance.reference.provider import ReferenceProvider

__all__ = [
    "BASIC_CLIENT",
    "BROKEN_MODES",
    "DEFAULT_CLIENTS",
    "ERROR_200",
    "EXPIRES_IN_STRING",
    "FLAVORS",
    "Flavor",
    "FlavorName",
    "HTML_ERRORS",
    "NO_STORE",
    "POST_CLIENT",
    "PUBLIC_CLIENT",
    "REDIRECT_URI",
    "ReferenceProvider",
    "RegisteredClient",
    "TEST_USER",
]
