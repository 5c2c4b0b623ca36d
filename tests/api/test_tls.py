"""TLS end to end: the API served over HTTPS with a certificate, and Neo4j URIs that ask for
an encrypted connection (`neo4j+s://`, `bolt+s://`) reaching the driver as such."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from graph.config import Settings
from tests.helpers.server import serve

pytestmark = pytest.mark.integration


def test_https_with_a_certificate(settings: Settings, tmp_path: Path) -> None:
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with serve(settings, dev=False, tls=(str(cert_file), str(key_file))) as url:
        assert url.startswith("https://")
        trusted = ssl.create_default_context(cafile=str(cert_file))
        assert httpx.get(f"{url}/healthz", verify=trusted).json() == {"status": "ok"}
        with pytest.raises(httpx.ConnectError):  # an untrusted certificate is refused
            httpx.get(f"{url}/healthz")


def test_encrypted_neo4j_uris_are_passed_to_the_driver(settings: Settings) -> None:
    import asyncio

    from graph.store.database import Database

    async def check() -> None:
        for uri in ("neo4j+s://db.example.com", "bolt+s://db.example.com:7687"):
            db = Database.connect(uri, ("neo4j", "secret"), "neo4j", settings)
            try:
                assert db.driver.encrypted
            finally:
                await db.close()

    asyncio.run(check())
