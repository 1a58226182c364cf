"""What staff are told of their work: one in-app notification per event per person, and the
e-mail or SMS each person chose for that kind, queued in the outbox in the caller's transaction.

Kinds: offered (a task offered or assigned to me), escalation (a follow-up task an escalation
gives me), due_soon, overdue, digest (the day's due and overdue work), incident (an instance in error
that the person may repair). In-app is always on;
e-mail and SMS follow notification_preferences (no row: DEFAULT_CHANNELS). Outside the
working hours of the task's district, e-mail and SMS wait for the next working moment
(the outbox row's next_attempt_at), except the kinds allowed in quiet hours (escalations).

Never twice: (user, event_key) is unique, and a notification already there queues nothing.
"""
from dataclasses import dataclass, field

from sqlalchemy import func, select, update

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
                    "overdue": {"email"}, "digest": {"email"}, "incident": {"email"}}
SESSION_KEY = "staff_notice_settings"  # session.info: the app's StaffNoticeSettings
CHANNELS_MEMO_KEY = "notifications.channels_memo"  # session.info, while a batch of steps runs


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


def _told_already(session, user_ids: list[int], event_key: str, new_event: bool = False) -> set[int]:
    """Who of these people has a notification of this event, flushed or still pending (only
    pending for a new event: no flushed row can name it)."""
    pending = {row.user_id for row in session.new
               if isinstance(row, StaffNotification) and row.event_key == event_key}
    if new_event:
        return pending
    return pending | set(session.scalars(select(StaffNotification.user_id).where(
        StaffNotification.event_key == event_key, StaffNotification.user_id.in_(user_ids))))


def _channels_of(session, user_ids: list[int], kind: str) -> dict[int, set[str]]:
    """Each person's message channels for a kind, in one query (once per batch of steps that
    keeps a memo: session.info[CHANNELS_MEMO_KEY], a timer batch)."""
    memo = session.info.get(CHANNELS_MEMO_KEY)
    key = (kind, tuple(user_ids))
    if memo is not None and key in memo:
        return {user_id: set(channels) for user_id, channels in memo[key].items()}
    chosen = {row.user_id: {c for c in MESSAGE_CHANNELS if getattr(row, c)}
              for row in session.scalars(select(NotificationPreference).where(
                  NotificationPreference.kind == kind, NotificationPreference.user_id.in_(user_ids)))}
    channels = {user_id: chosen.get(user_id, set(DEFAULT_CHANNELS[kind])) for user_id in user_ids}
    if memo is not None:
        memo[key] = {user_id: frozenset(found) for user_id, found in channels.items()}
    return channels


def notify_users(session, users, kind: str, event_key: str, params: dict, *, context: dict,
                 task=None, instance_id: int | None = None, district_id: int | None = None,
                 no_email_to: frozenset = frozenset(), new_event: bool = False) -> list[StaffNotification]:
    """Tell each person of an event once: the in-app row, and the outbox messages they chose
    (held to the next working moment in quiet hours, except the kinds allowed then); return
    the new notifications (none for who was told already). Adds without flushing: a step
    flushes once, at its end, and the caller's commit writes these with it.

    new_event: the event happened in this transaction (a task a step just opened), so no
    stored notification can name it: who was told is not asked of the database."""
    if kind not in STAFF_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    users = [user for user in users if user.is_active]
    if not users:
        return []
    if instance_id is None and task is not None:
        instance_id = task.instance_id
    made = []
    with session.no_autoflush:
        told = _told_already(session, [user.id for user in users], event_key, new_event)
        fresh = [user for user in users if user.id not in told]
        channels_of = _channels_of(session, [user.id for user in fresh], kind) if fresh else {}
        hold = None
        for user in fresh:
            notification = StaffNotification(
                user_id=user.id, kind=kind, event_key=event_key, params=params,
                created_at=utcnow(), task_id=task.id if task is not None else None,
                instance_id=instance_id)
            session.add(notification)
            made.append(notification)
            for channel in MESSAGE_CHANNELS:
                recipient = _recipient(user, channel)
                if channel not in channels_of[user.id] or not recipient or (
                        channel == "email" and recipient in no_email_to):
                    continue
                if hold is None:
                    hold = (quiet_until(session, kind, district_id),)
                message = queue_notification(session, f"staff_{kind}", channel, recipient,
                                             {**params, **context}, instance_id=instance_id)
                if hold[0] is not None:
                    message.next_attempt_at = hold[0]  # quiet hours: sent when work starts
    return made


def outbox_recipients(session, instance_id: int, template: str) -> set[str]:
    """Who already has a message of this template about this instance (pending or sent)."""
    pending = {row.recipient for row in session.new if isinstance(row, OutboxMessage)
               and row.instance_id == instance_id and row.template == template}
    with session.no_autoflush:
        return pending | set(session.scalars(select(OutboxMessage.recipient).where(
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

