"""Working-time helpers for diagrams (scripts, timer expressions) and user-task due dates.

They count on the active calendar (workcal.store: the instance's district while the
runtime runs it) and the settable clock (models.clock). They take datetimes or ISO 8601 text
(naive = UTC) and return aware datetimes in Tehran time, which a timer expression may return
as they are: `add_working_days(now(), 10)` in a timeDate (or timeDuration) is a due moment.
"""
import re
from datetime import datetime, timedelta

from models import clock

from workcal import calendar as wc
from workcal import jalali
from workcal.store import active_calendar

# Extension properties of a user task that set its due date, the first one present wins.
DUE_PROPERTIES = ("dueInWorkingDays", "dueInWorkingHours", "dueInHours")


def _number(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if number < 0:
        raise ValueError(f"{what} must not be negative")
    return number


def now() -> datetime:
    """The current moment (the settable clock) in the calendar's time zone."""
    return clock.now().astimezone(active_calendar().tz)


def add_working_hours(start, hours) -> datetime:
    """The moment `hours` of working time after start."""
    return wc.add_working_hours(active_calendar(), start, _number(hours, "hours"))


def add_working_days(start, days) -> datetime:
    """The same working time of day, `days` working days after start."""
    number = _number(days, "days")
    if number != int(number):
        raise ValueError(f"days must be a whole number, not {days!r}")
    return wc.add_working_days(active_calendar(), start, int(number))


def working_hours_between(a, b) -> float:
    """Hours of working time from a to b."""
    return wc.working_hours_between(active_calendar(), a, b)


def is_working_day(moment=None) -> bool:
    """True if the local day of a moment (default: now) has working time."""
    cal = active_calendar()
    local = wc.to_utc(moment if moment is not None else clock.now()).astimezone(cal.tz)
    return wc.is_working_day(cal, local.date())


def working_days_before(moment, days) -> datetime:
    """The close of the `days`-th working day before moment's day (a duty due before a meeting)."""
    number = _number(days, "days")
    if number != int(number) or number < 1:
        raise ValueError(f"days must be a whole number, 1 or more, not {days!r}")
    return wc.working_days_before(active_calendar(), moment, int(number))


def add_jalali_months(moment, months) -> datetime:
    """The same local time, `months` Solar Hijri calendar months after moment (15 Mehr + 3 =
    15 Dey; a day the month lacks becomes its last)."""
    number = _number(months, "months")
    if number != int(number):
        raise ValueError(f"months must be a whole number, not {months!r}")
    local = wc.to_utc(moment).astimezone(active_calendar().tz)
    return jalali.add_jalali_months(local, int(number))


# A repeating timer counted in working days: "R/WD2" (every 2 working days), "R3/WD2" (3 times).
# Not ISO 8601 (which has no working days): only a timeCycle reads it (engine.spiff.timer_events).
_WORKING_CYCLE = re.compile(r"^R(\d*)/WD([1-9]\d*)$")


def every_working_days(days, times=None) -> str:
    """A timeCycle that fires every `days` working days of the instance's calendar (the first
    `days` working days from when the timer starts waiting), `times` times or without end."""
    number = _number(days, "days")
    if number != int(number) or number < 1:
        raise ValueError(f"days must be a whole number, 1 or more, not {days!r}")
    if times is not None:
        count = _number(times, "times")
        if count != int(count) or count < 1:
            raise ValueError(f"times must be a whole number, 1 or more, not {times!r}")
    return f"R{'' if times is None else int(times)}/WD{int(number)}"


def working_cycle(text) -> tuple[int, int] | None:
    """(times, -1 for no end; working days between firings) of a working-days cycle text, or
    None when the text is not one."""
    found = _WORKING_CYCLE.match(text.strip().upper()) if isinstance(text, str) else None
    if found is None:
        return None
    return (int(found.group(1)) if found.group(1) else -1), int(found.group(2))


# Whitelisted in the sandbox for every script and expression (engine/spiff/sandbox.py).
WORKING_TIME_HELPERS = {"now": now, "add_working_hours": add_working_hours,
                        "every_working_days": every_working_days,
                        "add_working_days": add_working_days,
                        "working_hours_between": working_hours_between,
                        "is_working_day": is_working_day,
                        "working_days_before": working_days_before,
                        "add_jalali_months": add_jalali_months}


def due_properties(properties: dict) -> dict[str, float]:
    """The due-date properties a user task carries, as numbers (refusing bad values)."""
    out = {}
    for name in DUE_PROPERTIES:
        value = properties.get(name)
        if value not in (None, ""):
            out[name] = _number(value, name)
    return out


def task_due_at(start: datetime, due: dict[str, float]) -> datetime | None:
    """The due moment (naive UTC) of a task that became ready at start (naive UTC)."""
    if "dueInWorkingDays" in due:
        moment = add_working_days(start, due["dueInWorkingDays"])
    elif "dueInWorkingHours" in due:
        moment = add_working_hours(start, due["dueInWorkingHours"])
    elif "dueInHours" in due:
        return start + timedelta(hours=due["dueInHours"])
    else:
        return None
    return wc.to_utc(moment).replace(tzinfo=None)
