"""137 messages by SMS: a provider-neutral inbound format and Kavenegar's receive callback.

A text is either a tracking question ("status CODE", "پیگیری CODE", the word then a code: answered by SMS with the
status of a request filed from the same mobile, since the operator vouches for the sender's
number) or a message: filed as a 137 message (service INTAKE_SMS_SERVICE, default "service")
through requests.file_request with channel "sms", in the district of the intake rule
(programmes/citizens/intake.py), the sender's mobile as the contact. Filing queues the
tracking-code SMS (notices.notice_filed), so the reply goes out through the outbox after commit
like a portal filing's, and the citizen follows it like any other request.
"""
from dataclasses import dataclass
from datetime import datetime

from models.errors import InvalidData
from notifications.outbox import queue_notification
from workcal.jalali import to_ascii_digits

from programmes.citizens.intake import (TEXT_NOT_FOUND, UNKNOWN_PLACE, Delivery, default_district,
                                        fa, followed_request, record_delivery, status_text,
                                        track_command)
from programmes.citizens.requests import DESCRIPTION_MAX_CHARS, file_request, normalise_phone
from programmes.messages137.tracking import normalise_tracking_code

TEXT_TRACK_USAGE = "برای پیگیری، کد رهگیری را پس از کلمه «پیگیری» بفرستید؛ مانند: پیگیری ۱۳۷-۰۵۰۹۱۵-ABCDEF"
ID_MAX_CHARS = 100


@dataclass(frozen=True)
class InboundSms:
    """One text message as a provider delivered it (phone normalised to 09xxxxxxxxx)."""
    provider_message_id: str
    phone: str
    text: str
    received_at: datetime | None = None


@dataclass(frozen=True)
class SmsOutcome:
    """What became of a text: duplicate | rate_limited | status | filed (and the code filed)."""
    outcome: str
    tracking_code: str | None = None


def _clean(message_id, phone, text) -> tuple[str, str, str]:
    errors = {}
    message_id = str(message_id or "").strip()
    if not message_id or len(message_id) > ID_MAX_CHARS:
        errors["message_id"] = f"The provider's message id is required (at most {ID_MAX_CHARS} characters)."
    try:
        phone = normalise_phone(phone)
        if phone is None:
            errors["from"] = "The sender's number is required."
    except ValueError:
        errors["from"] = "The sender is not an Iranian mobile number."
    text = str(text or "").strip()
    if not text:
        errors["text"] = "The text is empty."
    if errors:
        raise InvalidData("The text message is not valid.", errors)
    return message_id, phone, text


def sms_from_fields(fields: dict) -> InboundSms:
    """The neutral format: message_id, from, text, received_at (ISO 8601, optional)."""
    if not isinstance(fields, dict):
        raise InvalidData("The text message is not valid.", {"body": "An object of fields is expected."})
    message_id, phone, text = _clean(fields.get("message_id"), fields.get("from"), fields.get("text"))
    received_at = None
    if fields.get("received_at"):
        try:
            received_at = datetime.fromisoformat(to_ascii_digits(str(fields["received_at"]).strip()))
        except ValueError:
            raise InvalidData("The text message is not valid.",
                              {"received_at": "received_at must be an ISO 8601 moment."}) from None
    return InboundSms(message_id, phone, text, received_at)


def sms_from_kavenegar(fields: dict) -> InboundSms:
    """Kavenegar's receive callback: messageid, from, message (and to, the line it came to);
    sender/receptor, the names of its REST receive method's entries, are read as from/to."""
    message_id, phone, text = _clean(fields.get("messageid"), fields.get("from") or fields.get("sender"),
                                     fields.get("message"))
    return InboundSms(message_id, phone, text)


def receive_sms(session, door: str, sms: InboundSms, within_limit, district_code: str | None = None,
                service_code: str = "service") -> SmsOutcome:
    """Answer a tracking question or file the text as a 137 message; a repeated delivery
    (same door and provider id) does nothing, a sender past its limit gets nothing filed."""
    row = record_delivery(session, Delivery(door, sms.provider_message_id, sms.phone), "received")
    if row is None:
        return SmsOutcome("duplicate")
    if not within_limit(row.sender):
        row.outcome = "rate_limited"  # no SMS back either: an answer would cost per abuse
        return SmsOutcome("rate_limited")
    words = track_command(sms.text)
    # "پیگیری CODE" asks; "پیگیری کنید، جوی آب ..." is a message like any other.
    if words is not None and (not words or normalise_tracking_code(words[0]) is not None):
        row.outcome = "status"
        _answer_status(session, sms.phone, words)
        return SmsOutcome("status")
    district = default_district(session, district_code)
    fields = {"service_code": service_code, "description": sms.text[:DESCRIPTION_MAX_CHARS],
              "address": UNKNOWN_PLACE, "contact_phone": sms.phone}
    request, _key = file_request(session, fields, district.code if district else "", channel="sms")
    row.outcome, row.instance_id = "filed", request.instance_id
    return SmsOutcome("filed", request.tracking_code)


def _answer_status(session, phone: str, words: list[str]) -> None:
    if not words:
        reply, instance_id = TEXT_TRACK_USAGE, None
    else:
        request = followed_request(session, words[0], lambda r: r.contact_phone == phone)
        reply = status_text(session, request) if request else TEXT_NOT_FOUND.format(code=fa(words[0]))
        instance_id = request.instance_id if request else None
    queue_notification(session, "channel_reply", "sms", phone, {"reply_text": reply},
                       instance_id=instance_id)
