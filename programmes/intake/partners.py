"""Other city systems (office automation, ...) that answer waiting instances: their registry
and the delivery of a signed message (POST /api/v1/inbound/messages, app/api/inbound.py).

A partner is issued by an administrator with a secret shown once; the secret is kept wrapped by
the personal-data master key, since checking a signature needs it. A request is signed with
HMAC-SHA256 over "<timestamp>.<body>" (the timestamp in Unix seconds, within
INBOUND_SIGNATURE_TOLERANCE_SECONDS of now, against replay). The message goes only to an
instance waiting for it at a catch event the diagram declares receivable from outside
(externalMessageRole), and only if the partner may send that message; the same partner
message id twice delivers once (inbound_partner_messages is unique on it).
"""
import hashlib
import hmac
import re
import secrets

from cryptography.exceptions import InvalidTag
from sqlalchemy import select

from engine import append_operator_event, send_message_from_system
from models import Instance, clock, utcnow
from models.errors import Conflict, Forbidden, InvalidData, NotFound, WorkflowError
from models.inbound import InboundPartner, InboundPartnerMessage
from models.shredding import key_ring_of
from models.unique_writes import write_once
from people.accounts import service_account
from people.permissions import may

from programmes.messages137.tracking import normalise_tracking_code

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")
NAME_MAX_CHARS = 200
MESSAGE_ID_MAX_CHARS = 200
SECRET_BYTES = 32
_MESSAGE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,199}$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")


class SignatureRefused(WorkflowError):
    """A request whose partner, signature or timestamp does not check out (401)."""
    status = 401


def _require_admin(user) -> None:
    if not may(user, "manage_inbound_partners"):
        raise Forbidden("Only a system administrator may manage partner systems.")


def _wrap_binding(code: str) -> int:
    # The key ring binds what it wraps to a number; a partner's is negative, apart from cases'.
    return -int.from_bytes(hashlib.sha256(code.encode()).digest()[:6], "big") - 1


def list_partners(session) -> list[InboundPartner]:
    """Every partner, newest first, revoked ones included (they stay as a record)."""
    return list(session.scalars(select(InboundPartner).order_by(InboundPartner.id.desc())))


def issue_partner(session, fields: dict, user) -> tuple[InboundPartner, str]:
    """Register a partner system; (row, its secret, shown once)."""
    _require_admin(user)
    errors = {}
    code = str(fields.get("code") or "").strip().lower()
    if not CODE_PATTERN.match(code):
        errors["code"] = "2 to 40 lower-case letters, digits, - or _."
    elif session.scalar(select(InboundPartner.id).where(InboundPartner.code == code)) is not None:
        errors["code"] = "A partner with this code exists."
    name = str(fields.get("name") or "").strip()
    if not name or len(name) > NAME_MAX_CHARS:
        errors["name"] = f"Say which system it is (at most {NAME_MAX_CHARS} characters)."
    names = [part.strip() for part in str(fields.get("message_names") or "").split(",") if part.strip()]
    if any(not _MESSAGE_NAME.match(part) for part in names):
        errors["message_names"] = "Message names separated by commas."
    variable = str(fields.get("correlation_variable") or "").strip()
    if variable and not _VARIABLE.match(variable):
        errors["correlation_variable"] = "A variable name of the case data."
    if errors:
        raise InvalidData("Some fields are not valid.", errors)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    row = InboundPartner(code=code, name=name, message_names=", ".join(names),
                         correlation_variable=variable, created_by_id=user.id, created_at=utcnow(),
                         secret_wrapped=key_ring_of(session).wrap(secret.encode(), _wrap_binding(code)))
    session.add(row)
    session.flush()
    append_operator_event(session, "inbound_partner_created", actor=user, reason=name,
                          data={"partner_id": row.id, "code": code})
    return row, secret


def revoke_partner(session, partner_id: int, user) -> InboundPartner:
    """Revoke a partner: its requests are refused from now on."""
    _require_admin(user)
    row = session.get(InboundPartner, partner_id)
    if row is None:
        raise NotFound("No partner system {partner_id} exists.", partner_id=partner_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
        append_operator_event(session, "inbound_partner_revoked", actor=user, reason=row.name,
                              data={"partner_id": row.id, "code": row.code})
    return row


def signature_of(secret: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 a partner sends: over "<timestamp>.<body>" with its secret."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def authenticate_partner(session, code, timestamp, signature, body: bytes,
                         tolerance_seconds: float) -> InboundPartner:
    """The unrevoked partner that signed this body now; SignatureRefused otherwise."""
    row = session.scalars(select(InboundPartner).where(
        InboundPartner.code == str(code or "").strip().lower(),
        InboundPartner.revoked_at.is_(None))).first()
    if row is None:
        raise SignatureRefused("Unknown or revoked partner system.")
    try:
        sent_at = int(str(timestamp or ""))
    except ValueError:
        raise SignatureRefused("The timestamp must be Unix seconds.") from None
    if abs(clock.now().timestamp() - sent_at) > tolerance_seconds:
        raise SignatureRefused("The timestamp is too far from now: sign each request when it is sent.")
    try:
        secret = key_ring_of(session).unwrap(row.secret_wrapped, _wrap_binding(row.code)).decode()
    except InvalidTag:  # wrapped under another PERSONAL_DATA_KEY: register the partner again
        raise SignatureRefused("The signature does not match.") from None
    given = str(signature or "").strip().removeprefix("sha256=")
    if not hmac.compare_digest(given, signature_of(secret, str(sent_at), body)):
        raise SignatureRefused("The signature does not match.")
    row.last_used_at = utcnow()
    return row


def _instance_of(session, body: dict) -> Instance:
    if body.get("instance_id") not in (None, ""):
        value = body["instance_id"]
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
            raise InvalidData("instance_id must be a number.", {"instance_id": "a number"})
        # No instance has an id past 32 bits (PostgreSQL would refuse to compare one).
        instance = session.get(Instance, int(value)) if 0 < int(value) < 2**31 else None
    else:
        code = normalise_tracking_code(body.get("tracking_code"))
        instance = None if code is None else session.scalars(
            select(Instance).where(Instance.tracking_code == code)).first()
    if instance is None:
        raise NotFound("No such case: give its instance_id or tracking_code.")
    return instance


def _check_body(body) -> tuple[str, str, dict | None]:
    if not isinstance(body, dict):
        raise InvalidData("The body must be a JSON object.")
    message_id = str(body.get("message_id") or "").strip()
    if not message_id or len(message_id) > MESSAGE_ID_MAX_CHARS:
        raise InvalidData("message_id: your system's id of this message (at most 200 characters).",
                          {"message_id": "required"})
    name = str(body.get("message") or "").strip()
    if not _MESSAGE_NAME.match(name):
        raise InvalidData("message: the name of the message the diagram waits for.",
                          {"message": "required"})
    payload = body.get("payload")
    if payload is not None and not isinstance(payload, dict):
        raise InvalidData("payload must be an object.", {"payload": "must be an object"})
    return message_id, name, payload


def receive_partner_message(session, partner: InboundPartner, body) -> tuple[Instance, bool]:
    """Deliver a partner's message to the instance it names; (instance, False when this message id
    was delivered before and nothing was done now)."""
    message_id, name, payload = _check_body(body)
    instance = _instance_of(session, body)
    allowed = [part.strip() for part in partner.message_names.split(",") if part.strip()]
    if allowed and name not in allowed:
        raise Forbidden("This partner system may not send the message {name}.", name=name)
    if partner.correlation_variable:
        expected = (instance.data or {}).get(partner.correlation_variable)
        if expected in (None, "") or str(body.get("correlation_key") or "") != str(expected):
            raise Conflict("The correlation key does not match this case.")
    seen = session.scalar(select(InboundPartnerMessage.instance_id).where(
        InboundPartnerMessage.partner_id == partner.id, InboundPartnerMessage.message_id == message_id))
    if seen is not None:
        return instance, False
    row = InboundPartnerMessage(partner_id=partner.id, message_id=message_id, message_name=name,
                                instance_id=instance.id, received_at=utcnow())
    # A concurrent delivery of the same id breaks the unique constraint here: it counts as seen.
    if write_once(session, lambda: (session.add(row), session.flush()), default=False) is False:
        return instance, False
    actor = service_account(session, f"partner:{partner.code}", partner.name)
    send_message_from_system(session, instance, actor, name, payload,
                             {"partner": partner.code, "partner_message_id": message_id})
    return instance, True

