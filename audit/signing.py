"""Ed25519 signatures of the daily digests, with a private key kept outside the database.

Whoever can write the database can rewrite an instance's events and recompute every hash,
the instance heads and the digest rows too; what they cannot do without the private key is
sign the new digest. The key comes from the settings (app/config.py): AUDIT_SIGNING_KEY (the
key itself, PEM or the base64 of its 32 bytes, from the environment) or AUDIT_SIGNING_KEY_FILE
(a PEM file); in development only, a key generated into the instance folder and marked as a
development key. AUDIT_PUBLIC_KEY pins the public key a verifier trusts (else the signing key's).
"""
import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

DEV_KEY_NAME = "audit-signing-key.DEVELOPMENT-ONLY.pem"


class SigningKeyError(RuntimeError):
    """No usable signing key: the message says which setting to give."""


@dataclass(frozen=True)
class DigestSigner:
    """The private key that signs digests, where it came from and whether it is a development key."""
    private_key: Ed25519PrivateKey
    source: str
    development: bool = False

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def public_text(self) -> str:
        return public_key_text(self.public_key)

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    def sign(self, message: bytes) -> str:
        """The signature of message, base64."""
        return base64.b64encode(self.private_key.sign(message)).decode("ascii")


def public_key_text(public_key: Ed25519PublicKey) -> str:
    """The public key as the base64 of its 32 raw bytes (what the audit page shows)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """A short fingerprint of a public key: the first 16 hex digits of the SHA-256 of its bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def generate_key_pem() -> bytes:
    """A new Ed25519 private key as unencrypted PKCS#8 PEM."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def write_key_file(path: Path, pem: bytes | None = None) -> Path:
    """Create a key file readable by its owner only; refuses to overwrite one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem or generate_key_pem())
    return path


def load_private_key(text: str | bytes) -> Ed25519PrivateKey:
    """A private key from PEM or the base64 of its 32 raw bytes; ValueError if neither."""
    data = text.encode("ascii", "ignore") if isinstance(text, str) else text
    data = data.strip()
    if data.startswith(b"-----BEGIN"):
        key = serialization.load_pem_private_key(data, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("not an Ed25519 key")
        return key
    raw = base64.b64decode(data, validate=True)
    if len(raw) != 32:
        raise ValueError("an Ed25519 private key has 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from the base64 of its 32 raw bytes or PEM; ValueError if neither."""
    data = (text or "").strip().encode("ascii", "ignore")
    if data.startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(data)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 key")
        return key
    raw = base64.b64decode(data, validate=True)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def signer_from_settings(settings, instance_dir: Path, development: bool) -> DigestSigner:
    """The signer the settings name; SigningKeyError with what to do when there is none.

    development: the system runs on development secrets; only then is a key generated (once)
    into the instance folder, in a file whose name says it is for development only.
    """
    text = (settings.get("AUDIT_SIGNING_KEY") or "").strip()
    path = (settings.get("AUDIT_SIGNING_KEY_FILE") or "").strip()
    if text:
        try:
            return DigestSigner(load_private_key(text), "AUDIT_SIGNING_KEY")
        except (ValueError, TypeError) as exc:
            raise SigningKeyError("AUDIT_SIGNING_KEY is not an Ed25519 private key (PEM or the "
                                  "base64 of 32 bytes); `flask audit keygen` makes one.") from exc
    if path:
        try:
            return DigestSigner(load_private_key(Path(path).read_bytes()), path)
        except OSError as exc:
            raise SigningKeyError(f"The digest signing key file {path} (AUDIT_SIGNING_KEY_FILE) "
                                  f"cannot be read: {exc.strerror or exc}; `flask audit keygen "
                                  f"--out {path}` makes one.") from exc
        except (ValueError, TypeError) as exc:
            raise SigningKeyError(f"The file {path} (AUDIT_SIGNING_KEY_FILE) holds no Ed25519 "
                                  "private key; `flask audit keygen` makes one.") from exc
    if not development:
        raise SigningKeyError("No key to sign the daily chain digest: set AUDIT_SIGNING_KEY_FILE to "
                              "a key file outside the database (make one with `flask audit keygen "
                              "--out PATH`) or AUDIT_SIGNING_KEY to the key itself. The digest was "
                              "not made.")
    dev_path = Path(instance_dir) / DEV_KEY_NAME
    try:
        write_key_file(dev_path)
    except FileExistsError:
        pass  # made by an earlier run (or another process at the same moment)
    return DigestSigner(load_private_key(dev_path.read_bytes()), str(dev_path), development=True)


def trusted_public_keys(settings, signer: DigestSigner | None) -> list[Ed25519PublicKey]:
    """The public keys verification trusts: those of AUDIT_PUBLIC_KEY (several, separated by
    commas, when the key was changed: digests signed by the old one still verify), else the
    signer's."""
    pinned = [part for part in (settings.get("AUDIT_PUBLIC_KEY") or "").replace(",", " ").split()]
    if pinned:
        try:
            return [load_public_key(part) for part in pinned]
        except (ValueError, TypeError) as exc:
            raise SigningKeyError("AUDIT_PUBLIC_KEY is not a list of Ed25519 public keys (each the "
                                  "base64 of 32 bytes, as `flask audit keygen` prints it).") from exc
    return [signer.public_key] if signer is not None else []


def signed_text(day: str, digest_sha256: str, instance_count: int, city_seq, city_sha256) -> bytes:
    """The bytes a digest's signature covers: its day, hash of the heads, count and city head."""
    return json.dumps({"day": day, "digest_sha256": digest_sha256, "instance_count": instance_count,
                       "city_seq": city_seq, "city_sha256": city_sha256},
                      sort_keys=True, separators=(",", ":")).encode("utf-8")


def signature_holds(public_keys, message: bytes, signature: str | None) -> bool:
    """True if signature (base64) is the signature of message by one of public_keys (a key or
    a list of keys)."""
    if not signature:
        return False
    keys = public_keys if isinstance(public_keys, (list, tuple)) else [public_keys]
    for key in keys:
        try:
            key.verify(base64.b64decode(signature, validate=True), message)
            return True
        except (InvalidSignature, ValueError, TypeError):
            continue
    return False
