"""tokenwire.core: the sans-IO OAuth 2.0 token-endpoint client.

Builds token requests, parses token and error responses into msgspec structs, and runs the
retrying token flow as a generator that any driver can step. It opens no socket, reads no clock
and never sleeps: time, randomness and I/O come in from the caller.
"""

from tokenwire.core.auth import ClientAuth, basic_authorization
from tokenwire.core.authorize import (
    AuthorizationRequest,
    Callback,
    authorization_url,
    code_challenge,
    new_code_verifier,
    parse_callback,
)
from tokenwire.core.errors import (
    AccessDenied,
    CertificateError,
    ConfigurationError,
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    IssuerMismatch,
    OAuthError,
    ProtocolError,
    ReauthorizationRequired,
    ResponseTooLarge,
    ServerError,
    StateMismatch,
    TemporarilyUnavailable,
    TokenwireError,
    TransportError,
    TransportTimeout,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
)
from tokenwire.core.flow import (
    RetryPolicy,
    Send,
    Sleep,
    TokenFlow,
    TransportFailure,
    token_flow,
)
from tokenwire.core.form import decode_form, encode_form
from tokenwire.core.grants import (
    AuthorizationCode,
    ClientCredentials,
    ExtensionGrant,
    Grant,
    RefreshToken,
)
from tokenwire.core.http import HttpRequest, HttpResponse, header
from tokenwire.core.profile import Profile
from tokenwire.core.request import prepare_token_request
from tokenwire.core.response import parse_token_response
from tokenwire.core.token import Token, leeway
from tokenwire.core.urls import check_endpoint_url, is_loopback_host
from tokenwire.core.version import USER_AGENT, __version__

__all__ = [
    "AccessDenied",
    "AuthorizationCode",
    "AuthorizationRequest",
    "Callback",
    "CertificateError",
    "ClientAuth",
    "ClientCredentials",
    "ConfigurationError",
    "ExtensionGrant",
    "Grant",
    "HttpRequest",
    "HttpResponse",
    "InvalidClient",
    "InvalidGrant",
    "InvalidRequest",
    "InvalidScope",
    "IssuerMismatch",
    "OAuthError",
    "Profile",
    "ProtocolError",
    "ReauthorizationRequired",
    "RefreshToken",
    "ResponseTooLarge",
    "RetryPolicy",
    "Send",
    "ServerError",
    "Sleep",
    "StateMismatch",
    "TemporarilyUnavailable",
    "Token",
    "TokenFlow",
    "TokenwireError",
    "TransportError",
    "TransportFailure",
    "TransportTimeout",
    "UnauthorizedClient",
    "UnsupportedGrantType",
    "USER_AGENT",
    "UnsupportedResponseType",
    "authorization_url",
    "basic_authorization",
    "check_endpoint_url",
    "code_challenge",
    "decode_form",
    "encode_form",
    "header",
    "is_loopback_host",
    "leeway",
    "new_code_verifier",
    "parse_callback",
    "parse_token_response",
    "prepare_token_request",
    "token_flow",
    "__version__",
]
