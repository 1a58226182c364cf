"""What the citizen (and, on escalation, the managers) are told, and when.

Every notice goes into the outbox in the transaction of the step that causes it, so a step
that rolls back tells no one and a committed one is sent after commit (notifications/).
The moments are the diagrams': a user task's properties noticeOnOpen and noticeOnComplete
(notifications/notices.py), read after every step of an instance with a tracking code. Today:
  - the tracking code, when a request is filed (portal, Open311: notice_filed) or registered by
    an operator (the intake task's noticeOnComplete);
  - the answer, when the 137 executive unit has replied (the feedback call opens), when the
    operator answered on the spot, or when a complaint's answer was approved;
  - the satisfaction check, a link the citizen answers themselves, when the feedback call opens;
  - the escalation to the district's managers, when the diagram's timer gives the manager a task.
"""
import secrets

from sqlalchemy import select

from engine import engine_of
from engine import element_properties
from models import CitizenRequest, RoleGrant, User, clock
from notifications.notices import parse_notices
from workcal.store import calendar_for, using_calendar
from workcal.working_time import working_hours_between


def track_url(session, code: str) -> str:
    """The portal page where the citizen follows a request (PUBLIC_BASE_URL)."""
    return engine_of(session).public_url(f"/p/track?code={code}")


def satisfaction_url(session, token: str) -> str:
    """The portal page where the citizen answers the satisfaction check."""
    return engine_of(session).public_url(f"/p/satisfaction/{token}")


def _queue(session, template, channel, recipient, context, instance_id):
    from notifications.outbox import queue_notification  # no import cycle at engine load
    queue_notification(session, template, channel, recipient, context, instance_id=instance_id)


def _request_of(session, instance) -> CitizenRequest | None:
    return session.scalars(select(CitizenRequest).where(
        CitizenRequest.instance_id == instance.id)).first()


def citizen_contacts(session, instance, request=None) -> list[tuple[str, str]]:
    """(channel, recipient) pairs to reach the citizen of an instance: the filed contact or the form's."""
    request = request or _request_of(session, instance)
    data = instance.data or {}
    phone = (request.contact_phone if request else None) or data.get("citizen_phone") or data.get("phone")
    email = request.contact_email if request else None
    return [(channel, to) for channel, to in (("sms", phone), ("email", email)) if to]


def _tell_citizen(session, instance, template, context, request=None) -> int:
    contacts = citizen_contacts(session, instance, request)
    for channel, recipient in contacts:
        _queue(session, template, channel, recipient,
               {"tracking_code": instance.tracking_code, **context}, instance.id)
    return len(contacts)


def _already_told(session, instance, template) -> bool:
    from models.notifications import OutboxMessage
    return session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.instance_id == instance.id, OutboxMessage.template == template).limit(1)) is not None


def notice_filed(session, request: CitizenRequest, follow_key: str) -> None:
    """Send the new tracking code (and the follow-up key when there is no phone to check)."""
    instance = request.instance
    _tell_citizen(session, instance, "tracking_code_issued",
                  {"track_url": track_url(session, instance.tracking_code), "district_name": instance.district.name_fa,
                   "follow_key": None if request.contact_phone else follow_key}, request)


def notice_step(session, instance, completed, opened, started: bool = False) -> None:
    """Queue what this step of a tracked instance tells the citizen or the managers: the
    noticeOnComplete of the task it completed, then the noticeOnOpen of each task it opened."""
    if not instance.tracking_code or started:
        return  # untracked, or just filed: notice_filed or the intake form speaks first
    asked = [(completed, notice) for notice in _notices(instance, completed, "noticeOnComplete")]
    for task in opened:
        asked += [(task, notice) for notice in _notices(instance, task, "noticeOnOpen")]
    data = instance.data or {}
    for task, notice in asked:
        if notice.applies(data):
            _SENDERS[notice.name](session, instance, task, data.get(notice.variable) if notice.variable else None)


def _notices(instance, task, prop: str) -> list:
    if task is None:
        return []
    # Deploy checked the property (engine.spiff.parsing), so it parses.
    return parse_notices(element_properties(instance.version, task.task_spec).get(prop, ""))


def _tracking_code(session, instance, _task, _value) -> None:
    if not _already_told(session, instance, "tracking_code_issued"):
        _tell_citizen(session, instance, "tracking_code_issued",
                      {"track_url": track_url(session, instance.tracking_code),
                       "district_name": instance.district.name_fa, "follow_key": None})


def _answer_ready(session, instance, _task, answer_text) -> None:
    _tell_citizen(session, instance, "answer_ready",
                  {"track_url": track_url(session, instance.tracking_code), "answer_text": answer_text or ""})


def _ask_satisfaction(session, instance, _task=None, _value=None) -> None:
    """A fresh satisfaction link for this round (a message filed by phone gets its request row now)."""
    if not citizen_contacts(session, instance):
        return  # no way to reach the citizen: the feedback unit calls as before
    request = _request_of(session, instance) or _request_from_intake(session, instance)
    request.satisfaction_token = secrets.token_urlsafe(24)
    request.satisfaction_answered = False
    _tell_citizen(session, instance, "satisfaction_check",
                  {"satisfaction_url": satisfaction_url(session, request.satisfaction_token)}, request)


def _request_from_intake(session, instance) -> CitizenRequest:
    """The citizen side of a message an operator registered (the citizen follows it by phone)."""
    data = instance.data or {}
    request = CitizenRequest(
        instance_id=instance.id, instance=instance, tracking_code=instance.tracking_code,
        service_code=str(data.get("category") or "service"), channel="staff",
        district_id=instance.district_id, description=str(data.get("description") or ""),
        address=data.get("location"), contact_name=data.get("citizen_name"),
        contact_phone=data.get("citizen_phone"),
        follow_key_sha256=secrets.token_hex(32),  # no key was issued: only the phone opens it
        api_token=secrets.token_urlsafe(24), satisfaction_answered=False)
    session.add(request)
    session.flush()
    return request


def _tell_managers(session, instance, task, waiting_since) -> None:
    """E-mail the district's managers, saying how many working hours the citizen has waited."""
    with using_calendar(calendar_for(session, instance.district_id)):
        hours = round(working_hours_between(waiting_since, clock.now())) if waiting_since else None
    managers = session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == "manager", User.is_active.is_(True), User.email.is_not(None),
               (RoleGrant.district_id == instance.district_id) | RoleGrant.district_id.is_(None))
        .distinct()).all()
    for manager in managers:
        _queue(session, "escalation_to_manager", "email", manager.email,
               {"tracking_code": instance.tracking_code, "instance_title": instance.title,
                "district_name": instance.district.name_fa,
                "task_url": engine_of(session).public_url(f"/tasks/{task.id}"),
                "hours_without_reply": hours}, instance.id)


_SENDERS = {"tracking_code_issued": _tracking_code, "answer_ready": _answer_ready,
            "satisfaction_check": _ask_satisfaction, "escalation_to_manager": _tell_managers}
