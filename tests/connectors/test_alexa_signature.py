"""Amazon's Alexa request signature: certificate URL rules, chain of trust, signing name,
validity and the signature over the raw body — against a CA of the test's own."""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from api.services import _log_modes
from connectors.platforms._alexa_signature import AlexaSignatureVerifier, check_certificate_url
from connectors.platforms.alexa import AlexaConnector
from connectors.platforms.base import WebhookError, WebhookRequest
from connectors.platforms.registry import build_connectors
from graph.config import Settings

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"
SKILL = "amzn1.ask.skill.test"


def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate(
    subject: str,
    public: rsa.RSAPublicKey,
    issuer: tuple[x509.Name, rsa.RSAPrivateKey] | None,
    own_key: rsa.RSAPrivateKey,
    *,
    ca: bool,
    names: tuple[str, ...] = (),
    expires: datetime = NOW + timedelta(days=30),
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    issuer_name, signing_key = issuer if issuer else (name, own_key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(expires)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()),
            critical=False,
        )
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, True, False, False, False, False, False, False),
            critical=True,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
    return builder.sign(signing_key, hashes.SHA256())


class Amazon:
    """A root CA, an intermediate and a signing certificate, like Amazon's chain."""

    def __init__(
        self, signer_name: str = "echo-api.amazon.com", expires: datetime | None = None
    ) -> None:
        root_key, middle_key, self.signing_key = key(), key(), key()
        self.root = certificate("Test Root", root_key.public_key(), None, root_key, ca=True)
        middle = certificate(
            "Test Intermediate",
            middle_key.public_key(),
            (self.root.subject, root_key),
            middle_key,
            ca=True,
        )
        leaf = certificate(
            signer_name,
            self.signing_key.public_key(),
            (middle.subject, middle_key),
            self.signing_key,
            ca=False,
            names=(signer_name,),
            expires=expires or NOW + timedelta(days=30),
        )
        self.pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, middle))
        self.fetches: list[str] = []

    def fetch(self, url: str) -> bytes:
        self.fetches.append(url)
        return self.pem

    def sign(self, body: bytes) -> str:
        signature = self.signing_key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode()

    def verifier(self, trusted: x509.Certificate | None = None) -> AlexaSignatureVerifier:
        return AlexaSignatureVerifier(
            fetch=self.fetch, roots=lambda: [trusted or self.root], now=lambda: NOW
        )


def headers(amazon: Amazon, body: bytes, url: str = URL) -> dict[str, str]:
    return {"signaturecertchainurl": url, "signature-256": amazon.sign(body)}


@pytest.fixture(scope="module")
def amazon() -> Amazon:
    return Amazon()


@pytest.mark.parametrize(
    "url",
    [
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
        "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
    ],
)
def test_amazons_certificate_urls_are_accepted(url: str) -> None:
    check_certificate_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://notamazon.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
        "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
        "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../other/cert.pem",
    ],
)
def test_other_certificate_urls_are_refused(url: str) -> None:
    with pytest.raises(WebhookError) as caught:
        check_certificate_url(url)
    assert caught.value.status == 401


def test_a_body_signed_by_amazons_chain_passes_and_the_chain_is_fetched_once(
    amazon: Amazon,
) -> None:
    verifier = amazon.verifier()
    body = b'{"version": "1.0"}'
    verifier.verify(body, headers(amazon, body))
    verifier.verify(body, headers(amazon, body))
    assert amazon.fetches.count(URL) == 1


def test_a_changed_body_is_refused(amazon: Amazon) -> None:
    with pytest.raises(WebhookError, match="does not match"):
        amazon.verifier().verify(b'{"tampered": 1}', headers(amazon, b'{"version": "1.0"}'))


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda: Amazon(signer_name="evil.example.com"), "not valid"),
        (lambda: Amazon(expires=NOW - timedelta(hours=1)), "not valid"),
    ],
)
def test_a_chain_that_is_not_amazons_signing_certificate_is_refused(
    make: object, problem: str
) -> None:
    impostor: Amazon = make()  # type: ignore[operator]
    body = b"{}"
    with pytest.raises(WebhookError, match=problem):
        impostor.verifier().verify(body, headers(impostor, body))


def test_a_chain_to_an_untrusted_root_is_refused(amazon: Amazon) -> None:
    body = b"{}"
    other_root = Amazon().root
    with pytest.raises(WebhookError, match="not valid"):
        amazon.verifier(trusted=other_root).verify(body, headers(amazon, body))


def test_missing_or_garbled_headers_are_refused(amazon: Amazon) -> None:
    verifier = amazon.verifier()
    for bad in (
        {},
        {"signaturecertchainurl": URL},
        {"signaturecertchainurl": URL, "signature-256": "not base64!"},
    ):
        with pytest.raises(WebhookError) as caught:
            verifier.verify(b"{}", bad)
        assert caught.value.status == 401


def test_a_certificate_that_cannot_be_fetched_is_refused() -> None:
    def unreachable(url: str) -> bytes:
        raise OSError("network unreachable")

    verifier = AlexaSignatureVerifier(fetch=unreachable, roots=lambda: [], now=lambda: NOW)
    with pytest.raises(WebhookError, match="cannot fetch"):
        verifier.verify(b"{}", {"signaturecertchainurl": URL, "signature-256": "AAAA"})


def test_the_connector_checks_the_signature_after_skill_and_time(amazon: Amazon) -> None:
    body = json.dumps(
        {
            "version": "1.0",
            "session": {"application": {"applicationId": SKILL}, "user": {"userId": "amzn1.u"}},
            "request": {"type": "LaunchRequest", "requestId": "r1", "timestamp": NOW.isoformat()},
        }
    ).encode()
    connector = AlexaConnector(SKILL, clock=NOW.timestamp, signatures=amazon.verifier())

    def request(extra: dict[str, str]) -> WebhookRequest:
        return WebhookRequest("POST", "https://x/webhooks/alexa", extra, {}, body)

    connector.verify(request(headers(amazon, body)))
    with pytest.raises(WebhookError):
        connector.verify(request({}))


def test_signatures_are_checked_unless_turned_off_which_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    checked = build_connectors(Settings(alexa_skill_id=SKILL))["alexa"]
    assert isinstance(checked, AlexaConnector)
    assert checked.signatures is not None
    offline = Settings(alexa_skill_id=SKILL, alexa_verify_signatures=False)
    connectors = build_connectors(offline)
    unchecked = connectors["alexa"]
    assert isinstance(unchecked, AlexaConnector)
    assert unchecked.signatures is None
    with caplog.at_level(logging.WARNING):
        _log_modes(offline, connectors, dev=False)
    assert "offline tests only" in caplog.text
