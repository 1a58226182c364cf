"""Queue notifications in the caller's transaction and render their Persian templates.

A template is notifications/templates/<name>.txt: its first line is "Subject: ..." (the e-mail
subject, itself a template; not used for SMS), the rest is the body. Both are rendered with the
caller's context plus `channel` ("email" | "sms"), so one template can shorten its SMS text.
Every template ends with _signature.txt, signed by the context's `office` (OFFICES: the 137
centre, public relations, the complaints unit, the mayor's office, the Mardom Salam secretariat).
"""
import json
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, UndefinedError
from sqlalchemy import select

from models.base import utcnow
from models.notifications import CHANNELS, OutboxMessage
from workcal.jalali import to_persian_digits

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

# Context keys each template needs; the optional ones default to None when left out.
TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "tracking_code_issued": {"required": ("tracking_code", "track_url"),
                             "optional": ("follow_key", "district_name")},
    # A Mardom Salam request the 137 cycle cannot take: registered on the district's service
    # desk the day after the meeting, followed on the portal (track_url) like any request.
    "desk_code_issued": {"required": ("tracking_code",), "optional": ("district_name", "track_url")},
    "desk_answer": {"required": ("tracking_code", "answer_text"), "optional": ("track_url",)},
    "answer_ready": {"required": ("tracking_code", "track_url", "answer_text"), "optional": ()},
    "message_referred": {"required": ("tracking_code", "track_url"), "optional": ("expected_text",)},
    "meeting_scheduled": {"required": ("tracking_code", "track_url", "meeting_when", "meeting_place"),
                          "optional": ("district_name",)},
    "draft_published": {"required": ("draft_title",), "optional": ("draft_url",)},
    "satisfaction_check": {"required": ("tracking_code", "satisfaction_url"), "optional": ()},
    "escalation_to_manager": {"required": ("tracking_code", "instance_title", "task_url",
                                           "hours_without_reply"),
                              "optional": ("district_name",)},
    # Staff notifications (notifications/staff.py): one template per kind, "staff_<kind>".
    **{f"staff_{kind}": {"required": ("task_name", "instance_title", "task_url"),
                         "optional": ("tracking_code", "due_text", "district_name")}
       for kind in ("offered", "escalation", "due_soon", "overdue")},
    # An answer to a text the citizen sent the SMS door (programmes/citizens/intake_sms.py).
    "channel_reply": {"required": ("reply_text",), "optional": ()},
    "staff_digest": {"required": ("day_text", "inbox_url"),
                     "optional": ("overdue", "due_today", "overdue_count", "due_today_count")},
    # An instance in error, to who may repair it (programmes/staff/incidents.py).
    "staff_incident": {"required": ("process_name", "element_name", "instance_url"),
                       "optional": ("tracking_code", "error_message", "district_name")},
}
# Who signs a citizen's message (the `office` of the context; None is the 137 centre).
OFFICES = ("137", "public_relations", "complaints", "mayor_office", "mardom_salam")


def fa_digits(value) -> str:
    """The text with its Latin digits written as Persian digits (and "." as the decimal sign)."""
    return to_persian_digits(value, decimal_sign=True)


def fa_number(value) -> str:
    """A number in Persian digits: whole numbers without decimals, others to one decimal."""
    number = float(value)
    text = str(int(number)) if number == int(number) else f"{number:.1f}"
    return fa_digits(text)


def shorten(text, length_chars: int = 160) -> str:
    """The text cut to at most length_chars, at a word boundary, with "…" when cut."""
    text = " ".join(str(text).split())  # an SMS has no room for the answer's line breaks
    if len(text) <= length_chars:
        return text
    cut = text[:length_chars - 1]
    if " " in cut[length_chars // 2:]:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ،,.;:") + "…"


_env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=False,
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                   keep_trailing_newline=False)
_env.filters.update(fa_digits=fa_digits, fa_number=fa_number, shorten=shorten)


@lru_cache(maxsize=256)
def _compiled(source: str):
    # Compiling a template costs ~6 ms, rendering it ~0.1: every step that opens a task renders
    # the staff's notices, so a template is compiled once per text (an edited file is new text).
    return _env.from_string(source)


def render_notification(template: str, channel: str, context: dict) -> tuple[str | None, str]:
    """The (subject, body) of a template for a channel; subject is None for SMS."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown notification template {template!r}")
    if channel not in CHANNELS:
        raise ValueError(f"unknown notification channel {channel!r}")
    spec = TEMPLATES[template]
    missing = [key for key in spec["required"] if context.get(key) in (None, "")]
    if missing:
        raise ValueError(f"template {template!r} needs {', '.join(missing)}")
    # Every template may name the office that signs it (_signature.txt: the 137 centre by default).
    values = {key: None for key in (*spec["optional"], "office", "district_name")}
    values.update(context)
    values["channel"] = channel
    source, _, _ = _env.loader.get_source(_env, f"{template}.txt")
    first_line, _, body_source = source.partition("\n")
    if not first_line.startswith("Subject:"):
        raise ValueError(f"template {template!r} does not start with a Subject: line")
    try:
        subject = _compiled(first_line[len("Subject:"):].strip()).render(values)
        body = _compiled(body_source).render(values)
    except UndefinedError as exc:
        raise ValueError(f"template {template!r}: {exc}") from exc
    return (None if channel == "sms" else " ".join(subject.split())), body.strip()


def queue_notification(session, template: str, channel: str, recipient: str, context: dict,
                       instance_id: int | None = None) -> OutboxMessage:
    """Render a notification now and add it to the outbox in the caller's transaction."""
    recipient = (recipient or "").strip()
    if not recipient:
        raise ValueError("a notification needs a recipient")
    subject, body = render_notification(template, channel, context)
    now = utcnow()
    message = OutboxMessage(instance_id=instance_id, template=template, channel=channel,
                            recipient=recipient, subject=subject, body=body, status="pending",
                            attempts=0, next_attempt_at=now, created_at=now)
    # Added, not committed: the caller's commit writes it together with the event causing it.
    session.add(message)
    return message


def queue_bot_message(session, chat_id: str, text: str, reply_markup: dict | None = None,
                      instance_id: int | None = None) -> OutboxMessage:
    """Add a messenger-bot answer to the outbox (sent by the "bot" transport after commit)."""
    payload = {"text": text, **({"reply_markup": reply_markup} if reply_markup else {})}
    now = utcnow()
    message = OutboxMessage(instance_id=instance_id, template="bot_reply", channel="bot",
                            recipient=str(chat_id), subject=None,
                            body=json.dumps(payload, ensure_ascii=False), status="pending",
                            attempts=0, next_attempt_at=now, created_at=now)
    session.add(message)
    return message


def list_for_instance(session, instance_id: int) -> list[OutboxMessage]:
    """The outbox messages of an instance, oldest first."""
    return list(session.scalars(select(OutboxMessage)
                                .where(OutboxMessage.instance_id == instance_id)
                                .order_by(OutboxMessage.created_at, OutboxMessage.id)))
