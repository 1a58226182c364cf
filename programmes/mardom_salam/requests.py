"""Mardom Salam requests (programmes/mardom_salam/schedule.py): written at the meeting as 137 messages or
service-desk items, coded on the desk the next day, classified by the working group with an
owner and a deadline each, answered; the programme closes only when every one is answered."""
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import object_session

from engine import complete_task, send_message_for, start_instance_for, waiting_messages
from models import HumanTask, Instance, User, clock
from models.mardom_salam import MardomSalamMeeting, MardomSalamRequest
from people.permissions import may


from workcal.store import calendar_for, using_calendar
from programmes.messages137.tracking import new_tracking_code
from programmes.citizens.requests import citizen_request_for, normalise_phone
from models.errors import Conflict, Forbidden, InvalidData
from programmes.mardom_salam.schedule import (CATEGORIES, CHANNEL, CLOSING_MESSAGE,
                           DESK_PREFIX, MESSAGE_KEY,
                           system_actor)
from workcal.jalali import parse_solar_date
from workcal.store import local_today

CLASSIFICATION_FORM = "mardom_salam_classification"


def register_request(session, meeting: MardomSalamMeeting, user: User, fields: dict) -> MardomSalamRequest:
    """A request written at the meeting: a 137 message with its code by SMS, or a desk item."""
    if not may(user, "file_mardom_salam_request", meeting.district_id):
        raise Forbidden("You may not register requests of this meeting.")
    if meeting.instance is None or meeting.instance.status != "running":
        raise Conflict("This programme is closed.")
    kind = str(fields.get("kind") or "137")
    name = str(fields.get("citizen_name") or "").strip()
    description = str(fields.get("description") or "").strip()
    try:
        phone = normalise_phone(fields.get("citizen_phone"))
    except ValueError:
        phone = None
    category = str(fields.get("category") or "service")
    errors = {}
    if kind not in ("137", "desk"):
        errors["kind"] = "Choose 137 or service desk."
    if not name or len(name) > 200:
        errors["citizen_name"] = "Write the citizen's name."
    if not description or len(description) > 4000:
        errors["description"] = "Write the request."
    if phone is None:
        errors["citizen_phone"] = "Write a mobile number (09xxxxxxxxx)."
    if kind == "137" and category not in CATEGORIES:
        errors["category"] = "Choose a category."
    if errors:
        raise InvalidData("Some fields are not valid.", errors)
    request = MardomSalamRequest(meeting_id=meeting.id, meeting=meeting, kind=kind, citizen_name=name,
                                 citizen_phone=phone, description=description,
                                 category=category if kind == "137" else None)
    session.add(request)
    if kind == "137":
        location = str(fields.get("location") or "").strip()[:300] or \
            ((meeting.instance.data or {}).get("mosque_name") or "")
        data = {"channel": CHANNEL, "category": category, "description": description,
                "location": location, "citizen_name": name, "citizen_phone": phone,
                "mardom_salam_meeting_id": meeting.id}
        message = start_instance_for(session, MESSAGE_KEY, user, meeting.district, data,
                                             title=f"مردم سلام: {description[:80]}")
        request.message_instance_id, request.message = message.id, message
        request.tracking_code = message.tracking_code
        citizen = citizen_request_for(session, message)  # made as the message started
        citizen.service_code, citizen.channel, citizen.description = category, CHANNEL, description
        citizen.address, citizen.contact_name, citizen.contact_phone = location or None, name, phone
        session.flush()
        from programmes.citizens.notices import notice_filed
        notice_filed(session, citizen, "")  # the code by SMS (the phone opens it, no key)
    session.flush()
    return request


def _queue_sms(session, request: MardomSalamRequest, meeting: MardomSalamMeeting,
               template: str = "desk_code_issued", **context) -> None:
    """Tell the citizen of a desk item (its code, its answer), signed by the Mardom Salam
    secretariat; kept with the meeting's programme, whose page lists what was sent."""
    from notifications.outbox import queue_notification
    from programmes.citizens.notices import track_url
    if not request.citizen_phone:
        return
    queue_notification(session, template, "sms", request.citizen_phone,
                       {"tracking_code": request.tracking_code, "district_name": meeting.district.name_fa,
                        "track_url": track_url(session, request.tracking_code),
                        "office": "mardom_salam", **context},
                       instance_id=meeting.instance_id)


def ready_task(session, meeting: MardomSalamMeeting, task_spec: str) -> HumanTask | None:
    if meeting.instance_id is None:
        return None
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == meeting.instance_id, HumanTask.task_spec == task_spec,
        HumanTask.status == "ready")).first()


def register_desk_requests(session, meeting: MardomSalamMeeting, user: User, note: str = "") -> list:
    """The next day's service-desk registration: a code (and its SMS) for every desk item,
    then the desk task of the programme is completed. Refused before the meeting was held."""
    if not may(user, "register_desk_item", meeting.district_id):
        raise Forbidden("Only the mayor's special follow-up officer registers on the service desk.")
    task = ready_task(session, meeting, "Task_desk_registration")
    if task is None:
        raise Conflict("The service-desk registration is not open for this meeting.")
    coded = []
    with using_calendar(calendar_for(session, meeting.district_id)):
        for request in meeting.requests:
            if request.kind == "desk" and not request.tracking_code:
                while True:
                    code = new_tracking_code(DESK_PREFIX)
                    if session.scalar(select(MardomSalamRequest.id).where(
                            MardomSalamRequest.tracking_code == code)) is None:
                        break
                request.tracking_code = code
                _queue_sms(session, request, meeting)
                coded.append(request)
    session.flush()
    complete_task(session, task.id, user, {"desk_note": note[:2000]}, access_checked=True)
    return coded


def answer_desk_request(session, request: MardomSalamRequest, user: User, answer: str) -> None:
    """Record the answer given to a desk item (137 messages are answered in their own cycle)."""
    if not may(user, "answer_desk_item", request.meeting.district_id):
        raise Forbidden("You may not answer this request.")
    if request.kind != "desk" or not request.tracking_code:
        raise Conflict("Only a desk item with its code is answered here.")
    answer = (answer or "").strip()
    if not answer:
        raise InvalidData("Write the answer.", {"answer": "Write the answer."})
    first = request.answered_at is None
    request.answer, request.answered_at = answer[:4000], clock.utcnow()
    if first:  # told once; a correction later stays on the tracking page
        _queue_sms(session, request, request.meeting, "desk_answer", answer_text=request.answer)
    session.flush()


def parse_deadline(text) -> date | None:
    """A deadline typed as a Solar Hijri date (1405/10/20, any digits) or an ISO date; else None."""
    text = str(text or "").strip()
    try:
        return parse_solar_date(text)
    except ValueError:
        pass
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def classify_requests(session, meeting: MardomSalamMeeting, user: User, rows: dict, minutes: str) -> None:
    """The working group's table: category, owner and deadline of every request; then its task."""
    if not may(user, "classify_requests", meeting.district_id):
        raise Forbidden("Only the follow-up working group classifies the requests.")
    task = ready_task(session, meeting, "Task_classify_requests")
    if task is None:
        raise Conflict("The classification is not open for this meeting.")
    errors = {}
    for request in meeting.requests:
        row = rows.get(request.id) or {}
        owner = str(row.get("owner") or "").strip()
        deadline = parse_deadline(row.get("deadline"))
        category = str(row.get("category") or request.category or "").strip() or None
        if not owner or len(owner) > 200 or deadline is None:
            errors[f"request_{request.id}"] = "Every request needs its owner and deadline (a date like 1405/10/20)."
        elif deadline < meeting.meeting_date:
            errors[f"request_{request.id}"] = "The deadline is before the meeting."
        elif category is not None and category not in CATEGORIES:
            errors[f"request_{request.id}"] = "Choose a category."
        else:
            request.owner, request.deadline, request.category = owner, deadline, category
    if errors or not (minutes or "").strip():
        if not (minutes or "").strip():
            errors["working_group_minutes"] = "Write the minutes."
        raise InvalidData("Some fields are not valid.", errors)
    from programmes.mardom_salam.owners import apply_owners
    apply_owners(session, meeting.requests)  # each 137 message goes to its owner, by its deadline
    session.flush()
    complete_task(session, task.id, user, {"working_group_minutes": minutes.strip()[:4000]},
                          access_checked=True)


# ------------------------------------------------------------------ state and closing

def request_state(request: MardomSalamRequest, today: date | None = None) -> str:
    """no_code (a desk item not registered yet), open, overdue (open past the deadline the
    working group set) or closed."""
    if not request.tracking_code:
        return "no_code"
    if request.kind == "137":
        done = request.message is not None and request.message.status == "completed"
    else:
        done = request.answered_at is not None
    if done:
        return "closed"
    today = today or local_today(object_session(request))  # deadlines are local calendar dates
    return "overdue" if request.deadline is not None and request.deadline < today else "open"


def request_of_message(session, instance_id: int) -> MardomSalamRequest | None:
    """The Mardom Salam request a 137 message came from, if it came from one."""
    return session.scalars(select(MardomSalamRequest).where(
        MardomSalamRequest.message_instance_id == instance_id)).first()


def unanswered(meeting: MardomSalamMeeting) -> list[MardomSalamRequest]:
    """The requests of the meeting that have no answer yet (or no code)."""
    return [r for r in meeting.requests if request_state(r) != "closed"]


def waiting_to_close(meeting: MardomSalamMeeting) -> bool:
    """True when the programme has done its duties (no task of it open) and waits for the answers."""
    instance = meeting.instance
    if instance is None or instance.status != "running":
        return False
    session = object_session(meeting)
    if session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance.id,
                                                 HumanTask.status == "ready").limit(1)):
        return False
    return CLOSING_MESSAGE in _waiting_messages(instance)


def _waiting_messages(instance: Instance) -> list[str]:
    return waiting_messages(object_session(instance), instance)


def close_programme(session, meeting: MardomSalamMeeting, user: User | None = None) -> Instance:
    """Close the programme: refused (Conflict) while any request has no answer or no code."""
    if user is not None and not may(user, "close_programme", meeting.district_id):
        raise Forbidden("Only the communications office closes a programme.")
    left = unanswered(meeting)
    if left:
        raise Conflict("{count} request(s) of this meeting have no answer yet.",
                       {"unanswered": [r.tracking_code or r.id for r in left]}, count=len(left))
    if not waiting_to_close(meeting):
        raise Conflict("This programme is not waiting to be closed.")
    actor = user or system_actor(session)
    return send_message_for(session, meeting.instance, actor, CLOSING_MESSAGE, {})


def close_answered_programmes(session) -> int:
    """Close every programme that waits and whose requests are all answered."""
    closed = 0
    meetings = session.scalars(select(MardomSalamMeeting).join(
        Instance, Instance.id == MardomSalamMeeting.instance_id).where(Instance.status == "running"))
    for meeting in list(meetings):
        if not unanswered(meeting) and waiting_to_close(meeting):
            close_programme(session, meeting)
            closed += 1
    return closed




def classification_data(session, task: HumanTask) -> dict:
    """The working group's table as saved on the meeting page, kept with its task's completion."""
    meeting = session.scalars(select(MardomSalamMeeting).where(
        MardomSalamMeeting.instance_id == task.instance_id)).first()
    if meeting is None:
        return {}
    return {"classification": [
        {"request": r.id, "tracking_code": r.tracking_code, "kind": r.kind, "category": r.category,
         "owner": r.owner, "deadline": r.deadline.isoformat() if r.deadline else None}
        for r in meeting.requests]}
