"""The channels a 137 message comes in by (Mashhad, source 003: thirteen), kept in the table
`message_channels` (migration 0024) and extended by administrators at /admin/channels. The
intake form's channel choice offers them (valuesKey `channel_options`, the engine's shown_data
hook), so a channel added here is offered at the next intake.
"""
from sqlalchemy import func, select

from models import MessageChannel
from models.errors import InvalidData
from people.catalogue import checked_code_and_titles

# The seed (migration 0024 keeps a copy): the source gives the number, not the names.
BUILT_IN_CHANNELS = (
    ("phone", "تماس تلفنی با ۱۳۷", "Phone call to 137"),
    ("web", "پورتال اینترنتی", "Web portal"),
    ("app", "اپلیکیشن همراه", "Mobile app"),
    ("sms", "پیامک", "SMS"),
    ("social", "شبکه‌های اجتماعی", "Social networks"),
    ("messenger", "پیام‌رسان‌های داخلی (ایتا، بله، روبیکا)", "Messenger apps"),
    ("email", "پست الکترونیک", "E-mail"),
    ("in_person", "مراجعه حضوری", "In person"),
    ("letter", "نامه و مکاتبات اداری", "Letter"),
    ("mardom_salam", "دیدار مردمی (مردم سلام)", "Mardom Salam meeting"),
    ("media", "رسانه‌ها و مطبوعات", "Press and media"),
    ("field", "گزارش ناظران و بازرسان میدانی", "Field inspectors' report"),
    ("api", "سامانه‌های دیگر (API)", "Other systems (API)"),
)


def seed_channels(session) -> int:
    """Insert the built-in channels missing from the table; return how many (idempotent)."""
    known = set(session.scalars(select(MessageChannel.code)))
    last = session.scalar(select(func.max(MessageChannel.position))) or 0
    missing = [c for c in BUILT_IN_CHANNELS if c[0] not in known]
    for offset, (code, title_fa, title_en) in enumerate(missing, start=1):
        session.add(MessageChannel(code=code, title_fa=title_fa, title_en=title_en,
                                   position=last + offset))
    if missing:
        session.flush()
    return len(missing)


def list_channels(session) -> list[MessageChannel]:
    """Every channel in its place in the list."""
    return list(session.scalars(select(MessageChannel).order_by(MessageChannel.position,
                                                                MessageChannel.id)))


def add_channel(session, code: str, title_fa: str, title_en: str, user=None) -> MessageChannel:
    """Add a channel at the end of the list (InvalidData, per field, for a bad or taken code or
    title; nothing is written then)."""
    code, title_fa, title_en, errors = checked_code_and_titles(code, title_fa, title_en)
    channels = list_channels(session)
    if "code" not in errors and any(c.code == code for c in channels):
        errors["code"] = "This code is taken by another channel."
    if "title_fa" not in errors and any(c.title_fa == title_fa for c in channels):
        errors["title_fa"] = "Another channel already has this title."
    if errors:
        raise InvalidData("The channel was not added: {problems}", errors,
                          problems="; ".join(errors.values()))
    row = MessageChannel(code=code, title_fa=title_fa, title_en=title_en,
                         position=max((c.position for c in channels), default=0) + 1)
    session.add(row)
    session.flush()
    return row


def channel_options(session, task=None) -> dict:
    """The intake form's channel choices (Persian titles); the built-in ones if the table is empty."""
    rows = [(c.code, c.title_fa) for c in list_channels(session)] or \
        [(code, title_fa) for code, title_fa, _ in BUILT_IN_CHANNELS]
    return {"channel_options": [{"value": code, "label": title} for code, title in rows]}
