"""Working time on the Iranian calendar: pure functions over a WorkingCalendar (no database).

A day's working time is a list of intervals in the calendar's time zone (Tehran):
1. a day an administrator declared working (a holiday moved or removed) has the hours of that
   entry, or the normal full-day hours;
2. otherwise an official holiday has none;
3. otherwise the week's hours for its weekday (Friday none, Thursday as configured);
then every closure of that day (whole day, or from/until a time) is cut out.

Arithmetic is done in UTC, so that the historical DST of Iran (before 2022) cannot bend it;
results are aware datetimes in the calendar's zone. Naive datetimes are read as UTC, the
convention of the whole database.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Mapping

from workcal.jalali import TEHRAN, to_ascii_digits

WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # Python's weekday() order
THURSDAY = 3
THURSDAY_MODES = ("off", "half", "full")
CLOSURE, WORKING_DAY = "closure", "working_day"
CALENDAR_KINDS = (CLOSURE, WORKING_DAY)
MAX_SCAN_DAYS = 3660  # a calendar without working time would otherwise be searched forever

Hours = tuple[time, time]
Interval = tuple[datetime, datetime]  # aware UTC, start < end


@dataclass(frozen=True)
class DayEntry:
    """An administrator's entry: a closure, or a day declared working; whole or from/until a time."""
    day: date
    kind: str                    # CLOSURE | WORKING_DAY
    start: time | None = None    # None: from the start of the day (closure) / normal hours
    end: time | None = None      # None: until the end of the day (closure) / normal hours
    note: str = ""


@dataclass
class WorkingCalendar:
    """A city's working week and hours, its official holidays and the administrators' entries."""
    week: Mapping[int, Hours]                       # weekday() -> working hours; absent: day off
    holidays: Mapping[date, str] = field(default_factory=dict)  # official holidays and names
    entries: tuple[DayEntry, ...] = ()
    tz: tzinfo = TEHRAN
    full_day: Hours = (time(7, 30), time(14, 30))   # hours of a day declared working
    _by_day: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        self._by_day = {}
        for entry in self.entries:
            self._by_day.setdefault(entry.day, []).append(entry)

    def entries_on(self, day: date) -> list[DayEntry]:
        """The administrators' entries of one day."""
        return self._by_day.get(day, [])

    def holiday_name(self, day: date) -> str | None:
        """The official holiday's name, or None."""
        return self.holidays.get(day)


# ---------------------------------------------------------------- settings

def parse_clock_time(text: str) -> time:
    """ "07:30" (Latin or Persian digits) as a time; ValueError otherwise."""
    return time.fromisoformat(to_ascii_digits(text).strip())


def parse_hours(text: str) -> Hours:
    """ "07:30-14:30" as (start, end); ValueError if it is not a range within one day."""
    parts = str(text).replace("–", "-").split("-")
    if len(parts) != 2:
        raise ValueError(f"working hours must look like 07:30-14:30, not {text!r}")
    start, end = (parse_clock_time(p) for p in parts)
    if start >= end:
        raise ValueError(f"working hours must end after they start: {text!r}")
    return start, end


def parse_week(text: str) -> set[int]:
    """ "sat,sun,mon,tue,wed" (commas or spaces) as weekday() numbers."""
    days = set()
    for code in str(text).replace(",", " ").lower().split():
        if code[:3] not in WEEKDAY_CODES:
            raise ValueError(f"unknown weekday {code!r}; use {', '.join(WEEKDAY_CODES)}")
        days.add(WEEKDAY_CODES.index(code[:3]))
    return days


def build_week(work_week: str, work_hours: str, thursday: str, thursday_hours: str) -> dict[int, Hours]:
    """The week from the settings WORK_WEEK, WORK_HOURS, WORK_THURSDAY and WORK_THURSDAY_HOURS."""
    days, hours = parse_week(work_week), parse_hours(work_hours)
    if THURSDAY in days:
        raise ValueError("leave thu out of WORK_WEEK and set WORK_THURSDAY to off, half or full")
    if thursday not in THURSDAY_MODES:
        raise ValueError(f"WORK_THURSDAY must be one of {', '.join(THURSDAY_MODES)}, not {thursday!r}")
    week = {day: hours for day in days}
    if thursday == "full":
        week[THURSDAY] = hours
    elif thursday == "half":
        week[THURSDAY] = parse_hours(thursday_hours)
    return week


# ---------------------------------------------------------------- moments and days

def to_utc(moment) -> datetime:
    """A datetime or ISO 8601 text as aware UTC (naive means UTC)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.strip())
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a date and time, not {type(moment).__name__}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _local_date(cal: WorkingCalendar, moment: datetime) -> date:
    return moment.astimezone(cal.tz).date()


def _at(cal: WorkingCalendar, day: date, clock: time | None, end_of_day: bool = False) -> datetime:
    """Local wall time on a day as aware UTC; clock None: midnight (or the next midnight)."""
    if clock is None:
        local = datetime.combine(day + timedelta(days=1) if end_of_day else day, time(0), cal.tz)
    else:
        local = datetime.combine(day, clock, cal.tz)
    return local.astimezone(timezone.utc)


def _subtract(intervals: list[Interval], cut: Interval) -> list[Interval]:
    out = []
    for a, b in intervals:
        if cut[1] <= a or cut[0] >= b:
            out.append((a, b))
            continue
        if a < cut[0]:
            out.append((a, cut[0]))
        if cut[1] < b:
            out.append((cut[1], b))
    return out


def day_intervals(cal: WorkingCalendar, day: date) -> list[Interval]:
    """The working time of one local day, as sorted (start, end) pairs in aware UTC."""
    entries = cal.entries_on(day)
    declared = [e for e in entries if e.kind == WORKING_DAY]
    if declared:
        hours = [(e.start or cal.full_day[0], e.end or cal.full_day[1]) for e in declared]
    elif day in cal.holidays:
        hours = []
    else:
        hours = [cal.week[day.weekday()]] if day.weekday() in cal.week else []
    intervals = sorted((_at(cal, day, s), _at(cal, day, e)) for s, e in hours if s < e)
    merged: list[Interval] = []
    for a, b in intervals:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    for entry in entries:
        if entry.kind == CLOSURE:
            merged = _subtract(merged, (_at(cal, day, entry.start), _at(cal, day, entry.end, True)))
    return merged


def is_working_day(cal: WorkingCalendar, day: date) -> bool:
    """True if the day has any working time."""
    return bool(day_intervals(cal, day))


def _days_from(cal: WorkingCalendar, day: date):
    for offset in range(MAX_SCAN_DAYS):
        yield day + timedelta(days=offset)
    raise ValueError(f"the calendar has no working time within {MAX_SCAN_DAYS} days")


def next_working_moment(cal: WorkingCalendar, moment) -> datetime:
    """The moment itself if it is working time, else the start of the next working time."""
    return add_working_hours(cal, moment, 0)


def add_working_hours(cal: WorkingCalendar, start, hours: float) -> datetime:
    """The moment `hours` of working time after start (counting from the next working moment).

    A count that ends exactly at a closing time ends there (07:30 + 7 h = 14:30 the same day).
    """
    start = to_utc(start)
    if hours < 0:
        raise ValueError("hours must not be negative")
    remaining = timedelta(hours=hours)
    for day in _days_from(cal, _local_date(cal, start)):
        for a, b in day_intervals(cal, day):
            if b <= start:
                continue
            a = max(a, start)
            if remaining <= b - a:
                return (a + remaining).astimezone(cal.tz)
            remaining -= b - a
    raise AssertionError("unreachable")


def add_working_days(cal: WorkingCalendar, start, days: int) -> datetime:
    """The same working time of day on the `days`-th working day after start.

    Start outside working time counts from the next working moment (a complaint filed on a
    Friday counts from Saturday's opening). If the target day's working time is over by that
    time of day (a half-day Thursday), the end of its working time.
    """
    if days < 0 or int(days) != days:
        raise ValueError("days must be a whole number, not negative")
    begin = next_working_moment(cal, start)
    if days == 0:
        return begin
    local = begin.astimezone(cal.tz)
    counted, target_day = 0, local.date()
    for day in _days_from(cal, local.date() + timedelta(days=1)):
        if is_working_day(cal, day):
            counted += 1
            if counted == int(days):
                target_day = day
                break
    target = _at(cal, target_day, local.time().replace(tzinfo=None))
    intervals = day_intervals(cal, target_day)
    for a, b in intervals:
        if target < b:
            return max(a, target).astimezone(cal.tz)
    return intervals[-1][1].astimezone(cal.tz)


def working_days_before(cal: WorkingCalendar, moment, days: int) -> datetime:
    """The close of the `days`-th working day before the local day of moment (days >= 1): a
    duty due five working days before Tuesday evening's meeting is due at the close of the
    Tuesday a week earlier (Thursday and Friday off)."""
    if days < 1 or int(days) != days:
        raise ValueError("days must be a whole number, 1 or more")
    day, counted = _local_date(cal, to_utc(moment)), 0
    for _ in range(MAX_SCAN_DAYS):
        day -= timedelta(days=1)
        intervals = day_intervals(cal, day)
        if intervals:
            counted += 1
            if counted == int(days):
                return intervals[-1][1].astimezone(cal.tz)
    raise ValueError(f"the calendar has no working time within {MAX_SCAN_DAYS} days")


def working_hours_between(cal: WorkingCalendar, a, b) -> float:
    """Hours of working time from a to b (negative if b is before a)."""
    a, b = to_utc(a), to_utc(b)
    if b < a:
        return -working_hours_between(cal, b, a)
    total, day = timedelta(), _local_date(cal, a)
    while day <= _local_date(cal, b):
        for start, end in day_intervals(cal, day):
            overlap = min(end, b) - max(start, a)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return total.total_seconds() / 3600

