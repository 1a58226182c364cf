"""What the SMS and messenger-bot doors share: each delivery kept once, the district a message
without a place goes to, the status a citizen asks for, and the Persian texts they read.

A delivery is recorded first (inbound_messages: (door, provider_message_id) unique, in a
savepoint), so a provider's second delivery of the same message finds its row and does nothing.
The sender (a mobile number, a chat id) is kept as a keyed hash (sender_token), never in plain
text. The rate limit per sender is the caller's: the app counts with Flask-Limiter's storage and
passes a check in as `within_limit(sender_token)`, asked only for a new delivery, so a repeated
delivery never counts against the citizen.

District rule: a message filed by SMS has no place; it goes to INTAKE_DEFAULT_DISTRICT when that
names a district, else to the first district by code, where the 137 operator registering it
reads the text and refers it on (the intake task lets them correct district and category).
"""
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import District
from models.intake import InboundMessage
from models.shredding import key_ring_of
from workcal.jalali import format_solar_datetime, to_persian_digits

from programmes.citizens.requests import SERVICES, request_by_code
from programmes.citizens.tracking import request_state

# The services a 137 message can be filed as (the 137 categories), in their order.
MESSAGE_SERVICES = tuple(service for service in SERVICES if service.group == "137")
UNKNOWN_PLACE = "نامشخص؛ در متن پیام"  # the address of a message that came without one

# What the citizen reads (Persian; digits turned Persian where they are shown).
TEXT_STATUS = "وضعیت پیام با کد رهگیری {code}: {notes}"
TEXT_EXPECTED = "زمان پیش‌بینی‌شده پاسخ: {moment}"
TEXT_ANSWER = "پاسخ: {answer}"
TEXT_NOT_FOUND = "پیامی با کد رهگیری {code} برای شما پیدا نشد. کد را دوباره بررسی کنید."
TEXT_RATE_LIMITED = ("پیام‌های شما بیش از حد مجاز است و این پیام ثبت نشد. "
                     "لطفاً کمی بعد دوباره بفرستید یا با ۱۳۷ تماس بگیرید.")

# "status CODE", "پیگیری CODE", "/track CODE [key]" (a bot's command may carry @botname).
_TRACK = re.compile(r"^\s*(?:/track(?:@\w+)?|status|track|پیگیری|وضعیت)(?:\s*[:：]\s*|\s+|$)(?P<rest>.*)$",
                    re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Delivery:
    """Who sent what through which door, with the provider's id of that message."""
    door: str  # sms | kavenegar | bot
    provider_message_id: str
    sender: str


def sender_token(session, sender: str) -> str:
    """The keyed hash a sender is kept and counted as (equal senders, equal tokens)."""
    return key_ring_of(session).search_token(f"inbound-sender:{sender}")


def record_delivery(session, delivery: Delivery, outcome: str) -> InboundMessage | None:
    """Keep a delivery (its sender as a token); None when this door already had this provider
    id (a repeat)."""
    if session.scalar(select(InboundMessage.id).where(
            InboundMessage.door == delivery.door,
            InboundMessage.provider_message_id == delivery.provider_message_id)) is not None:
        return None
    row = InboundMessage(door=delivery.door, provider_message_id=delivery.provider_message_id,
                         sender=sender_token(session, delivery.sender), outcome=outcome)
    try:
        with session.begin_nested():  # a concurrent delivery of the same id loses here
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row


def track_command(text: str) -> list[str] | None:
    """The words after a tracking command (code, then perhaps a key), or None if it is none."""
    found = _TRACK.match(text or "")
    if found is None:
        return None
    return found.group("rest").split()


def default_district(session, code: str | None) -> District | None:
    """The district a message without a place goes to (see the module's district rule)."""
    if code:
        district = session.scalars(select(District).where(District.code == code)).first()
        if district is not None:
            return district
    return session.scalars(select(District).order_by(District.code)).first()


def fa(text) -> str:
    """The text with Persian digits (what a citizen reads)."""
    return to_persian_digits(text)


def status_text(session, request) -> str:
    """The request's status as the citizen is told it: state, expected answer time, answer."""
    state = request_state(session, request)
    lines = [TEXT_STATUS.format(code=fa(request.tracking_code), notes=state["status_notes"])]
    if state["expected_at"] is not None and state["status"] == "open":
        lines.append(TEXT_EXPECTED.format(moment=format_solar_datetime(state["expected_at"])))
    if state["answer"] and state["answer"] != state["status_notes"]:
        lines.append(TEXT_ANSWER.format(answer=state["answer"]))
    return fa("\n".join(lines))


def followed_request(session, code_text: str, allowed) -> object | None:
    """The request a typed code names when allowed(request) says this sender may see it."""
    request = request_by_code(session, code_text)
    if request is None or not allowed(request):
        return None
    return request
