"""tokenwire.core: the sans-IO OAuth 2.0 token-endpoint client.

Builds token requests, parses token and error responses into msgspec structs, and runs the
retrying token flow as a generator that any driver can step; the same for the device
authorization grant (RFC 8628), revocation (RFC 7009) and introspection (RFC 7662). It opens no
socket, reads no clock and never sleeps: time, randomness and I/O come in from the caller.
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
from tokenwire.core.device import (
    DeviceAuthorization,
    DeviceAuthorizationFlow,
    device_authorization_flow,
    device_authorization_request,
    device_flow,
    parse_device_authorization,
)
from tokenwire.core.errors import (
    AccessDenied,
    AuthorizationPending,
    CertificateError,
    ConfigurationError,
    ExpiredToken,
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
    SlowDown,
    StateMismatch,
    TemporarilyUnavailable,
    TokenwireError,
    TransportError,
    TransportTimeout,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    UnsupportedTokenType,
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
from tokenwire.core.introspection import (
    Introspection,
    introspection_flow,
    introspection_request,
    parse_introspection_response,
)
from tokenwire.core.profile import Profile
from tokenwire.core.request import prepare_token_request
from tokenwire.core.response import parse_token_response
from tokenwire.core.revocation import (
    parse_revocation_response,
    revocation_flow,
    revocation_request,
)
from tokenwire.core.token import Token, leeway
from tokenwire.core.urls import check_endpoint_url, is_loopback_host
from tokenwire.core.urn_grants import DeviceCode, JwtBearer, TokenExchange, TokenTypes

__all__ = [
    "AccessDenied",
    "AuthorizationCode",
    "AuthorizationPending",
    "AuthorizationRequest",
    "Callback",
    "CertificateError",
    "ClientAuth",
    "ClientCredentials",
    "ConfigurationError",
    "DeviceAuthorization",
    "DeviceAuthorizationFlow",
    "DeviceCode",
    "ExpiredToken",
    "ExtensionGrant",
    "Grant",
    "HttpRequest",
    "HttpResponse",
    "Introspection",
    "InvalidClient",
    "InvalidGrant",
    "InvalidRequest",
    "InvalidScope",
    "IssuerMismatch",
    "JwtBearer",
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
    "SlowDown",
    "StateMismatch",
    "TemporarilyUnavailable",
    "Token",
    "TokenExchange",
    "TokenFlow",
    "TokenTypes",
    "TokenwireError",
    "TransportError",
    "TransportFailure",
    "TransportTimeout",
    "UnauthorizedClient",
    "UnsupportedGrantType",
    "UnsupportedResponseType",
    "UnsupportedTokenType",
    "authorization_url",
    "basic_authorization",
    "check_endpoint_url",
    "code_challenge",
    "decode_form",
    "device_authorization_flow",
    "device_authorization_request",
    "device_flow",
    "encode_form",
    "header",
    "introspection_flow",
    "introspection_request",
    "is_loopback_host",
    "leeway",
    "new_code_verifier",
    "parse_callback",
    "parse_device_authorization",
    "parse_introspection_response",
    "parse_revocation_response",
    "parse_token_response",
    "prepare_token_request",
    "revocation_flow",
    "revocation_request",
    "token_flow",
]
