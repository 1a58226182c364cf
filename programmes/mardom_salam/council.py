"""The Mardom Salam programme's scheduled work (programmes/mardom_salam/schedule.py): the next meeting, the
monthly policy council, closing the programmes whose requests are all answered."""
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import select

from engine import start_instance_for
from models import District, clock
from models.mardom_salam import MardomSalamCouncil, MardomSalamMeeting
from models.unique_writes import write_once

from programmes.mardom_salam.schedule import (COUNCIL_KEY, DEFAULT_DEADLINE_DAYS, DEFAULT_DEADLINE_MONTHS,
                                              DEFAULT_FIRST_DATE, DEFAULT_TIME, create_due_meetings_in,
                                              system_actor)
from programmes.mardom_salam.requests import close_answered_programmes, unanswered
from workcal.jalali import format_solar_date, to_persian_digits, format_solar_month, local_date, solar_month_of
from workcal.store import zone_of


def solar_month(moment: datetime, tz: tzinfo | None = None) -> str:
    """The Solar Hijri month (1405/09) of a moment (naive means UTC) in the zone tz."""
    return format_solar_month(*solar_month_of(local_date(moment, tz)))


def programme_status_text(session) -> str:
    lines = []
    for meeting in session.scalars(select(MardomSalamMeeting).order_by(MardomSalamMeeting.meeting_date)):
        left = len(unanswered(meeting))
        lines.append(to_persian_digits(f"{format_solar_date(meeting.meeting_date)} {meeting.district.name_fa}: "
                                       f"{len(meeting.requests)} درخواست، {left} بی‌پاسخ"))
    return "\n".join(lines) or "دیداری ثبت نشده است."


def start_due_council(session, now: datetime | None = None) -> MardomSalamCouncil | None:
    """The policy council of the current Solar Hijri month, once."""
    month = solar_month(now or clock.now(), zone_of(session))
    if session.scalar(select(MardomSalamCouncil.id).where(MardomSalamCouncil.month == month)):
        return None
    district = session.scalars(select(District).order_by(District.code)).first()
    if district is None:
        return None
    council = MardomSalamCouncil(month=month)

    def _insert():
        session.add(council)
        session.flush()
        return council
    # Another scheduler starting this month's council first (month is unique): a no-op.
    if write_once(session, _insert) is None:
        return None
    instance = start_instance_for(
        session, COUNCIL_KEY, system_actor(session), district,
        {"council_month": month, "programme_status_text": programme_status_text(session)},
        title=f"شورای سیاست‌گذاری مردم سلام {to_persian_digits(month)}")
    council.instance_id = instance.id
    session.flush()
    return council


@dataclass
class JobResult:
    meetings: int = 0
    councils: int = 0
    closed: int = 0


def run_meeting_schedule(session, now=None, first_date=DEFAULT_FIRST_DATE, time_of_day=DEFAULT_TIME,
                         district_codes=None, deadline_days=None, council: bool = True,
                         deadline_months=None) -> JobResult:
    """The scheduler's work: the next meeting (once per date), this month's policy council
    (once), and closing the programmes whose requests are all answered. Never commits."""
    result = JobResult()
    result.meetings = len(create_due_meetings_in(session, now, first_date, time_of_day,
                                                 district_codes, deadline_days, deadline_months))
    if council:
        result.councils = 1 if start_due_council(session, now) else 0
    result.closed = close_answered_programmes(session)
    return result


def parse_district_codes(text) -> list[str] | None:
    codes = [c.strip() for c in str(text or "").split(",") if c.strip()]
    return codes or None


def _counts_of(text, defaults: dict, setting: str) -> dict:
    """"key=N,key=N" -> defaults updated (keys of defaults only, N a whole number 1 or more)."""
    out = dict(defaults)
    for part in (p.strip() for p in str(text or "").split(",") if p.strip()):
        key, _, value = part.partition("=")
        if key.strip() not in out or not value.strip().isdigit() or int(value) <= 0:
            raise ValueError(f"{setting}: {part!r} (keys: {', '.join(defaults)})")
        out[key.strip()] = int(value)
    return out


def deadline_days_of(text) -> dict:
    """"proposal=5,classify=5,letter=5" (working days) -> dict (missing keys: the defaults)."""
    return _counts_of(text, DEFAULT_DEADLINE_DAYS, "MARDOM_SALAM_DEADLINE_DAYS")


def deadline_months_of(text) -> dict:
    """"progress=1,results=3" (Solar Hijri months) -> dict (missing keys: the defaults)."""
    return _counts_of(text, DEFAULT_DEADLINE_MONTHS, "MARDOM_SALAM_DEADLINE_MONTHS")
