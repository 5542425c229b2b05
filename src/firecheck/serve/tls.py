"""HTTPS for phones on a LAN (browsers give location to secure pages only): the user's
certificate, or a self-signed one made for this run, whose SHA-256 fingerprint the
command prints so a phone's warning can be checked against it."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import ssl
from pathlib import Path

from ..errors import InputError
from ..files import temp_file


def self_signed(names: list[str], directory: Path) -> tuple[Path, Path]:
    """A new key and a certificate valid for ``names`` (host names or IP addresses) for
    a year, written to private files in ``directory``: (certificate, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "firecheck serve")])
    alt: list[x509.GeneralName] = []
    for name in dict.fromkeys(names):
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_bytes = key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    return (_private(directory, ".cert.pem", cert.public_bytes(serialization.Encoding.PEM)),
            _private(directory, ".key.pem", key_bytes))


def _private(directory: Path, suffix: str, data: bytes) -> Path:
    handle, path = temp_file(directory, suffix)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    return path


def fingerprint(cert_file: Path) -> str:
    """The certificate's SHA-256 fingerprint as browsers show it (AB:CD:…); an InputError
    if the file holds no PEM certificate."""
    try:
        der = ssl.PEM_cert_to_DER_cert(cert_file.read_text("ascii"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"无法读取证书 {cert_file}：{exc}",
                         f"cannot read the certificate {cert_file}: {exc}") from exc
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))
