"""Mardom Salam, the mayor's mosque meetings (MISSION.md, source 001; processes/mardom_salam.bpmn).

Schedule. A meeting every second Tuesday after the evening prayer: the fortnight is anchored on
`first_date` (a Tuesday), the time of day is `time_of_day` (Tehran). `create_due_meetings_in`
makes the meeting of the next date of the series (today included) once: `meeting_date` is
unique, so running it again (or from two workers) creates nothing more. The districts take
turns in code order (or the configured list). Each meeting starts the programme (an instance
of `mardom_salam`) in its district, with the district's 137 figures of the last
`FIGURES_DAYS` days computed here (engine.message_scores) in its start data: the briefing
shows them read-only, nobody types them.

Requests. Each request written at the meeting becomes a 137 message (`citizen_message_137`,
channel `mardom_salam`) with its tracking code, and the citizen gets it by SMS at once (a
`citizen_requests` row with channel `mardom_salam`, so they follow it by their phone digits
and answer its satisfaction check like any other message). What the 137 cycle cannot take is
kept as a desk item; the mayor's special follow-up officer registers it on the service desk
the next working day (`Task_desk_registration`), which issues its code (prefix DESK_PREFIX)
and sends it by SMS.

Closing. After the meeting the programme runs its duties in parallel (desk registration,
classification, letter, progress report, results session, each escalated when its timer
passes) and, on one more branch, waits for the message `mardom_salam_all_answered`: the
instance cannot complete without it. Only `close_programme` sends it, and only when no task
of the programme is open and every request is answered: each linked 137 instance completed,
each desk item coded and answered. (No parallel join: the engine prunes the history a join
of branches finishing at different steps would need.)
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import jdatetime
from sqlalchemy import select
from sqlalchemy.orm import object_session

from models import CitizenRequest, District, HumanTask, Instance, User, clock
from models.mardom_salam import MardomSalamCouncil, MardomSalamMeeting, MardomSalamRequest
from people import access
from people.accounts import service_account

from . import runtime
from .calendar_store import calendar_for, using_calendar
from .citizen_messages import new_tracking_code
from .citizen_requests import follow_key_hash, new_follow_key, normalise_phone
from .errors import Conflict, Forbidden, InvalidData
from .message_scores import district_scores
from .working_time import add_working_days

PROCESS_KEY = "mardom_salam"
COUNCIL_KEY = "mardom_salam_council"
MESSAGE_KEY = "citizen_message_137"
CHANNEL = "mardom_salam"
CLOSING_MESSAGE = "mardom_salam_all_answered"
DESK_PREFIX = "120"
SYSTEM_USERNAME = "mardom-salam"
TEHRAN = ZoneInfo("Asia/Tehran")
DEFAULT_FIRST_DATE = "2026-11-24"   # a Tuesday (1405/09/03)
DEFAULT_TIME = "19:30"
FIGURES_DAYS = 30
# Post-meeting duties in working days after the meeting (five-day week): one week, one week,
# one month, three months.
DEFAULT_DEADLINE_DAYS = {"classify": 5, "letter": 5, "progress": 22, "results": 66}
CATEGORIES = ("service", "technical", "urban_planning")
# Who enters requests at the meeting (in its district, or city-wide).
REQUEST_ROLES = ("communications_office", "pr_expert", "intake_operator", "district_mayor", "admin")
DESK_ROLES = ("special_followup_officer", "admin")
CLASSIFY_ROLES = ("followup_working_group", "district_mayor", "admin")
CLOSE_ROLES = ("communications_office", "admin")


# ------------------------------------------------------------------ schedule

def parse_first_date(text) -> date:
    """The anchor of the fortnight: ISO date of a Tuesday; ValueError otherwise."""
    day = text if isinstance(text, date) else date.fromisoformat(str(text).strip())
    if day.weekday() != 1:
        raise ValueError(f"MARDOM_SALAM_FIRST_DATE {day.isoformat()} is not a Tuesday")
    return day


def parse_time(text) -> time:
    """"19:30" -> time(19, 30); ValueError otherwise."""
    hours, _, minutes = str(text).strip().partition(":")
    return time(int(hours), int(minutes or 0))


def next_meeting_date(today: date, first_date: date) -> date:
    """The first date of the fortnightly series on or after today (the anchor if it is later)."""
    if today <= first_date:
        return first_date
    fortnights = -(-(today - first_date).days // 14)  # ceiling
    return first_date + timedelta(days=14 * fortnights)


def meeting_starts_at(day: date, time_of_day: time) -> datetime:
    """Naive UTC of the meeting's Tehran time on its day."""
    local = datetime.combine(day, time_of_day, tzinfo=TEHRAN)
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def solar(day: date) -> str:
    return jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d")


def _meeting_page_of(session, task) -> tuple[str, dict]:
    meeting_id = session.scalar(select(MardomSalamMeeting.id).where(
        MardomSalamMeeting.instance_id == task.instance_id))
    return "mardom_salam.meeting", {"meeting_id": meeting_id}


# The working group's table and the desk's codes are saved by the meeting page's actions.
for _spec in ("Task_classify_requests", "Task_desk_registration"):
    runtime.COMPLETED_ELSEWHERE[("mardom_salam", _spec)] = _meeting_page_of


def system_actor(session) -> User:
    """The account the scheduler starts programmes as (no password, cannot log in)."""
    return service_account(session, SYSTEM_USERNAME, "برنامه مردم سلام")


def briefing_figures(session, district_id: int, now: datetime | None = None,
                     days: int = FIGURES_DAYS) -> dict:
    """The district's 137 figures over the last `days` days (engine.message_scores)."""
    moment = (now or clock.now())
    today = moment.astimezone(TEHRAN).date() if moment.tzinfo else \
        moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(TEHRAN).date()
    start = today - timedelta(days=days - 1)
    [score] = district_scores(session, start, today, now=moment, district_id=district_id)
    return {"period": f"{solar(start)} – {solar(today)}", "received": score.received,
            "answered_on_spot": score.answered_on_spot, "answered_on_time": score.answered_on_time,
            "answered_late": score.answered_late, "open": score.open,
            "open_overdue": score.open_overdue, "closed": score.closed,
            "median_hours_to_close": score.median_hours_to_close,
            "satisfied": score.satisfied, "feedback_calls": score.feedback_calls,
            "score": score.score}


def figures_text(figures: dict) -> str:
    return (f"دوره {figures['period']}: دریافت {figures['received']}، پاسخ در لحظه "
            f"{figures['answered_on_spot']}، پاسخ به‌موقع {figures['answered_on_time']}، پاسخ با تأخیر "
            f"{figures['answered_late']}، باز {figures['open']} (گذشته از مهلت {figures['open_overdue']})، "
            f"بسته {figures['closed']}، رضایت {figures['satisfied']} از {figures['feedback_calls']}، "
            f"امتیاز {figures['score']}")


def create_meeting(session, day: date, time_of_day: time, district: District, actor: User,
                   deadline_days: dict | None = None) -> MardomSalamMeeting:
    """The meeting of a date and its programme (no check that the date is free: see create_due_meetings_in)."""
    starts_at = meeting_starts_at(day, time_of_day)
    figures = briefing_figures(session, district.id)
    meeting = MardomSalamMeeting(meeting_date=day, starts_at=starts_at, district_id=district.id,
                                 district=district)
    session.add(meeting)
    session.flush()
    data = {"meeting_id": meeting.id, "meeting_date": day.isoformat(),
            "meeting_date_fa": f"{solar(day)} {time_of_day.strftime('%H:%M')}",
            "meeting_at": datetime.combine(day, time_of_day, tzinfo=TEHRAN).isoformat(),
            "deadline_days": dict(deadline_days or DEFAULT_DEADLINE_DAYS),
            "figures_137": figures, "figures_137_text": figures_text(figures)}
    meeting.instance = runtime.start_instance_for(
        session, PROCESS_KEY, actor, district, data, title=f"مردم سلام {solar(day)} — {district.name_fa}")
    session.flush()
    return meeting


def create_due_meetings_in(session, now: datetime | None = None, first_date=DEFAULT_FIRST_DATE,
                           time_of_day=DEFAULT_TIME, district_codes: list[str] | None = None,
                           deadline_days: dict | None = None) -> list[MardomSalamMeeting]:
    """Create the meeting of the next date of the series if it does not exist yet."""
    anchor, at = parse_first_date(first_date), parse_time(time_of_day)
    moment = now or clock.now()
    local_now = (moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))).astimezone(TEHRAN)
    day = next_meeting_date(local_now.date(), anchor)
    if day == local_now.date() and local_now.time() >= at:
        day += timedelta(days=14)  # today's meeting has begun: the next one
    if session.scalar(select(MardomSalamMeeting.id).where(MardomSalamMeeting.meeting_date == day)):
        return []
    districts = list(session.scalars(select(District).order_by(District.code)))
    if district_codes:
        by_code = {d.code: d for d in districts}
        districts = [by_code[c] for c in district_codes if c in by_code]
    if not districts:
        return []
    district = districts[((day - anchor).days // 14) % len(districts)]
    return [create_meeting(session, day, at, district, system_actor(session), deadline_days)]


# ------------------------------------------------------------------ requests

def _can(user: User, roles, district_id: int) -> bool:
    return any(access.has_role(user, role, district_id) for role in roles)


def register_request(session, meeting: MardomSalamMeeting, user: User, fields: dict) -> MardomSalamRequest:
    """A request written at the meeting: a 137 message with its code by SMS, or a desk item."""
    if not _can(user, REQUEST_ROLES, meeting.district_id):
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
        message = runtime.start_instance_for(session, MESSAGE_KEY, user, meeting.district, data,
                                             title=f"مردم سلام: {description[:80]}")
        request.message_instance_id, request.message = message.id, message
        request.tracking_code = message.tracking_code
        citizen = CitizenRequest(
            instance_id=message.id, instance=message, tracking_code=message.tracking_code,
            service_code=category, channel=CHANNEL, district_id=meeting.district_id,
            description=description, address=location or None, contact_name=name,
            contact_phone=phone, follow_key_sha256=follow_key_hash(new_follow_key()),
            api_token=__import__("secrets").token_urlsafe(24), satisfaction_answered=False)
        session.add(citizen)
        session.flush()
        from .citizen_notices import notice_filed
        notice_filed(session, citizen, "")  # the code by SMS (the phone opens it, no key)
    session.flush()
    return request


def _queue_sms(session, request: MardomSalamRequest, meeting: MardomSalamMeeting) -> None:
    from notifications.outbox import queue_notification
    queue_notification(session, "desk_code_issued", "sms", request.citizen_phone,
                       {"tracking_code": request.tracking_code, "district_name": meeting.district.name_fa},
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
    if not _can(user, DESK_ROLES, meeting.district_id):
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
    runtime.complete_task_for(session, task, user, {"desk_note": note[:2000]})
    return coded


def answer_desk_request(session, request: MardomSalamRequest, user: User, answer: str) -> None:
    """Record the answer given to a desk item (137 messages are answered in their own cycle)."""
    if not _can(user, DESK_ROLES + CLASSIFY_ROLES, request.meeting.district_id):
        raise Forbidden("You may not answer this request.")
    if request.kind != "desk" or not request.tracking_code:
        raise Conflict("Only a desk item with its code is answered here.")
    answer = (answer or "").strip()
    if not answer:
        raise InvalidData("Write the answer.", {"answer": "Write the answer."})
    request.answer, request.answered_at = answer[:4000], clock.utcnow()
    session.flush()


def classify_requests(session, meeting: MardomSalamMeeting, user: User, rows: dict, minutes: str) -> None:
    """The working group's table: category, owner and deadline of every request; then its task."""
    if not _can(user, CLASSIFY_ROLES, meeting.district_id):
        raise Forbidden("Only the follow-up working group classifies the requests.")
    task = ready_task(session, meeting, "Task_classify_requests")
    if task is None:
        raise Conflict("The classification is not open for this meeting.")
    errors = {}
    for request in meeting.requests:
        row = rows.get(request.id) or {}
        owner = str(row.get("owner") or "").strip()
        try:
            deadline = date.fromisoformat(str(row.get("deadline") or "").strip())
        except ValueError:
            deadline = None
        if not owner or deadline is None:
            errors[f"request_{request.id}"] = "Every request needs its owner and deadline."
            continue
        request.owner, request.deadline = owner[:200], deadline
        request.category = str(row.get("category") or request.category or "")[:60] or None
    if errors or not (minutes or "").strip():
        if not (minutes or "").strip():
            errors["working_group_minutes"] = "Write the minutes."
        raise InvalidData("Some fields are not valid.", errors)
    session.flush()
    runtime.complete_task_for(session, task, user, {"working_group_minutes": minutes.strip()[:4000]})


# ------------------------------------------------------------------ state and closing

def request_state(request: MardomSalamRequest) -> str:
    """no_code (a desk item not registered yet), open or closed."""
    if not request.tracking_code:
        return "no_code"
    if request.kind == "137":
        return "closed" if request.message is not None and request.message.status == "completed" else "open"
    return "closed" if request.answered_at is not None else "open"


def unanswered(meeting: MardomSalamMeeting) -> list[MardomSalamRequest]:
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
    from .workflows import load_workflow, waiting_message_names
    return waiting_message_names(load_workflow(instance.state_json, instance.version))


def close_programme(session, meeting: MardomSalamMeeting, user: User | None = None) -> Instance:
    """Close the programme: refused (Conflict) while any request has no answer or no code."""
    if user is not None and not _can(user, CLOSE_ROLES, meeting.district_id):
        raise Forbidden("Only the communications office closes a programme.")
    left = unanswered(meeting)
    if left:
        raise Conflict("{count} request(s) of this meeting have no answer yet.",
                       {"unanswered": [r.tracking_code or r.id for r in left]}, count=len(left))
    if not waiting_to_close(meeting):
        raise Conflict("This programme is not waiting to be closed.")
    actor = user or system_actor(session)
    instance = meeting.instance
    from .events import append_event
    from .workflows import deliver_message, load_workflow
    workflow = load_workflow(instance.state_json, instance.version)
    deliver_message(workflow, CLOSING_MESSAGE, {})
    append_event(session, instance, "message_received", actor=actor,
                 data={"name": CLOSING_MESSAGE, "payload": {}})
    runtime.advance_instance(session, instance, workflow, actor)
    return instance


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


# ------------------------------------------------------------------ the monthly policy council

def solar_month(moment: datetime) -> str:
    local = (moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))).astimezone(TEHRAN)
    day = jdatetime.date.fromgregorian(date=local.date())
    return f"{day.year:04d}/{day.month:02d}"


def programme_status_text(session) -> str:
    lines = []
    for meeting in session.scalars(select(MardomSalamMeeting).order_by(MardomSalamMeeting.meeting_date)):
        left = len(unanswered(meeting))
        lines.append(f"{solar(meeting.meeting_date)} {meeting.district.name_fa}: "
                     f"{len(meeting.requests)} درخواست، {left} بی‌پاسخ")
    return "\n".join(lines) or "دیداری ثبت نشده است."


def start_due_council(session, now: datetime | None = None) -> MardomSalamCouncil | None:
    """The policy council of the current Solar Hijri month, once."""
    month = solar_month(now or clock.now())
    if session.scalar(select(MardomSalamCouncil.id).where(MardomSalamCouncil.month == month)):
        return None
    district = session.scalars(select(District).order_by(District.code)).first()
    if district is None:
        return None
    council = MardomSalamCouncil(month=month)
    session.add(council)
    session.flush()
    instance = runtime.start_instance_for(
        session, COUNCIL_KEY, system_actor(session), district,
        {"council_month": month, "programme_status_text": programme_status_text(session)},
        title=f"شورای سیاست‌گذاری مردم سلام {month}")
    council.instance_id = instance.id
    session.flush()
    return council


@dataclass
class JobResult:
    meetings: int = 0
    councils: int = 0
    closed: int = 0


def run_meeting_schedule(session, now=None, first_date=DEFAULT_FIRST_DATE, time_of_day=DEFAULT_TIME,
                         district_codes=None, deadline_days=None, council: bool = True) -> JobResult:
    """The scheduler's work: the next meeting (once per date), this month's policy council
    (once), and closing the programmes whose requests are all answered. Never commits."""
    result = JobResult()
    result.meetings = len(create_due_meetings_in(session, now, first_date, time_of_day,
                                                 district_codes, deadline_days))
    if council:
        result.councils = 1 if start_due_council(session, now) else 0
    result.closed = close_answered_programmes(session)
    return result


def parse_district_codes(text) -> list[str] | None:
    codes = [c.strip() for c in str(text or "").split(",") if c.strip()]
    return codes or None


def deadline_days_of(text) -> dict:
    """"classify=5,letter=5,progress=22,results=66" -> dict (missing keys: the defaults)."""
    out = dict(DEFAULT_DEADLINE_DAYS)
    for part in (p.strip() for p in str(text or "").split(",") if p.strip()):
        key, _, value = part.partition("=")
        if key.strip() not in out or not value.strip().isdigit() or int(value) <= 0:
            raise ValueError(f"MARDOM_SALAM_DEADLINE_DAYS: {part!r}")
        out[key.strip()] = int(value)
    return out
