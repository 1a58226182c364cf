"""Mardom Salam, the mayor's mosque meetings (MISSION.md, source 001; processes/mardom_salam.bpmn).

Schedule. A meeting every second Tuesday after the evening prayer: the fortnight is anchored on
`first_date` (a Tuesday), the time of day is `time_of_day` (the city's time zone, TIMEZONE). `create_due_meetings_in`
makes the meeting of the next date of the series (today included) once: `meeting_date` is
unique, so running it again (or from two workers) creates nothing more. The districts take
turns in code order (or the configured list). Each meeting starts the programme (an instance
of `mardom_salam`) in its district. The briefing shows the district's 137 figures of the last
`FIGURES_DAYS` days (programmes.messages137.scores) read-only, computed when its page is opened and
again when it is completed (engine hooks shown_data), so they are those of the day it is
written; nobody types them.

Requests. Each request written at the meeting becomes a 137 message (`citizen_message_137`,
channel `mardom_salam`) with its tracking code, and the citizen gets it by SMS at once (a
`citizen_requests` row with channel `mardom_salam`, so they follow it by their phone digits
and answer its satisfaction check like any other message). What the 137 cycle cannot take is
kept as a desk item; the mayor's special follow-up officer registers it on the service desk
the next working day (`Task_desk_registration`), which issues its code (prefix DESK_PREFIX)
and sends it by SMS.

Deadlines. Every one counts from the meeting's scheduled moment (`meeting_at`), never from when
someone marked it held, which cannot be done before the meeting's day (`check_meeting_held`, a
completion check): the mosque proposal is due DEFAULT_DEADLINE_DAYS["proposal"] working days
before the meeting (the first one too), the post-meeting duties are in the diagram's script.

Closing. After the meeting the programme runs its duties in parallel (desk registration,
classification, letter, progress report, results session, each escalated when its timer
passes) and, on one more branch, waits for the message `mardom_salam_all_answered`: the
instance cannot complete without it. Only `close_programme` sends it, and only when no task
of the programme is open and every request is answered: each linked 137 instance completed,
each desk item coded and answered.
"""
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import select

from engine import start_instance_for
from models import District, User, clock
from models.errors import InvalidData
from models.mardom_salam import MardomSalamMeeting
from models.unique_writes import write_once
from people.accounts import service_account
from workcal import jalali
from workcal.store import zone_of


from programmes.messages137.scores import district_scores

PROCESS_KEY = "mardom_salam"
COUNCIL_KEY = "mardom_salam_council"
MESSAGE_KEY = "citizen_message_137"
CHANNEL = "mardom_salam"
CLOSING_MESSAGE = "mardom_salam_all_answered"
DESK_PREFIX = "120"
SYSTEM_USERNAME = "mardom-salam"
DEFAULT_FIRST_DATE = "2026-11-24"   # a Tuesday (1405/09/03)
DEFAULT_TIME = "19:30"
FIGURES_DAYS = 30
BRIEFING_FORM = "mardom_salam_briefing"
# Deadlines counted from the meeting as scheduled (`meeting_at`), never from when it was marked
# held: the mosque proposal so many working days BEFORE it; the working group's table and the
# council letter within one week after it (five working days); the progress report and the
# results in the same mosque within one and three months, Solar Hijri calendar months
# (15 Mehr -> 15 Dey; workcal.jalali.add_jalali_months).
DEFAULT_DEADLINE_DAYS = {"proposal": 5, "classify": 5, "letter": 5}
DEFAULT_DEADLINE_MONTHS = {"progress": 1, "results": 3}
HELD_FORM = "mardom_salam_meeting_held"
CATEGORIES = ("service", "technical", "urban_planning")


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


def meeting_starts_at(day: date, time_of_day: time, tz: tzinfo | None = None) -> datetime:
    """Naive UTC of the meeting's local time on its day (tz: the city's, Asia/Tehran by default)."""
    return jalali.utc_of(day, time_of_day, tz)


def meeting_page_of(session, task) -> tuple[str, dict]:
    """(endpoint, url values) of the meeting page where this task of a programme is done."""
    meeting_id = session.scalar(select(MardomSalamMeeting.id).where(
        MardomSalamMeeting.instance_id == task.instance_id))
    return "mardom_salam.meeting", {"meeting_id": meeting_id}


# The working group's table and the desk's codes are saved by the meeting page's actions.
TASKS_ON_MEETING_PAGE = ("Task_classify_requests", "Task_desk_registration")


def system_actor(session) -> User:
    """The account the scheduler starts programmes as (no password, cannot log in)."""
    return service_account(session, SYSTEM_USERNAME, "برنامه مردم سلام")


def briefing_figures(session, district_id: int, now: datetime | None = None,
                     days: int = FIGURES_DAYS) -> dict:
    """The district's 137 figures over the last `days` days (programmes.messages137.scores)."""
    moment = (now or clock.now())
    today = jalali.local_date(moment, zone_of(session))
    start = today - timedelta(days=days - 1)
    [score] = district_scores(session, start, today, now=moment, district_id=district_id)
    return {"period": f"{jalali.format_solar_date(start)} – {jalali.format_solar_date(today)}",
            "received": score.received,
            "answered_on_spot": score.answered_on_spot, "answered_on_time": score.answered_on_time,
            "answered_late": score.answered_late, "open": score.open,
            "open_overdue": score.open_overdue, "closed": score.closed,
            "median_hours_to_close": score.median_hours_to_close,
            "satisfied": score.satisfied, "feedback_calls": score.feedback_calls,
            "score": score.score}


def figures_text(figures: dict) -> str:
    """The district's 137 figures as a Persian sentence, in Persian digits."""
    return jalali.to_persian_digits(f"دوره {figures['period']}: دریافت {figures['received']}، پاسخ در لحظه "
            f"{figures['answered_on_spot']}، پاسخ به‌موقع {figures['answered_on_time']}، پاسخ با تأخیر "
            f"{figures['answered_late']}، باز {figures['open']} (گذشته از مهلت {figures['open_overdue']})، "
            f"بسته {figures['closed']}، رضایت {figures['satisfied']} از {figures['feedback_calls']}، "
            f"امتیاز {figures['score']}")


def briefing_data(session, task) -> dict:
    """The district's 137 figures as of now: shown on the open briefing, kept when it is done."""
    figures = briefing_figures(session, task.district_id)
    return {"figures_137": figures, "figures_137_text": figures_text(figures)}


def check_meeting_held(session, task) -> None:
    """A meeting is marked held on its day or later, never before: its deadlines count from it."""
    meeting = session.scalars(select(MardomSalamMeeting).where(
        MardomSalamMeeting.instance_id == task.instance_id)).first()
    if meeting is None:
        return
    if jalali.local_date(clock.now(), zone_of(session)) < meeting.meeting_date:
        raise InvalidData("The meeting is on {date}: it can be marked held on that day or later.",
                          date=meeting.meeting_date)


def create_meeting(session, day: date, time_of_day: time, district: District, actor: User,
                   deadline_days: dict | None = None,
                   deadline_months: dict | None = None) -> MardomSalamMeeting:
    """The meeting of a date and its programme (no check that the date is free: see create_due_meetings_in)."""
    tz = zone_of(session)
    starts_at = meeting_starts_at(day, time_of_day, tz)
    meeting = MardomSalamMeeting(meeting_date=day, starts_at=starts_at, district_id=district.id,
                                 district=district)
    session.add(meeting)
    session.flush()
    data = {"meeting_id": meeting.id, "meeting_date": day.isoformat(),
            "meeting_date_fa": f"{jalali.format_solar_date(day)} {time_of_day.strftime('%H:%M')}",
            "meeting_at": datetime.combine(day, time_of_day, tzinfo=tz).isoformat(),
            "deadline_days": {**DEFAULT_DEADLINE_DAYS, **(deadline_days or {})},
            "deadline_months": {**DEFAULT_DEADLINE_MONTHS, **(deadline_months or {})}}
    meeting.instance = start_instance_for(
        session, PROCESS_KEY, actor, district, data,
        title=f"مردم سلام {jalali.to_persian_digits(jalali.format_solar_date(day))} — {district.name_fa}")
    session.flush()
    return meeting


def create_due_meetings_in(session, now: datetime | None = None, first_date=DEFAULT_FIRST_DATE,
                           time_of_day=DEFAULT_TIME, district_codes: list[str] | None = None,
                           deadline_days: dict | None = None,
                           deadline_months: dict | None = None) -> list[MardomSalamMeeting]:
    """Create the meeting of the next date of the series if it does not exist yet."""
    anchor, at = parse_first_date(first_date), parse_time(time_of_day)
    moment = now or clock.now()
    local_now = jalali.local_time(moment, zone_of(session))
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
    # Another scheduler creating the same date's meeting first (meeting_date is unique): a no-op.
    meeting = write_once(session, lambda: create_meeting(session, day, at, district, system_actor(session),
                                                         deadline_days, deadline_months))
    return [meeting] if meeting is not None else []
