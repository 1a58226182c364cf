"""Determination of a 137 message (Qom, source 004): what the 24/48/72 hours buy is a decision
reported to the citizen: the message is resolved, or the executive unit says what it will do
and by when (asphalt, signage, curbs, park works, Article 100 cases take longer). The diagram
composes the citizen's notice with these script helpers and keeps the message open until the
planned date (processes/citizen_message_137.bpmn, SubProcess_planned_work).
"""
from datetime import date, datetime, timedelta

from workcal.jalali import format_solar_date, to_persian_digits, utc_of
from workcal.store import active_calendar


def _day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip()[:10])


def end_of_day(day) -> datetime:
    """The end of a day (ISO date) in the running district's time zone: when a planned date is over."""
    tz = active_calendar().tz
    return utc_of(_day(day) + timedelta(days=1), tz=tz).astimezone(tz)


def determination_notice(planned_work, planned_date, reply_text=None) -> str:
    """The citizen's notice of a determination: the reply, what will be done and by which Solar Hijri date."""
    parts = [str(reply_text).strip()] if reply_text and str(reply_text).strip() else []
    work = str(planned_work or "").strip()
    parts.append(f"اقدام تعیین‌شده: {work}" if work else "اقدام لازم تعیین شد")
    parts.append(f"تاریخ انجام: {to_persian_digits(format_solar_date(_day(planned_date)))}")
    return "؛ ".join(parts) + "."


def work_done_notice(planned_work, work_note=None) -> str:
    """The answer the feedback call reports once the planned work is done."""
    work = str(planned_work or "").strip()
    note = str(work_note or "").strip()
    text = f"اقدام تعیین‌شده انجام شد: {work}" if work else "اقدام تعیین‌شده انجام شد"
    return f"{text}. {note}" if note else text + "."


SCRIPT_HELPERS = {"end_of_day": end_of_day, "determination_notice": determination_notice,
                  "work_done_notice": work_done_notice}
