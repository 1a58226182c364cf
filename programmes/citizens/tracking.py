"""What a citizen sees of their request: its timeline, its state, and their satisfaction answer.

The timeline is read from the instance's event log and says only what the citizen may know:
steps by name (received, referred, answered...), the answers given to them, never staff names
or internal notes. The state is what Open311 calls status, status_notes and expected_datetime.
Every filing has one from the moment its code is issued, whoever registered it: a 137 message,
complaint or meeting request (CitizenRequest, kept by requests.keep_citizen_request) and a
Mardom Salam service-desk item (its MardomSalamRequest row: desk_* below), each opened with the
code and the last four digits of the citizen's mobile (or the follow-up key of a portal filing).
"""
import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import undefer

from models import CitizenRequest, Event, HumanTask
from models.mardom_salam import MardomSalamRequest
from programmes.messages137.tracking import normalise_tracking_code

from programmes.messages137.automation import ANSWER_MESSAGE, automation_reply
from programmes.messages137.determination import determination_notice, work_done_notice
from programmes.messages137.scores import FEEDBACK_TASK
from programmes.citizens.meetings import meeting_when_and_place
from programmes.citizens.requests import normalise_follow_key, portal_actor
from models.errors import Conflict, InvalidData, NotFound
from engine import complete_task
from workcal.jalali import to_persian_digits

# task spec -> (step, data field holding what the citizen is told)
_COMPLETED_STEPS = {
    "Task_register_message": ("registered", None),
    "Task_executive_reply": ("replied", "reply_text"),
    "Task_confirm_planned_work": ("work_done", None),
    "Task_deputy_followup": ("followed_up", None),
    "Task_manager_followup": ("followed_up", None),
    "Task_inspection_followup": ("followed_up", None),
    "Task_feedback_call": ("feedback", None),
    "Task_field_investigation": ("investigated", None),
    "Task_register_complaint": ("registered", None),
    "Task_examine_service_complaint": ("examined", None),
    "Task_examine_employee_complaint": ("examined", None),
    "Task_announce_result": ("announced", None),
    "Task_register_request": ("registered", None),
    "Task_schedule_meeting": ("scheduled", None),
    "Task_announce_outcome": ("announced", "outcome_summary"),  # told to the citizen
}
# Open311's status_notes: read by citizens in the city's apps, so in Persian (the city's language).
NOTES = {"closed": "بسته شد.", "awaiting_feedback": "پاسخ داده شد؛ منتظر نظر شما درباره پاسخ هستیم.",
         "in_progress": "در حال رسیدگی."}
_ESCALATION_TIMERS = {"Timer_no_reply_72h", "Timer_no_reply_96h"}


@dataclass(frozen=True)
class Step:
    at: datetime
    code: str  # received | registered | answered | referred | replied | escalated | ...
    text: str | None = None  # an answer given to the citizen, shown as they wrote it


def citizen_timeline(session, request: CitizenRequest) -> list[Step]:
    """The steps of the request the citizen may see, oldest first."""
    events = session.scalars(select(Event).where(Event.instance_id == request.instance_id)
                             .order_by(Event.seq)).all()
    steps, so_far = [], {}  # so_far: the answers given up to each event (a complaint's answer)
    district = request.instance.district.name_fa if request.instance.district else ""
    for event in events:
        data = event.data or {}
        if event.type == "instance_started":
            steps.append(Step(event.at, "received"))
        elif event.type == "timer_fired" and event.task_spec in _ESCALATION_TIMERS:
            steps.append(Step(event.at, "escalated"))
        elif event.type == "instance_completed":
            steps.append(Step(event.at, "closed"))
        elif event.type == "task_completed" and event.task_spec in _COMPLETED_STEPS:
            submitted = data.get("data") or {}
            so_far.update(submitted)
            steps.append(_completed_step(event, submitted, so_far, district))
        elif event.type == "message_received" and data.get("name") == ANSWER_MESSAGE:
            # The office automation answered the referral in place of the unit's reply task.
            reply = automation_reply(data.get("payload"))
            so_far.update(reply)
            steps.append(_reply_step(event.at, reply))
    return steps


def _reply_step(at, reply: dict) -> Step:
    if reply.get("reply_kind") == "scheduled":
        return Step(at, "planned", determination_notice(
            reply.get("planned_work"), reply.get("planned_date"), reply.get("reply_text")))
    return Step(at, "replied", reply.get("reply_text"))


def _completed_step(event, submitted: dict, so_far: dict, district: str = "") -> Step:
    code, field = _COMPLETED_STEPS[event.task_spec]
    if event.task_spec == "Task_register_message":
        if submitted.get("outcome") == "answered":
            return Step(event.at, "answered", submitted.get("on_spot_answer"))
        return Step(event.at, "referred")
    if event.task_spec == "Task_feedback_call":
        said = submitted.get("satisfied")
        return Step(event.at, {"yes": "satisfied", "unreachable": "unreachable"}.get(said, "not_satisfied"))
    if event.task_spec == "Task_executive_reply" and submitted.get("reply_kind") == "scheduled":
        return _reply_step(event.at, submitted)
    if event.task_spec == "Task_confirm_planned_work":
        if submitted.get("work_status") == "new_date":
            return Step(event.at, "planned", determination_notice(
                so_far.get("planned_work"), submitted.get("planned_date"), submitted.get("work_note")))
        return Step(event.at, code, work_done_notice(so_far.get("planned_work"), submitted.get("work_note")))
    if event.task_spec == "Task_examine_service_complaint" or \
            event.task_spec == "Task_examine_employee_complaint":
        return Step(event.at, code)
    if event.task_spec == "Task_announce_result":  # the answer the review approved
        return Step(event.at, "answered", so_far.get("answer_text") or None)
    if event.task_spec == "Task_schedule_meeting":
        scheduled = meeting_when_and_place(so_far, district)
        return Step(event.at, code, to_persian_digits(
            f"{scheduled[0]}، {scheduled[1]}") if scheduled else None)
    return Step(event.at, code, submitted.get(field) if field else None)


def request_state(session, request: CitizenRequest) -> dict:
    """status (open|closed), status_notes, expected_at, updated_at and answer of a request."""
    return request_states(session, [request])[request.id]


def request_states(session, requests) -> dict[int, dict]:
    """request_state of many requests, with one query for all their open tasks (Open311 lists)."""
    open_tasks: dict[int, list[HumanTask]] = {}
    instance_ids = [request.instance_id for request in requests]
    for start in range(0, len(instance_ids), 500):  # bound the IN list
        for task in session.scalars(select(HumanTask).where(
                HumanTask.instance_id.in_(instance_ids[start:start + 500]),
                HumanTask.status == "ready")):
            open_tasks.setdefault(task.instance_id, []).append(task)
    return {request.id: _state(request.instance, open_tasks.get(request.instance_id, []))
            for request in requests}


def _state(instance, open_tasks) -> dict:
    data = instance.data or {}
    due = [task.due_at for task in open_tasks if task.due_at is not None]
    answer = data.get("on_spot_answer") or data.get("reply_text") or (
        data.get("answer_text") if instance.status == "completed" else None)  # a complaint's, once announced
    if instance.status == "completed":
        status, notes = "closed", answer or NOTES["closed"]
    else:
        status = "open"
        notes = NOTES["awaiting_feedback"] if any(
            t.task_spec == FEEDBACK_TASK for t in open_tasks) else NOTES["in_progress"]
    return {"status": status, "status_notes": notes, "expected_at": min(due) if due else None,
            "updated_at": instance.updated_at, "answer": answer}


def satisfaction_request(session, token: str) -> CitizenRequest:
    """The request whose satisfaction link this is, or NotFound."""
    request = session.scalars(select(CitizenRequest).where(
        CitizenRequest.satisfaction_token == str(token or ""))).first() if token else None
    if request is None:
        raise NotFound("This link is not valid.")
    return request


def open_feedback_task(session, request: CitizenRequest) -> HumanTask | None:
    """The feedback call waiting for the citizen's answer, if there is one."""
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == request.instance_id, HumanTask.task_spec == FEEDBACK_TASK,
        HumanTask.status == "ready")).first()


def answer_satisfaction(session, token: str, satisfied, note: str = "") -> CitizenRequest:
    """Record the citizen's own answer to the feedback call; "no" sends it to the follow-up unit."""
    request = satisfaction_request(session, token)
    if satisfied not in ("yes", "no"):
        raise InvalidData("Say whether the answer satisfied you.",
                          {"satisfied": "Choose yes or no."})
    task = open_feedback_task(session, request)
    if task is None or request.satisfaction_answered:
        raise Conflict("Your answer to this request has already been recorded.")
    complete_task(session, task.id, portal_actor(session),  # the citizen holds no role: checked above
                  {"satisfied": satisfied, "feedback_note": (note or "").strip()[:4000]},
                  access_checked=True)
    request.satisfaction_answered = True
    session.flush()
    return request


def request_of_instance(session, instance_id: int, with_photo: bool = False) -> CitizenRequest | None:
    """What a citizen filed to start this instance, if it came from outside."""
    query = select(CitizenRequest).where(CitizenRequest.instance_id == instance_id)
    if with_photo:
        query = query.options(undefer(CitizenRequest.photo))
    return session.scalars(query).first()


# ------------------------------------------------------------------ Mardom Salam desk items

def desk_item_by_code(session, code_text) -> MardomSalamRequest | None:
    """The service-desk item a typed code (120-…) names, or None."""
    code = normalise_tracking_code(code_text)
    if code is None:
        return None
    return session.scalars(select(MardomSalamRequest).where(
        MardomSalamRequest.tracking_code == code, MardomSalamRequest.kind == "desk")).first()


def find_followed_desk_item(session, code_text, secret_text) -> MardomSalamRequest | None:
    """The desk item when its code and the last four digits of the citizen's mobile match."""
    item = desk_item_by_code(session, code_text)
    secret, phone = normalise_follow_key(secret_text), (item.citizen_phone or "") if item else ""
    if item is None or len(secret) != 4 or len(phone) < 4 or not hmac.compare_digest(secret, phone[-4:]):
        return None
    return item


def desk_timeline(item: MardomSalamRequest) -> list[Step]:
    """What happened to a desk item: written at the meeting, coded on the desk, answered."""
    steps = [Step(item.created_at, "received_at_meeting"), Step(item.created_at, "desk_registered")]
    if item.answered_at is not None:
        steps += [Step(item.answered_at, "answered", item.answer), Step(item.answered_at, "closed")]
    return steps


def desk_state(item: MardomSalamRequest) -> dict:
    """request_state of a desk item: its answer, and the deadline the working group set."""
    from datetime import time
    from workcal.jalali import utc_of
    closed = item.answered_at is not None
    expected = utc_of(item.deadline, time(14, 30)) if item.deadline and not closed else None
    return {"status": "closed" if closed else "open",
            "status_notes": item.answer if closed else NOTES["in_progress"],
            "expected_at": expected, "updated_at": item.answered_at or item.created_at,
            "answer": item.answer}
