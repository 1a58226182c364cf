"""The digest signing key and the kept copies, from the settings (audit.signing does the work).

The key is read when a digest is made or checked, not at start-up: an app without a key still
serves, and refuses to make an unsigned digest with a message saying which setting to give.
"""
from pathlib import Path

from audit import digests, signing
from models.shredding import DEVELOPMENT_KEY

from ..config import ROOT

INSTANCE_DIR = ROOT / "instance"


def is_development(settings) -> bool:
    """True in development (APP_ENV) or while the system runs on development secrets (the
    personal data key's default, which production refuses at start-up: app.config.check_secrets)."""
    return settings.get("APP_ENV") == "development" or settings.get("PERSONAL_DATA_KEY") == DEVELOPMENT_KEY


def digest_signer(settings) -> signing.DigestSigner:
    """The key that signs digests; signing.SigningKeyError (a clear message) when none is set."""
    return signing.signer_from_settings(settings, Path(settings.get("AUDIT_DEV_KEY_DIR") or INSTANCE_DIR),
                                        is_development(settings))


def trusted_public_keys(settings) -> list:
    """The public keys digests are checked with: AUDIT_PUBLIC_KEY's, else the signing key's
    (none without a key); SigningKeyError if AUDIT_PUBLIC_KEY is malformed."""
    if (settings.get("AUDIT_PUBLIC_KEY") or "").strip():
        return signing.trusted_public_keys(settings, None)
    try:
        return [digest_signer(settings).public_key]
    except signing.SigningKeyError:
        return []


def make_signed_digest(session, settings, day=None) -> dict:
    """The day's digest, signed, as exported (SigningKeyError before anything is written
    without a key); keep_copy writes it outside the database once committed."""
    signer = digest_signer(settings)
    digest = digests.make_daily_digest(session, day, signer=signer)
    return digests.digest_export(digest, signer.public_text)


def keep_copy(exported: dict, settings):
    """Write the exported digest into AUDIT_DIGEST_DIR; the path, or None if unset."""
    folder = (settings.get("AUDIT_DIGEST_DIR") or "").strip()
    if not folder:
        return None
    return digests.write_digest_copy(exported, folder)
