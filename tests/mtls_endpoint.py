"""A loopback mutual-TLS token endpoint (RFC 8705) and the certificate authority it trusts.

Everything is made at test time with ``cryptography``: a CA, a server certificate it signs for the
loopback address, client certificates it signs (``tls_client_auth``, RFC 8705 §2.1, registered by
subject), and a self-signed client certificate (``self_signed_tls_client_auth``, §2.2, registered
by its SHA-256 fingerprint, as a JWKS ``x5c`` registration would pin it).

The endpoint requires a client certificate in the handshake, then maps the certificate to the
client the body's ``client_id`` names: a certificate registered to another client, even one from
the same CA, is answered ``invalid_client`` (§2: the certificate authenticates one client only).
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.transport_servers import Handler, Server
from tests.transport_tls import Pem, self_signed, write_pem
from tokenwire.conformance.loopback import HOST, serving

#: The clients the endpoint knows: two from the test CA, one self-signed.
ALPHA = "tw-mtls-alpha"
BETA = "tw-mtls-beta"
SELF_SIGNED = "tw-mtls-self"
#: The access token the endpoint issues names the client, so a test sees who it was taken for.
TOKEN_PREFIX = "mtls-access-for-"


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@dataclass
class LocalCa:
    """A certificate authority made for one test: it signs the server and client certificates."""

    directory: Path
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def __post_init__(self) -> None:
        now = datetime.datetime.now(datetime.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name("tokenwire test CA"))
            .issuer_name(_name("tokenwire test CA"))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.pem = write_pem(self.directory, "ca", self.cert, self.key)

    def issue(
        self, common_name: str, *, server: bool = False, dns_names: Sequence[str] = ()
    ) -> Pem:
        """A leaf certificate signed by this CA (for the loopback address if ``server``, and for
        each of ``dns_names``)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
        if server:
            names.append(x509.IPAddress(ipaddress.ip_address(HOST)))
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return write_pem(self.directory, common_name, builder.sign(self.key, hashes.SHA256()), key)

    def trusting(self) -> ssl.SSLContext:
        """A fresh client context that trusts this CA only (one per client: the client
        certificate is loaded into it)."""
        return ssl.create_default_context(cafile=str(self.pem.cert))


def _subject_cn(der: bytes) -> str:
    attributes = x509.load_der_x509_certificate(der).subject.get_attributes_for_oid(
        NameOID.COMMON_NAME
    )
    return str(attributes[0].value) if attributes else ""


class MtlsServer(Server):
    """The endpoint: ``registry`` maps a client id to what its certificate must show."""

    #: client_id -> ("subject", common name) or ("sha256", hex fingerprint of the DER).
    registry: dict[str, tuple[str, str]]


class MtlsTokenHandler(Handler):
    """Answers a client_credentials request with a token if the certificate is the client's."""

    server: MtlsServer

    def answer(self) -> None:
        fields = dict(parse_qsl(self.server.requests[-1].body.decode()))
        assert isinstance(self.connection, ssl.SSLSocket)
        der = self.connection.getpeercert(binary_form=True) or b""
        registered = self.server.registry.get(fields.get("client_id", ""))
        if registered is None or "client_secret" in fields or "client_assertion" in fields:
            matches = False
        elif registered[0] == "subject":
            matches = _subject_cn(der) == registered[1]
        else:
            matches = hashlib.sha256(der).hexdigest() == registered[1]
        body: dict[str, Any]
        if not matches:
            status, body = 401, {"error": "invalid_client", "error_description": "certificate"}
        elif fields.get("grant_type") != "client_credentials":
            status, body = 400, {"error": "unsupported_grant_type"}
        else:
            status = 200
            body = {
                "access_token": TOKEN_PREFIX + fields["client_id"],
                "token_type": "Bearer",
                "expires_in": 300,
            }
        headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
        self.reply(status, json.dumps(body).encode(), headers)


@dataclass(frozen=True)
class MtlsEndpoint:
    """A running endpoint, the CA it trusts, and each client's certificate."""

    server: MtlsServer
    ca: LocalCa
    certs: dict[str, Pem]

    @property
    def url(self) -> str:
        return self.server.url


@contextmanager
def mtls_endpoint(directory: Path) -> Iterator[MtlsEndpoint]:
    """Start the endpoint (client certificates required), with the clients registered."""
    ca = LocalCa(directory)
    certs = {
        ALPHA: ca.issue("alpha"),
        BETA: ca.issue("beta"),
        SELF_SIGNED: self_signed(directory, "self"),
    }
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_pem = ca.issue("server", server=True)
    context.load_cert_chain(server_pem.cert, server_pem.key)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(ca.pem.cert)
    context.load_verify_locations(certs[SELF_SIGNED].cert)  # the one registered self-signed cert
    server = MtlsServer(MtlsTokenHandler, context)
    fingerprint = hashlib.sha256(
        x509.load_pem_x509_certificate(certs[SELF_SIGNED].cert.read_bytes()).public_bytes(
            serialization.Encoding.DER
        )
    ).hexdigest()
    server.registry = {
        ALPHA: ("subject", "alpha"),
        BETA: ("subject", "beta"),
        SELF_SIGNED: ("sha256", fingerprint),
    }
    with serving(server):
        try:
            yield MtlsEndpoint(server, ca, certs)
        finally:
            server.release.set()
