"""What the citizen (and, on escalation, the managers) are told, and when.

Every notice goes into the outbox in the transaction of the step that causes it, so a step
that rolls back tells no one and a committed one is sent after commit (notifications/).
The moments are the diagrams': a user task's properties noticeOnOpen and noticeOnComplete
(notifications/notices.py), read after every step of an instance with a tracking code. Today:
  - the tracking code, when a request is filed (portal, Open311: notice_filed) or registered by
    staff (the 137 intake, the complaint register, the meeting request: noticeOnComplete);
  - the referral, with the date the answer is expected, when the operator refers a message;
  - the answer, when the 137 executive unit has replied (the feedback call opens), when the
    operator answered on the spot, or when a complaint's result is announced by SMS;
  - a meeting's time and place, when the mayor's office has scheduled it;
  - the satisfaction check, a link the citizen answers themselves, when the feedback call opens;
  - the escalation to the district's managers, when the diagram's timer gives the manager a task.
A Mardom Salam desk item's code and answer are sent by programmes/mardom_salam/requests.py.
Each message is signed by the office of its procedure (office_of).
"""
import secrets

from sqlalchemy import select

from engine import engine_of
from engine import element_properties
from models import CitizenRequest, HumanTask, RoleGrant, User, clock
from notifications.notices import parse_notices
from workcal.jalali import format_solar_datetime
from workcal.store import calendar_for, using_calendar


def track_url(session, code: str) -> str:
    """The portal page where the citizen follows a request (PUBLIC_BASE_URL)."""
    return engine_of(session).public_url(f"/p/track?code={code}")


def satisfaction_url(session, token: str) -> str:
    """The portal page where the citizen answers the satisfaction check."""
    return engine_of(session).public_url(f"/p/satisfaction/{token}")


# process key -> the office that signs what its citizens are told (notifications/outbox.OFFICES)
OFFICE_OF = {"citizen_message_137": "137", "complaints": "public_relations",
             "public_meetings": "mayor_office", "mardom_salam": "mardom_salam",
             "draft_regulation": "public_relations"}


def office_of(instance) -> str:
    """Who signs the citizen's messages of an instance: a complaint about staff is answered by
    the complaints (inspection) unit, one about a service by public relations (MISSION.md)."""
    if instance.process_key == "complaints" and (instance.data or {}).get("complaint_type") == "employee":
        return "complaints"
    return OFFICE_OF.get(instance.process_key, "public_relations")


def _queue(session, template, channel, recipient, context, instance_id):
    from notifications.outbox import queue_notification  # no import cycle at engine load
    queue_notification(session, template, channel, recipient, context, instance_id=instance_id)


def _request_of(session, instance) -> CitizenRequest | None:
    # The step's hooks loaded or made it already (programmes.citizens.requests runs first): no query.
    for row in (*session.identity_map.values(), *session.new):
        if isinstance(row, CitizenRequest) and row.__dict__.get("instance_id") == instance.id:
            return row
    return session.scalars(select(CitizenRequest).where(
        CitizenRequest.instance_id == instance.id)).first()


def citizen_contacts(session, instance, request=None) -> list[tuple[str, str]]:
    """(channel, recipient) pairs to reach the citizen of an instance: the filed contact or the form's."""
    from programmes.citizens.requests import mobile_in  # it imports this module
    request = request or _request_of(session, instance)
    # A mobile only: a landline typed in a form gets no SMS (the office calls it).
    phone = (request.contact_phone if request else None) or mobile_in(instance.data or {})
    email = request.contact_email if request else None
    return [(channel, to) for channel, to in (("sms", phone), ("email", email)) if to]


def _tell_citizen(session, instance, template, context, request=None) -> int:
    contacts = citizen_contacts(session, instance, request)
    for channel, recipient in contacts:
        _queue(session, template, channel, recipient,
               {"tracking_code": instance.tracking_code, "office": office_of(instance),
                "district_name": instance.district.name_fa, **context}, instance.id)
    return len(contacts)


def _already_told(session, instance, template) -> bool:
    from models.notifications import OutboxMessage
    return session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.instance_id == instance.id, OutboxMessage.template == template).limit(1)) is not None


def notice_filed(session, request: CitizenRequest, follow_key: str) -> None:
    """Send the new tracking code (and the follow-up key when there is no phone to check)."""
    instance = request.instance
    _tell_citizen(session, instance, "tracking_code_issued",
                  {"track_url": track_url(session, instance.tracking_code),
                   "follow_key": None if request.contact_phone else (follow_key or None)}, request)


def notice_step(session, instance, completed, opened, started: bool = False) -> None:
    """Queue what this step of a tracked instance tells the citizen or the managers: the
    noticeOnComplete of the task it completed, then the noticeOnOpen of each task it opened."""
    if started:
        return  # just filed: notice_filed or the intake form speaks first
    asked = [(completed, notice) for notice in _notices(instance, completed, "noticeOnComplete")]
    for task in opened:
        asked += [(task, notice) for notice in _notices(instance, task, "noticeOnOpen")]
    data = instance.data or {}
    for task, notice in asked:
        if not instance.tracking_code and notice.name not in _UNTRACKED:
            continue  # no citizen follows this instance
        if notice.applies(data):
            _SENDERS[notice.name](session, instance, task, data.get(notice.variable) if notice.variable else None)


def _notices(instance, task, prop: str) -> list:
    if task is None:
        return []
    # Deploy checked the property (engine.spiff.parsing), so it parses.
    return parse_notices(element_properties(instance.version, task.task_spec).get(prop, ""))


def _tracking_code(session, instance, _task, _value) -> None:
    request = _request_of(session, instance)
    if not citizen_contacts(session, instance, request):
        return  # no phone or e-mail: nobody to tell, nothing to look up
    if not _already_told(session, instance, "tracking_code_issued"):
        _tell_citizen(session, instance, "tracking_code_issued",
                      {"track_url": track_url(session, instance.tracking_code), "follow_key": None},
                      request)


def _referred(session, instance, _task, _value) -> None:
    """The message went to the unit responsible; its answer is expected by the earliest due
    date of the tasks now open (the reply's, in the district's calendar)."""
    due = session.scalar(select(HumanTask.due_at).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "ready",
        HumanTask.due_at.is_not(None)).order_by(HumanTask.due_at).limit(1))
    _tell_citizen(session, instance, "message_referred",
                  {"track_url": track_url(session, instance.tracking_code),
                   "expected_text": format_solar_datetime(due) if due else None})


def _meeting_scheduled(session, instance, _task, _value) -> None:
    from programmes.citizens.meetings import meeting_when_and_place  # it imports this module
    scheduled = meeting_when_and_place(instance.data or {}, instance.district.name_fa)
    if scheduled is None:
        return  # the form keeps the date required: nothing to say without it
    _tell_citizen(session, instance, "meeting_scheduled",
                  {"track_url": track_url(session, instance.tracking_code),
                   "meeting_when": scheduled[0], "meeting_place": scheduled[1]})


def _draft_published(session, instance, _task, _value) -> None:
    """Tell each citizen whose comment on the draft was approved and who left a mobile, once."""
    from models.drafts import DraftComment, DraftRegulation
    draft = session.scalars(select(DraftRegulation).where(
        DraftRegulation.instance_id == instance.id)).first()
    if draft is None or _already_told(session, instance, "draft_published"):
        return
    phones = session.scalars(select(DraftComment.contact_phone).where(
        DraftComment.draft_id == draft.id, DraftComment.status == "approved",
        DraftComment.contact_phone.is_not(None)).distinct()).all()
    for phone in sorted(phones):  # only approved comments: a typed number is no consent
        _queue(session, "draft_published", "sms", phone,
               {"draft_title": draft.title, "office": office_of(instance),
                "draft_url": engine_of(session).public_url(f"/p/drafts/{draft.id}")}, instance.id)


def _answer_ready(session, instance, _task, answer_text) -> None:
    _tell_citizen(session, instance, "answer_ready",
                  {"track_url": track_url(session, instance.tracking_code), "answer_text": answer_text or ""})


def _ask_satisfaction(session, instance, _task=None, _value=None) -> None:
    """A fresh satisfaction link for this round (a message filed by phone gets its request row now)."""
    if not citizen_contacts(session, instance):
        return  # no way to reach the citizen: the feedback unit calls as before
    from programmes.citizens.requests import citizen_request_for  # it imports this module
    request = citizen_request_for(session, instance)
    request.satisfaction_token = secrets.token_urlsafe(24)
    request.satisfaction_answered = False
    _tell_citizen(session, instance, "satisfaction_check",
                  {"satisfaction_url": satisfaction_url(session, request.satisfaction_token)}, request)


def _tell_managers(session, instance, task, waiting_since) -> None:
    """E-mail the district's managers, saying how many hours the citizen has waited (the 137
    clock's hours: calendar hours, or working hours where the city counts them)."""
    with using_calendar(calendar_for(session, instance.district_id)):
        hours = round(engine_of(session).message_clock.message_hours_between(
            waiting_since, clock.now())) if waiting_since else None
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


_SENDERS = {"tracking_code_issued": _tracking_code, "message_referred": _referred,
            "answer_ready": _answer_ready, "meeting_scheduled": _meeting_scheduled,
            "draft_published": _draft_published, "satisfaction_check": _ask_satisfaction,
            "escalation_to_manager": _tell_managers}
# Notices an instance without a tracking code may send (its citizens are not its starter).
_UNTRACKED = {"draft_published"}
