"""The city's working calendar: settings, official holidays and the administrators' entries.

calendar_for(session, district_id) builds a WorkingCalendar from the settings (WORK_WEEK,
WORK_HOURS, WORK_THURSDAY, WORK_THURSDAY_HOURS, TIMEZONE), the official holidays of Iran
(`holidays` package, Persian names) and the calendar_days rows of the city and that district.
Calendars are cached per district for CACHE_SECONDS; an administrator's change empties the
cache of this process at once (and after its commit) and bumps the `calendar` counter of
cache_versions in its transaction: every process (another gunicorn worker, another node, a
scheduler) reads that counter once per transaction that needs a calendar and empties its cache
when it moved, so the change is seen there on the next request.

Scripts, timers and task due dates use the active calendar: the one the runtime sets for the
instance being run (using_calendar), else the settings and holidays alone.
"""
import threading
import time as monotonic_time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta, tzinfo
from functools import lru_cache

import holidays
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from models import CalendarDay, District, clock, utcnow
from models.cache_versions import CALENDAR, bump_cache_version, cache_version

from models.errors import Forbidden, InvalidData, NotFound
from workcal import jalali
from people.permissions import may
from workcal.calendar import (CALENDAR_KINDS, DayEntry, WorkingCalendar, build_week, day_intervals,
                               parse_clock_time, parse_hours)
from workcal.jalali import parse_solar_date

CACHE_SECONDS = 60.0
HOLIDAY_YEARS_BACK, HOLIDAY_YEARS_AHEAD = 3, 6
_CHANGED_KEY = "engine.calendar_changed"  # session.info: an entry was added or removed
_CHECKED_KEY = "engine.calendar_version_checked"  # session.info: counter read in this transaction

_active: ContextVar[WorkingCalendar | None] = ContextVar("working_calendar", default=None)
SESSION_KEY = "calendars"  # session.info: the CalendarStore of the app that made the session


class CalendarStore:
    """The working week, hours and time zone of one app, and its cache of district calendars.

    Built once from the settings (WORK_WEEK, WORK_HOURS, WORK_THURSDAY, WORK_THURSDAY_HOURS,
    TIMEZONE) and handed to every session the app makes (session.info[SESSION_KEY]).
    """

    def __init__(self, work_week: str = "sat,sun,mon,tue,wed", work_hours: str = "07:30-14:30",
                 thursday: str = "off", thursday_hours: str = "07:30-12:30",
                 timezone_name: str = jalali.DEFAULT_TIMEZONE):
        self.week = build_week(work_week, work_hours, thursday, thursday_hours)  # ValueError if invalid
        self.full_day = parse_hours(work_hours)
        self.tz = jalali.local_zone(timezone_name)
        self._cache: dict[int | None, tuple[float, WorkingCalendar]] = {}
        self._version: int | None = None  # the cache_versions counter the cache was filled at
        self._lock = threading.Lock()

    def calendar(self, entries: tuple[DayEntry, ...] = ()) -> WorkingCalendar:
        """The settings and the official holidays, with these entries."""
        return WorkingCalendar(week=self.week, holidays=official_holidays(), entries=entries,
                               tz=self.tz, full_day=self.full_day)

    def calendar_for(self, session, district_id: int | None = None) -> WorkingCalendar:
        """The calendar of a district (city-wide entries and its own), or the city's (None)."""
        self._check_version(session)
        now = monotonic_time.monotonic()
        with self._lock:
            cached = self._cache.get(district_id)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        scope = CalendarDay.district_id.is_(None)
        if district_id is not None:
            scope = or_(scope, CalendarDay.district_id == district_id)
        with session.no_autoflush:  # a step flushes once, at its end (engine.runtime.steps)
            rows = session.scalars(select(CalendarDay).where(scope).order_by(CalendarDay.day)).all()
        calendar = self.calendar(tuple(_entry(row) for row in rows))
        with self._lock:
            self._cache[district_id] = (now, calendar)
        return calendar

    def _check_version(self, session) -> None:
        """Empty the cache if the calendar changed anywhere since it was filled: one read of its
        counter per transaction (the flag goes at the transaction's end)."""
        if session is None or session.info.get(_CHECKED_KEY):
            return
        version = cache_version(session, CALENDAR)
        session.info[_CHECKED_KEY] = True
        with self._lock:
            if version != self._version:  # moved on, or back (a change rolled back)
                self._cache.clear()
                self._version = version

    def invalidate(self) -> None:
        """Forget the cached calendars (an administrator changed an entry)."""
        with self._lock:
            self._cache.clear()

    def local_today(self) -> date:
        """Today in the calendar's time zone (the settable clock)."""
        return jalali.local_today(self.tz)


_DEFAULT_STORE = CalendarStore()  # the default settings, for sessions no app made


def store_of(session) -> CalendarStore:
    """The calendar store of the app that made this session (the defaults otherwise)."""
    store = session.info.get(SESSION_KEY) if session is not None else None
    return store or _DEFAULT_STORE


def zone_of(session) -> tzinfo:
    """The city's time zone (TIMEZONE) in the app that made this session (the default otherwise)."""
    return store_of(session).tz


@lru_cache(maxsize=4)
def _official_holidays(first_year: int, last_year: int) -> dict[date, str]:
    found = holidays.country_holidays("IR", years=range(first_year, last_year + 1), language="fa_IR")
    return dict(found)


def official_holidays_for(year: int) -> dict[date, str]:
    """Iran's official holidays with Persian names, some (Gregorian) years either side of year."""
    return _official_holidays(year - HOLIDAY_YEARS_BACK, year + HOLIDAY_YEARS_AHEAD)


def official_holidays() -> dict[date, str]:
    """Iran's official holidays around this year (the settable clock's)."""
    return official_holidays_for(clock.now().year)


def base_calendar() -> WorkingCalendar:
    """The default settings and the official holidays, without the administrators' entries."""
    return _DEFAULT_STORE.calendar()


def _entry(row: CalendarDay) -> DayEntry:
    return DayEntry(day=row.day, kind=row.kind, start=row.start_time, end=row.end_time,
                    note=row.note or "")


def calendar_for(session, district_id: int | None = None) -> WorkingCalendar:
    """The calendar of a district in the settings of the app that made the session."""
    return store_of(session).calendar_for(session, district_id)


@event.listens_for(Session, "after_commit")
def _invalidate_after_commit(session) -> None:
    # Another request may have cached the old entries between the change and its commit.
    if session.info.pop(_CHANGED_KEY, False):
        store_of(session).invalidate()


@event.listens_for(Session, "after_transaction_end")
def _check_again_next_transaction(session, transaction) -> None:
    if transaction.parent is None:  # the outermost: the next one reads the counter again
        session.info.pop(_CHECKED_KEY, None)


def active_calendar() -> WorkingCalendar:
    """The calendar of the instance being run, else the settings and holidays alone."""
    return _active.get() or base_calendar()


@contextmanager
def using_calendar(calendar: WorkingCalendar):
    """Make a calendar the active one for scripts, timers and due dates in this block."""
    token = _active.set(calendar)
    try:
        yield calendar
    finally:
        _active.reset(token)


# ---------------------------------------------------------------- administrators' entries

def list_entries(session, since: date | None = None) -> list[CalendarDay]:
    """Entries from a day on (all when since is None), in date order."""
    query = select(CalendarDay).order_by(CalendarDay.day, CalendarDay.id)
    if since is not None:
        query = query.where(CalendarDay.day >= since)
    return list(session.scalars(query))


def upcoming_holidays(since: date, days: int = 366) -> list[tuple[date, str]]:
    """Official holidays from a day on, for `days` days, in date order."""
    until = since + timedelta(days=days)
    return sorted((d, name) for d, name in official_holidays().items() if since <= d < until)


def local_today(session=None) -> date:
    """Today in the calendar's time zone (the settable clock)."""
    return store_of(session).local_today()


def day_overview(calendar: WorkingCalendar, first: date, count: int = 14) -> list[dict]:
    """Each of `count` days from first: its working hours (local), holiday name and entries."""
    days = []
    for offset in range(count):
        day = first + timedelta(days=offset)
        hours = [(a.astimezone(calendar.tz).time(), b.astimezone(calendar.tz).time())
                 for a, b in day_intervals(calendar, day)]
        days.append({"day": day, "hours": hours, "holiday": calendar.holiday_name(day),
                     "entries": calendar.entries_on(day)})
    return days


def _time_or_none(value, field: str):
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return parse_clock_time(text)
    except ValueError:
        raise InvalidData("{value} is not a time like 10:00.", {field: "not a time like 10:00"},
                          value=text) from None


def add_entry(session, user, day_text: str, kind: str, note: str = "", start: str = "",
              end: str = "", district_id: int | None = None) -> CalendarDay:
    """Store a closure or a working day entered with a Solar Hijri date (1405/01/01)."""
    if not may(user, "edit_calendar"):
        raise Forbidden("Only an administrator may change the working calendar.")
    try:
        day = parse_solar_date(day_text)
    except ValueError:
        raise InvalidData("{value} is not a Solar Hijri date like 1405/01/01.",
                          {"day": "not a Solar Hijri date like 1405/01/01"},
                          value=str(day_text or "").strip() or "—") from None
    if kind not in CALENDAR_KINDS:
        raise InvalidData("Choose a closure or a working day.", {"kind": "closure or working_day"})
    start_time, end_time = _time_or_none(start, "start"), _time_or_none(end, "end")
    if kind == "working_day":  # its hours: these times, else the normal ones; never empty
        full_day = store_of(session).full_day
        effective = (start_time or full_day[0], end_time or full_day[1])
    else:
        effective = (start_time, end_time) if start_time and end_time else None
    if effective and effective[0] >= effective[1]:
        raise InvalidData("The end time must be after the start time.", {"end": "before the start"})
    note = str(note or "").strip()
    if len(note) > 300:
        raise InvalidData("The note is too long (at most 300 characters).", {"note": "too long"})
    if district_id is not None and session.get(District, district_id) is None:
        raise InvalidData("Unknown district.", {"district": "Unknown district."})
    row = CalendarDay(day=day, kind=kind, start_time=start_time, end_time=end_time,
                      district_id=district_id, note=note, created_by_id=user.id, created_at=utcnow())
    session.add(row)
    session.flush()
    _changed(session)
    return row


def remove_entry(session, user, entry_id: int) -> CalendarDay:
    """Delete an administrator's entry."""
    if not may(user, "edit_calendar"):
        raise Forbidden("Only an administrator may change the working calendar.")
    row = session.get(CalendarDay, entry_id)
    if row is None:
        raise NotFound("Calendar entry {id} does not exist.", id=entry_id)
    session.delete(row)
    session.flush()
    _changed(session)
    return row


def _changed(session) -> None:
    session.info[_CHANGED_KEY] = True
    bump_cache_version(session, CALENDAR)  # every other process, once this commits
    store_of(session).invalidate()
