"""Amazon's signature on Alexa skill requests, checked as the Alexa Skills Kit requires.

Every request names a certificate chain (`SignatureCertChainUrl`) and carries a signature of
the raw body (`Signature-256`, base64 RSA/SHA-256). A request is Amazon's when:

1. the URL is `https://s3.amazonaws.com[:443]/echo.api/...` (scheme and host in any case, the
   path — after `..` segments are resolved — case-sensitive);
2. the chain it serves is valid now, leads to a trusted root CA (Mozilla's, via `certifi`),
   and its signing certificate is for `echo-api.amazon.com`;
3. that certificate's public key verifies the signature over the body as received.

Chains are fetched once per URL and kept until the signing certificate expires.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import threading
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import certifi
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import DNSName
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from connectors.platforms.base import WebhookError

CERT_HOST = "s3.amazonaws.com"
CERT_PATH = "/echo.api/"
SIGNER = "echo-api.amazon.com"
FETCH_TIMEOUT_SECONDS = 5.0
MAX_CHAIN_BYTES = 64 * 1024


def check_certificate_url(url: str) -> None:
    """Refuse (401) a certificate URL Amazon would not use."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    path = posixpath.normpath(parts.path) + ("/" if parts.path.endswith("/") else "")
    if (
        parts.scheme.lower() != "https"
        or (parts.hostname or "").lower() != CERT_HOST
        or port not in (None, 443)
        or not path.startswith(CERT_PATH)
    ):
        raise WebhookError(401, "SignatureCertChainUrl is not Amazon's certificate location")


def fetch_over_https(url: str) -> bytes:
    """GET the chain (https only: `check_certificate_url` ran first)."""
    request = urllib.request.Request(url, headers={"accept": "application/x-pem-file"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
        return bytes(response.read(MAX_CHAIN_BYTES + 1))


def mozilla_roots() -> list[x509.Certificate]:
    with open(certifi.where(), "rb") as bundle:
        return x509.load_pem_x509_certificates(bundle.read())


@dataclass
class AlexaSignatureVerifier:
    """Checks requests against Amazon's certificate chain; `fetch`, `roots` and `now` are
    injectable so tests can stand up their own CA (nothing else changes)."""

    fetch: Callable[[str], bytes] = fetch_over_https
    roots: Callable[[], list[x509.Certificate]] = mozilla_roots
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    _signers: dict[str, x509.Certificate] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _store: Store | None = field(default=None, repr=False)

    def verify(self, body: bytes, headers: Mapping[str, str]) -> None:
        """Raise `WebhookError` 401 unless Amazon signed exactly this body."""
        url = headers.get("signaturecertchainurl")
        signature = headers.get("signature-256")
        if not url or not signature:
            raise WebhookError(401, "missing SignatureCertChainUrl or Signature-256 header")
        try:
            raw_signature = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            raise WebhookError(401, "Signature-256 is not base64") from None
        public_key = self.signer(url).public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise WebhookError(401, "Amazon's signing certificate must hold an RSA key")
        try:
            public_key.verify(raw_signature, body, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise WebhookError(401, "Alexa signature does not match the body") from None

    def signer(self, url: str) -> x509.Certificate:
        """The verified signing certificate served at `url` (fetched once, while valid)."""
        check_certificate_url(url)
        with self._lock:
            cached = self._signers.get(url)
            if cached is not None and cached.not_valid_after_utc > self.now():
                return cached
        try:
            pem = self.fetch(url)
        except OSError as error:
            raise WebhookError(401, f"cannot fetch Amazon's certificate chain: {error}") from None
        if len(pem) > MAX_CHAIN_BYTES:
            raise WebhookError(401, "certificate chain too large")
        leaf = self._verified_leaf(pem)
        with self._lock:
            self._signers[url] = leaf
        return leaf

    def _verified_leaf(self, pem: bytes) -> x509.Certificate:
        try:
            chain = x509.load_pem_x509_certificates(pem)
        except ValueError:
            raise WebhookError(401, "certificate chain is not PEM") from None
        if self._store is None:
            self._store = Store(self.roots())
        verifier = (
            PolicyBuilder()
            .store(self._store)
            .time(self.now())
            .build_server_verifier(DNSName(SIGNER))
        )
        try:  # validity dates, the path to a trusted root, and the echo-api.amazon.com name
            verifier.verify(chain[0], chain[1:])
        except VerificationError as error:
            raise WebhookError(401, f"Amazon's certificate chain is not valid: {error}") from None
        return chain[0]
