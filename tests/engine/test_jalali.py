"""workcal.jalali: digits both ways, Solar Hijri dates and months read and written, the time zone."""
from datetime import date, datetime, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from models import clock
from workcal import jalali
from workcal.store import CalendarStore, zone_of

# Near midnight: 2026-03-20 21:00 UTC is 00:30 on 1405/01/01 (2026-03-21, Nowruz) in Tehran,
# still 1404/12/29 (2026-03-20) in UTC.
NEAR_MIDNIGHT = datetime(2026, 3, 20, 21, 0)


@pytest.mark.parametrize("text, expected", [
    ("۱۴۰۵/۰۱/۰۵", "1405/01/05"),
    ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
    ("۰۹۱۲ ٣٤٥ 6789", "0912 345 6789"),
    ("137-۰۵۰۹۲۲-abc", "137-050922-abc"),
    ("no digits", "no digits"),
    ("3٫5", "3٫5"),  # the decimal sign is left to the caller
    (1405, "1405"),
])
def test_persian_and_arabic_indic_digits_read_as_ascii(text, expected):
    assert jalali.to_ascii_digits(text) == expected


@pytest.mark.parametrize("text, decimal_sign, expected", [
    ("1405/08", False, "۱۴۰۵/۰۸"),
    ("0123456789", False, "۰۱۲۳۴۵۶۷۸۹"),
    (42, False, "۴۲"),
    ("3.5", False, "۳.۵"),
    ("3.5", True, "۳٫۵"),
    ("۱۲ and 12", False, "۱۲ and ۱۲"),
    ("", False, ""),
])
def test_ascii_digits_written_in_persian(text, decimal_sign, expected):
    assert jalali.to_persian_digits(text, decimal_sign=decimal_sign) == expected


@pytest.mark.parametrize("text", ["1405/01/05", "۱۴۰۵/۰۱/۰۵", "١٤٠٥/١/٥", "1405-01-05",
                                  "1405-1-5", "1405.01.05", " 1405/01/05 "])
def test_a_solar_hijri_date_is_read_in_any_digits_and_separators(text):
    assert jalali.parse_solar_date(text) == date(2026, 3, 25)


@pytest.mark.parametrize("text, expected", [
    ("1405/01/01", date(2026, 3, 21)),
    ("1404/12/29", date(2026, 3, 20)),
    ("1403/12/30", date(2025, 3, 20)),   # 1403 is a leap year
    ("1405/09/04", date(2026, 11, 25)),
    ("1300/01/01", date(1921, 3, 21)),
])
def test_solar_hijri_dates_and_their_gregorian_days(text, expected):
    assert jalali.parse_solar_date(text) == expected
    assert jalali.format_solar_date(expected) == text


@pytest.mark.parametrize("text, message", [
    ("1405/13/01", "not a day of the Solar Hijri calendar"),
    ("1405/01/32", "not a day of the Solar Hijri calendar"),
    ("1404/12/30", "not a day of the Solar Hijri calendar"),   # 1404 is not a leap year
    ("2026-03-21", "not a Solar Hijri date like 1405/01/01"),  # Gregorian
    ("1299/12/29", "not a Solar Hijri date like 1405/01/01"),
    ("1500/01/01", "not a Solar Hijri date like 1405/01/01"),
    ("405/01/01", "not a Solar Hijri date like 1405/01/01"),
    ("1405/1", "not a Solar Hijri date like 1405/01/01"),
    ("1405/01/01/01", "not a Solar Hijri date like 1405/01/01"),
    ("1405 01 01", "not a Solar Hijri date like 1405/01/01"),
    ("فردا", "not a Solar Hijri date like 1405/01/01"),
    ("", "not a Solar Hijri date like 1405/01/01"),
    (None, "not a Solar Hijri date like 1405/01/01"),
])
def test_what_is_not_a_solar_hijri_date_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        jalali.parse_solar_date(text)


@pytest.mark.parametrize("text, expected", [
    ("1405/08", (1405, 8)), ("۱۴۰۵/۰۸", (1405, 8)), ("1405-8", (1405, 8)),
    (" 1405 / 12 ", (1405, 12)), ("١٤٠٤/١", (1404, 1)),
])
def test_a_solar_hijri_month_is_read(text, expected):
    assert jalali.parse_solar_month(text) == expected


@pytest.mark.parametrize("text", ["1405/13", "1405/00", "1405/08/01", "05/08", "1405", "", None, "آبان"])
def test_what_is_not_a_solar_hijri_month_is_refused(text):
    with pytest.raises(ValueError, match="not a Solar Hijri month"):
        jalali.parse_solar_month(text)


@pytest.mark.parametrize("year, month, label, bounds", [
    (1405, 7, "1405/07", (date(2026, 9, 23), date(2026, 10, 22))),
    (1405, 8, "1405/08", (date(2026, 10, 23), date(2026, 11, 21))),
    (1403, 12, "1403/12", (date(2025, 2, 19), date(2025, 3, 20))),   # leap Esfand: 30 days
    (1404, 12, "1404/12", (date(2026, 2, 20), date(2026, 3, 20))),   # 29 days
    (1405, 1, "1405/01", (date(2026, 3, 21), date(2026, 4, 20))),
])
def test_solar_hijri_months_their_labels_and_gregorian_bounds(year, month, label, bounds):
    assert jalali.format_solar_month(year, month) == label
    assert jalali.solar_month_bounds(year, month) == bounds
    assert jalali.solar_month_of(bounds[0]) == jalali.solar_month_of(bounds[1]) == (year, month)


@pytest.mark.parametrize("today, previous, recent", [
    (date(2026, 3, 21), (1404, 12), [(1405, 1), (1404, 12), (1404, 11)]),
    (date(2026, 3, 20), (1404, 11), [(1404, 12), (1404, 11), (1404, 10)]),
    (date(2026, 11, 25), (1405, 8), [(1405, 9), (1405, 8), (1405, 7)]),
])
def test_the_months_before_a_day(today, previous, recent):
    assert jalali.previous_solar_month(today) == previous
    assert jalali.recent_solar_months(today, 3) == recent
    assert len(jalali.recent_solar_months(today)) == 12


@pytest.mark.parametrize("moment, tz, expected", [
    (NEAR_MIDNIGHT, None, "1405/01/01 00:30"),
    (NEAR_MIDNIGHT, "Asia/Tehran", "1405/01/01 00:30"),
    (NEAR_MIDNIGHT, "UTC", "1404/12/29 21:00"),
    (NEAR_MIDNIGHT, ZoneInfo("Asia/Dubai"), "1405/01/01 01:00"),
    (NEAR_MIDNIGHT.replace(tzinfo=timezone.utc), None, "1405/01/01 00:30"),  # aware: the same moment
    (datetime(2026, 11, 25, 7, 0), None, "1405/09/04 10:30"),
])
def test_a_moment_is_written_as_solar_hijri_local_time(moment, tz, expected):
    assert jalali.format_solar_datetime(moment, tz) == expected


@pytest.mark.parametrize("tz, local_day, start, end", [
    (None, date(2026, 3, 21), datetime(2026, 9, 22, 20, 30), datetime(2026, 10, 22, 20, 30)),
    ("UTC", date(2026, 3, 20), datetime(2026, 9, 23), datetime(2026, 10, 23)),
    ("Asia/Dubai", date(2026, 3, 21), datetime(2026, 9, 22, 20), datetime(2026, 10, 22, 20)),
    ("Europe/London", date(2026, 3, 20), datetime(2026, 9, 22, 23), datetime(2026, 10, 22, 23)),
])
def test_a_time_zone_other_than_tehran_moves_the_local_date_near_midnight(tz, local_day, start, end):
    assert jalali.local_date(NEAR_MIDNIGHT, tz) == local_day
    clock.set_now(NEAR_MIDNIGHT)
    assert jalali.local_today(tz) == local_day
    # Mehr 1405's days (2026-09-23 .. 2026-10-22) as naive-UTC [start, end).
    assert jalali.utc_bounds(date(2026, 9, 23), date(2026, 10, 22), tz) == (start, end)


def test_the_zone_defaults_to_tehran_and_follows_the_timezone_setting():
    assert jalali.local_zone() is jalali.TEHRAN and str(jalali.TEHRAN) == jalali.DEFAULT_TIMEZONE
    assert jalali.local_zone("UTC") == ZoneInfo("UTC")
    assert zone_of(None) == jalali.TEHRAN  # a session no app made: the default
    store = CalendarStore(timezone_name="Europe/London")
    session = SimpleNamespace(info={"calendars": store})
    assert zone_of(session) == ZoneInfo("Europe/London")
    assert jalali.local_date(NEAR_MIDNIGHT, zone_of(session)) == date(2026, 3, 20)


def test_a_wall_time_on_a_local_day_as_utc():
    assert jalali.utc_of(date(2026, 12, 8), datetime(2026, 1, 1, 19, 30).time()) == datetime(2026, 12, 8, 16, 0)
    assert jalali.utc_of(date(2026, 12, 8), tz="UTC") == datetime(2026, 12, 8)
    assert jalali.solar_parts(date(2026, 12, 13)) == (1405, 9, 22)
    assert jalali.solar_to_gregorian(1405, 9, 22) == date(2026, 12, 13)


def test_parse_day_reads_solar_hijri_or_iso_days_and_refuses_anything_else():
    assert jalali.parse_day("1405/09/15") == jalali.parse_day("۱۴۰۵/۰۹/۱۵") == date(2026, 12, 6)
    assert jalali.parse_day("2026-12-06") == date(2026, 12, 6)
    for text in ("", "tomorrow", "1405/13/01", "2026-13-01"):
        with pytest.raises(ValueError):
            jalali.parse_day(text)


# ---------------------------------------------------------------- Solar Hijri month arithmetic

@pytest.mark.parametrize("start, months, expected", [
    ("1405/07/15", 3, "1405/10/15"),    # 15 Mehr + three months = 15 Dey
    ("1405/10/15", 3, "1406/01/15"),    # across Nowruz
    ("1405/06/31", 1, "1405/07/30"),    # 31 Shahrivar: Mehr has 30 days
    ("1405/06/31", 3, "1405/09/30"),
    ("1405/01/31", 3, "1405/04/31"),    # 31-day month into a 31-day month
    ("1405/11/30", 1, "1405/12/29"),    # Esfand of a common year has 29 days
    ("1402/11/30", 1, "1402/12/29"),
    ("1403/11/30", 1, "1403/12/30"),    # ... 30 in a leap year (1403)
    ("1403/12/30", 3, "1404/03/30"),
    ("1405/12/29", 1, "1406/01/29"),
    ("1405/07/15", -3, "1405/04/15"),   # earlier
    ("1405/01/15", -1, "1404/12/15"),
    ("1405/07/15", 0, "1405/07/15"),
])
def test_add_jalali_months_counts_calendar_months_and_clamps_to_the_months_last_day(start, months, expected):
    day = jalali.parse_solar_date(start)
    assert jalali.format_solar_date(jalali.add_jalali_months(day, months)) == expected


def test_add_jalali_months_keeps_a_datetimes_time_and_zone():
    tehran = ZoneInfo("Asia/Tehran")
    moment = datetime(2026, 10, 7, 19, 30, tzinfo=tehran)       # 1405/07/15 19:30
    assert jalali.add_jalali_months(moment, 3) == datetime(2027, 1, 5, 19, 30, tzinfo=tehran)  # 1405/10/15


@pytest.mark.parametrize("start, years, expected", [
    ("1405/07/15", 1, "1406/07/15"),
    ("1403/12/30", 1, "1404/12/29"),    # leap day into a common year
    ("1403/12/30", 5, "1408/12/30"),    # ... and into the next leap year
    ("1405/03/10", -2, "1403/03/10"),
])
def test_add_jalali_years_counts_solar_years(start, years, expected):
    day = jalali.parse_solar_date(start)
    assert jalali.format_solar_date(jalali.add_jalali_years(day, years)) == expected


@pytest.mark.parametrize("day, months, expected", [
    ("1403/12/15", 24, "1405/12/15"),
    ("1403/12/30", 12, "1404/12/29"),   # leap Esfand to a common one: its last day
    ("1402/12/29", 12, "1403/12/29"),   # not the 30th, though 1403's Esfand has one
    ("1403/06/31", 1, "1403/07/30"),    # the first six months have 31 days, the next five 30
    ("1403/11/30", 1, "1403/12/30"),
    ("1404/11/30", 1, "1404/12/29"),
    ("1404/12/10", 1, "1405/01/10"),    # across the new year
    ("1404/01/31", -1, "1403/12/30"),   # backwards too
    ("1404/05/20", 0, "1404/05/20"),
])
def test_solar_hijri_months_are_added_with_month_ends_clamped(day, months, expected):
    result = jalali.add_jalali_months(jalali.parse_solar_date(day), months)
    assert jalali.format_solar_date(result) == expected
