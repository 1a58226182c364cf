"""One answer per person: the personal tokens of a survey's public link.

A citizen or visitor survey (F-01, F-02) is answered through its public link only with a
personal token (`?r=...`): staff hand one to each respondent (SMS, a printed slip), made from
the link's server-side secret (SurveyLink.signing_key) as `<nonce>.<signature>`, HMAC-SHA256
of the link and the nonce. Making tokens stores nothing, so a page may show a batch of them;
answering spends one (SurveyTokenUse, unique per link and nonce): a second answer with the same
token, or one with a forged token, is refused and stores nothing. Paper entry by staff is a
task, not a link, and needs no token. Poll links stay open to anyone with the link.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import SurveyLink, SurveyTokenUse, utcnow

ONE_ANSWER_FORMS = frozenset({"citizen_survey", "visitor_survey"})
MAX_BATCH = 500
_NONCE_BYTES = 12
_TOKEN_RE = re.compile(r"([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22})")


class TokenRefused(Exception):
    """A personal token that may not answer: missing, forged, or already answered with."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # missing | forged | used


def needs_token(link: SurveyLink) -> bool:
    """Whether the link takes answers only with a personal token."""
    return link.form_key in ONE_ANSWER_FORMS


def ensure_signing_key(link: SurveyLink) -> bool:
    """Give the link its secret if it has none (links made before personal tokens); True if
    one was made (the caller's transaction stores it)."""
    if link.signing_key:
        return False
    link.signing_key = secrets.token_hex(32)
    return True


def _signature(link: SurveyLink, nonce: str) -> str:
    digest = hmac.new(link.signing_key.encode("ascii"), f"{link.token}:{nonce}".encode("ascii"),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:22]


def make_tokens(link: SurveyLink, count: int) -> list[str]:
    """count fresh personal tokens of the link (at most MAX_BATCH; none without its secret)."""
    if not link.signing_key:
        return []
    tokens = []
    for _ in range(max(0, min(int(count), MAX_BATCH))):
        nonce = secrets.token_urlsafe(_NONCE_BYTES)
        tokens.append(f"{nonce}.{_signature(link, nonce)}")
    return tokens


def token_nonce(link: SurveyLink, token: str | None) -> str:
    """The nonce of a genuine personal token of this link; TokenRefused otherwise."""
    if not token:
        raise TokenRefused("missing")
    match = _TOKEN_RE.fullmatch(token)
    if match is None or not link.signing_key or not hmac.compare_digest(
            match.group(2), _signature(link, match.group(1))):
        raise TokenRefused("forged")
    return match.group(1)


def check_token(session, link: SurveyLink, token: str | None) -> str | None:
    """The nonce a public answer through this link spends (None for a link that needs no
    token); TokenRefused when it may not answer (missing, forged, already used)."""
    if not needs_token(link):
        return None
    nonce = token_nonce(link, token)
    used = session.scalars(select(SurveyTokenUse.id).where(
        SurveyTokenUse.link_id == link.id, SurveyTokenUse.nonce == nonce)).first()
    if used is not None:
        raise TokenRefused("used")
    return nonce


def spend_token(session, link: SurveyLink, nonce: str | None) -> None:
    """Mark the token answered with (in a savepoint: a concurrent answer with the same token
    loses with TokenRefused("used") and the caller stores nothing)."""
    if nonce is None:
        return
    try:
        with session.begin_nested():
            session.add(SurveyTokenUse(link_id=link.id, nonce=nonce, used_at=utcnow()))
            session.flush()
    except IntegrityError:
        raise TokenRefused("used") from None
