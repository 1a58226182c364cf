"""What staff are told of their work: one in-app notification per event per person, and the
e-mail or SMS each person chose for that kind, queued in the outbox in the caller's transaction.

Kinds: offered (a task offered or assigned to me), escalation (a follow-up task an escalation
gives me), due_soon, overdue, digest (the day's due and overdue work). In-app is always on;
e-mail and SMS follow notification_preferences (no row: DEFAULT_CHANNELS). Outside the
working hours of the task's district, e-mail and SMS wait for the next working moment
(the outbox row's next_attempt_at), except the kinds allowed in quiet hours (escalations).

Never twice: (user, event_key) is unique, and a notification already there queues nothing.
"""
from dataclasses import dataclass, field

from sqlalchemy import exists, func, select, update

from models import clock
from models.base import utcnow
from models.notifications import OutboxMessage
from models.staff_notifications import (STAFF_KINDS, InboxVisit, NotificationPreference,
                                        StaffNotification)
from workcal import calendar as wc
from workcal.store import calendar_for

from .outbox import queue_notification

MESSAGE_CHANNELS = ("email", "sms")  # besides in-app, which is always on
# Source 137: escalations and overdue work must reach people; the rest shows in the app.
DEFAULT_CHANNELS = {"offered": {"email"}, "escalation": {"email"}, "due_soon": set(),
                    "overdue": {"email"}, "digest": {"email"}}
SESSION_KEY = "staff_notice_settings"  # session.info: the app's StaffNoticeSettings


@dataclass(frozen=True)
class StaffNoticeSettings:
    """Kinds whose e-mail and SMS go out in quiet hours, and how near its due moment (working
    hours) a task is "due soon"."""

    quiet_kinds: frozenset = field(default_factory=lambda: frozenset({"escalation"}))
    due_soon_working_hours: float = 7.0

    def session_info(self) -> dict:
        """What a session factory puts into session.info so the domain functions find it."""
        return {SESSION_KEY: self}


def parse_kinds(text: str) -> frozenset:
    """The kinds named in a comma-separated setting; ValueError for an unknown one."""
    kinds = frozenset(part.strip() for part in (text or "").split(",") if part.strip())
    unknown = kinds - set(STAFF_KINDS)
    if unknown:
        raise ValueError(f"unknown notification kinds {', '.join(sorted(unknown))}; "
                         f"use {', '.join(STAFF_KINDS)}")
    return kinds


def settings_of(session) -> StaffNoticeSettings:
    """The settings of the app that made the session (the defaults otherwise)."""
    return session.info.get(SESSION_KEY) or StaffNoticeSettings()


# ---------------------------------------------------------------- preferences

def preferences_of(session, user) -> dict[str, set[str]]:
    """Each kind's message channels for the user (the defaults where they chose nothing)."""
    chosen = {row.kind: {c for c in MESSAGE_CHANNELS if getattr(row, c)}
              for row in session.scalars(select(NotificationPreference)
                                         .where(NotificationPreference.user_id == user.id))}
    return {kind: chosen.get(kind, set(DEFAULT_CHANNELS[kind])) for kind in STAFF_KINDS}


def save_preferences(session, user, choices: dict[str, set[str]]) -> None:
    """Keep the user's channels per kind (every kind; a kind left out gets none)."""
    rows = {row.kind: row for row in session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    for kind in STAFF_KINDS:
        channels = set(choices.get(kind, ())) & set(MESSAGE_CHANNELS)
        row = rows.get(kind) or NotificationPreference(user_id=user.id, kind=kind)
        row.email, row.sms = "email" in channels, "sms" in channels
        session.add(row)
    session.flush()


# ---------------------------------------------------------------- telling

def _recipient(user, channel: str) -> str | None:
    return (user.email if channel == "email" else user.phone) or None


def quiet_until(session, kind: str, district_id: int | None):
    """The moment (naive UTC) a message of this kind waits for, or None to send it now."""
    if kind in settings_of(session).quiet_kinds:
        return None
    now = clock.now()
    opens = wc.next_working_moment(calendar_for(session, district_id), now)
    return None if opens <= now else wc.to_utc(opens).replace(tzinfo=None)


def already_told(session, user_id: int, event_key: str) -> bool:
    """True if this person has a notification of this event."""
    return session.scalar(select(exists().where(StaffNotification.user_id == user_id,
                                                StaffNotification.event_key == event_key)))


def notify_user(session, user, kind: str, event_key: str, params: dict, *, context: dict,
                task=None, instance_id: int | None = None, district_id: int | None = None,
                skip_channels: frozenset = frozenset()) -> StaffNotification | None:
    """Tell a person of an event once: the in-app row, and the outbox messages they chose
    (held to the next working moment in quiet hours); None if they were told already."""
    if kind not in STAFF_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not user.is_active or already_told(session, user.id, event_key):
        return None
    notification = StaffNotification(
        user_id=user.id, kind=kind, event_key=event_key, params=params, created_at=utcnow(),
        task_id=task.id if task is not None else None,
        instance_id=instance_id if instance_id is not None else (task.instance_id if task else None))
    session.add(notification)
    channels = [c for c in MESSAGE_CHANNELS
                if c in preferences_of(session, user)[kind] and c not in skip_channels
                and _recipient(user, c)]
    hold = quiet_until(session, kind, district_id) if channels else None
    for channel in channels:
        message = queue_notification(session, f"staff_{kind}", channel, _recipient(user, channel),
                                     {**params, **context}, instance_id=notification.instance_id)
        if hold is not None:
            message.next_attempt_at = hold  # quiet hours: the sender takes it when work starts
    session.flush()
    return notification


def outbox_recipients(session, instance_id: int, template: str) -> set[str]:
    """Who already has a message of this template about this instance (pending or sent)."""
    return set(session.scalars(select(OutboxMessage.recipient).where(
        OutboxMessage.instance_id == instance_id, OutboxMessage.template == template)))


# ---------------------------------------------------------------- reading

def unread_count(session, user) -> int:
    """How many of the user's notifications are unread (the bell)."""
    return session.scalar(select(func.count(StaffNotification.id)).where(
        StaffNotification.user_id == user.id, StaffNotification.read_at.is_(None)))


def list_notifications(session, user, limit: int = 50, offset: int = 0) -> list[StaffNotification]:
    """The user's notifications, newest first."""
    return list(session.scalars(
        select(StaffNotification).where(StaffNotification.user_id == user.id)
        .order_by(StaffNotification.created_at.desc(), StaffNotification.id.desc())
        .limit(limit).offset(offset)))


def mark_read(session, user, notification_id: int | None = None, task_id: int | None = None) -> int:
    """Mark the user's unread notifications read: one, those of a task, or all; return how many."""
    statement = update(StaffNotification).where(StaffNotification.user_id == user.id,
                                                StaffNotification.read_at.is_(None))
    if notification_id is not None:
        statement = statement.where(StaffNotification.id == notification_id)
    if task_id is not None:
        statement = statement.where(StaffNotification.task_id == task_id)
    return session.execute(statement.values(read_at=utcnow())
                           .execution_options(synchronize_session=False)).rowcount


def unread_task_ids(session, user, task_ids) -> set[int]:
    """Which of these tasks the user has an unread notification of."""
    ids = list(task_ids)
    if not ids:
        return set()
    return set(session.scalars(select(StaffNotification.task_id).where(
        StaffNotification.user_id == user.id, StaffNotification.read_at.is_(None),
        StaffNotification.task_id.in_(ids))))


def visit_inbox(session, user):
    """Record that the user opened the inbox now; return when they had opened it before (or None)."""
    visit = session.get(InboxVisit, user.id)
    previous = visit.seen_at if visit is not None else None
    if visit is None:
        visit = InboxVisit(user_id=user.id)
        session.add(visit)
    visit.seen_at = utcnow()
    return previous

