"""Solar Hijri dates, Persian digits and the city's time zone, in one place.

Digits. What people type may have Persian (۰-۹) or Arabic-Indic (٠-٩) digits:
to_ascii_digits reads them as 0-9. to_persian_digits writes 0-9 as Persian digits (and, for
numbers, "." as the Persian decimal sign "٫").

Dates. parse_solar_date reads a Solar Hijri date typed as 1405/01/05 (any of these digits;
"/", "-" or "." between the parts; a four-digit year from 1300 to 1499) as a Gregorian date,
ValueError otherwise; parse_solar_month reads a month 1405/08. format_solar_date,
format_solar_datetime and format_solar_month write them back with Latin digits; the Solar
month helpers give a month's Gregorian bounds, the month of a day and the months before it;
add_solar_months counts months (and years) in the Solar Hijri calendar (retention periods).

Time zone. The city's local time is the TIMEZONE setting; the app's engine holds it
(workcal.store.CalendarStore.tz, carried by every session: workcal.store.zone_of(session)).
Every function here that needs a zone takes it as `tz` (a tzinfo or a zone name); without
one it is DEFAULT_TIMEZONE. Naive datetimes are UTC, the convention of the whole database.

Only the standard library, jdatetime and models (the settable clock) are imported here, so
every package may use this module.
"""
import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import jdatetime

from models import clock

DEFAULT_TIMEZONE = "Asia/Tehran"  # the TIMEZONE setting's default
TEHRAN = ZoneInfo(DEFAULT_TIMEZONE)

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
PERSIAN_DECIMAL_SIGN = "٫"
_TO_ASCII = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, "0123456789" * 2)
_TO_PERSIAN = str.maketrans("0123456789", PERSIAN_DIGITS)
_TO_PERSIAN_NUMBER = str.maketrans("0123456789.", PERSIAN_DIGITS + PERSIAN_DECIMAL_SIGN)
_SOLAR_MONTH_RE = re.compile(r"\s*(\d{4})\s*[/-]\s*(\d{1,2})\s*")
_SOLAR_YEARS = range(1300, 1500)  # 2026-03-21 is a Gregorian date, not Solar Hijri year 2026


# ---------------------------------------------------------------- digits

def to_ascii_digits(text) -> str:
    """The text with its Persian and Arabic-Indic digits written as 0-9."""
    return str(text).translate(_TO_ASCII)


def to_persian_digits(text, decimal_sign: bool = False) -> str:
    """The text with its digits 0-9 written as Persian digits; decimal_sign: "." as "٫" too."""
    return str(text).translate(_TO_PERSIAN_NUMBER if decimal_sign else _TO_PERSIAN)


# ---------------------------------------------------------------- the time zone

def local_zone(tz: tzinfo | str | None = None) -> tzinfo:
    """The zone given (a tzinfo, or a name such as "Asia/Tehran"), else DEFAULT_TIMEZONE's.

    Where a session is at hand, the city's zone is workcal.store.zone_of(session).
    """
    if tz is None:
        return TEHRAN
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def local_time(moment: datetime, tz: tzinfo | str | None = None) -> datetime:
    """A datetime (naive means UTC) as an aware datetime in the zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(local_zone(tz))


def local_date(moment: datetime, tz: tzinfo | str | None = None) -> date:
    """The day a moment (naive means UTC) falls on in the zone."""
    return local_time(moment, tz).date()


def local_today(tz: tzinfo | str | None = None) -> date:
    """Today in the zone (the settable clock, models.clock)."""
    return local_date(clock.now(), tz)


def utc_of(day: date, at: time = time(0), tz: tzinfo | str | None = None) -> datetime:
    """Naive UTC of a wall time on a day in the zone (midnight by default)."""
    local = datetime.combine(day, at, tzinfo=local_zone(tz))
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def utc_bounds(first_day: date, last_day: date,
               tz: tzinfo | str | None = None) -> tuple[datetime, datetime]:
    """Naive-UTC [start, end) of the local days first_day .. last_day (inclusive)."""
    return utc_of(first_day, tz=tz), utc_of(last_day + timedelta(days=1), tz=tz)


# ---------------------------------------------------------------- Solar Hijri dates

def solar_to_gregorian(year: int, month: int, day: int) -> date:
    """The Gregorian date of a Solar Hijri year, month and day; ValueError if there is none."""
    return jdatetime.date(year, month, day).togregorian()


def solar_parts(day: date) -> tuple[int, int, int]:
    """(year, month, day) of a Gregorian date in the Solar Hijri calendar."""
    solar = jdatetime.date.fromgregorian(date=day)
    return solar.year, solar.month, solar.day


def parse_solar_date(text: str) -> date:
    """ "1405/01/01" (Latin, Persian or Arabic digits; / - or .) as a Gregorian date; ValueError."""
    cleaned = to_ascii_digits(text or "").strip().replace("-", "/").replace(".", "/")
    parts = cleaned.split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise ValueError(f"{text!r} is not a Solar Hijri date like 1405/01/01")
    year, month, day = (int(p) for p in parts)
    if year not in _SOLAR_YEARS:
        raise ValueError(f"{text!r} is not a Solar Hijri date like 1405/01/01")
    try:
        return solar_to_gregorian(year, month, day)
    except ValueError:
        raise ValueError(f"{text!r} is not a day of the Solar Hijri calendar") from None


def parse_day(text: str) -> date:
    """A day as Solar Hijri (1405/09/15, any digits, / - or .) or ISO (2026-12-06); ValueError."""
    cleaned = to_ascii_digits(text or "").strip()
    try:
        return parse_solar_date(cleaned)
    except ValueError:
        pass
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"{text!r} is not a date like 1405/09/15 or 2026-12-06") from None


def format_solar_date(day: date) -> str:
    """A Gregorian date as Solar Hijri 1405/01/01 (Latin digits)."""
    return jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d")


def format_solar_datetime(moment: datetime, tz: tzinfo | str | None = None) -> str:
    """A moment (naive means UTC) as Solar Hijri 1405/01/01 10:30 local time (Latin digits)."""
    local = local_time(moment, tz).replace(tzinfo=None)
    return jdatetime.datetime.fromgregorian(datetime=local).strftime("%Y/%m/%d %H:%M")


# ---------------------------------------------------------------- Solar Hijri months

def parse_solar_month(text: str) -> tuple[int, int]:
    """'1405/08' (or 1405-8, Persian digits) as (1405, 8); ValueError if it is not a month."""
    match = _SOLAR_MONTH_RE.fullmatch(to_ascii_digits(text or ""))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"not a Solar Hijri month (YYYY/MM): {text!r}")
    return int(match.group(1)), int(match.group(2))


def format_solar_month(year: int, month: int) -> str:
    """A Solar Hijri month as 1405/08."""
    return f"{year:04d}/{month:02d}"


def solar_month_of(day: date) -> tuple[int, int]:
    """(year, month) of the Solar Hijri month a Gregorian day falls in."""
    year, month, _ = solar_parts(day)
    return year, month


def solar_month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last Gregorian day of a Solar Hijri month."""
    first = solar_to_gregorian(year, month, 1)
    following = solar_to_gregorian(year + 1, 1, 1) if month == 12 else solar_to_gregorian(year, month + 1, 1)
    return first, following - timedelta(days=1)


def _month_before(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def previous_solar_month(today: date) -> tuple[int, int]:
    """(year, month) of the Solar Hijri month before the one `today` falls in."""
    return _month_before(*solar_month_of(today))


def recent_solar_months(today: date, count: int = 12) -> list[tuple[int, int]]:
    """The current Solar Hijri month and the count - 1 before it, newest first."""
    months = [solar_month_of(today)]
    while len(months) < count:
        months.append(_month_before(*months[-1]))
    return months


def add_solar_months(day: date, months: int) -> date:
    """The same Solar Hijri day `months` later (or earlier), clamped to that month's last day.

    15 Esfand 1403 + 24 months is 15 Esfand 1405; 31 Shahrivar + 1 month is 30 Mehr; 30 Esfand
    of a leap year + 12 months is 29 Esfand. A year is 12 months.
    """
    year, month, day_of_month = solar_parts(day)
    index = month - 1 + months
    year, month = year + index // 12, index % 12 + 1
    first, last = solar_month_bounds(year, month)
    return solar_to_gregorian(year, month, min(day_of_month, (last - first).days + 1))
