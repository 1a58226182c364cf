"""The working calendar (workcal/calendar.py): working week, hours, official holidays of
Iran, administrators' closures and working days, Solar Hijri dates; and the settable clock.

Times are written in Tehran (+03:30 all year since 2022). Esfand 1404 / Farvardin 1405:
Wednesday 1404/12/27 = 2026-03-18; Friday 12/29 = 03-20 (a holiday too); Nowruz 1405/01/01-04
= Saturday 03-21 .. Tuesday 03-24; Wednesday 01/05 = 03-25; 01/12 = Wednesday 04-01 (holiday).
Mehr 1405 (2026-09-23 .. 10-22) has no official holiday.
"""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from workcal import store as calendar_store
from workcal.calendar import (DayEntry, WorkingCalendar, add_working_days,
                                     add_working_hours, build_week, day_intervals,
                                     is_working_day, working_days_before,
                                     working_hours_between)
from workcal.jalali import format_solar_date as solar_date_label, parse_solar_date
from models import clock, utcnow

TEHRAN = ZoneInfo("Asia/Tehran")


def at(y, m, d, hh=10, mm=0) -> datetime:
    """A Gregorian day and time in Tehran."""
    return datetime(y, m, d, hh, mm, tzinfo=TEHRAN)


def calendar(thursday="off", holidays=None, entries=()) -> WorkingCalendar:
    """The default week (Saturday to Wednesday 07:30-14:30, Friday off), Thursday as asked."""
    week = build_week("sat,sun,mon,tue,wed", "07:30-14:30", thursday, "07:30-12:30")
    return WorkingCalendar(week=week, holidays=holidays if holidays is not None else {},
                           entries=tuple(entries))


def iran() -> WorkingCalendar:
    """The default week with Iran's official holidays from the `holidays` package."""
    return calendar(holidays=calendar_store.official_holidays_for(2026))


# ---------------------------------------------------------------- week and hours

def test_friday_and_nowruz_are_skipped_by_working_hours():
    # Wednesday 13:30 + 2 h: one hour on Wednesday, then Thursday (off), Friday and Nowruz
    # 1..4 Farvardin are skipped; the second hour is on Wednesday 1405/01/05.
    assert add_working_hours(iran(), at(2026, 3, 18, 13, 30), 2) == at(2026, 3, 25, 8, 30)
    assert not is_working_day(iran(), date(2026, 3, 21))  # 1 Farvardin, a Saturday


def test_official_holidays_of_iran_have_persian_names():
    holidays = calendar_store.official_holidays_for(2026)
    assert "نوروز" in holidays[date(2026, 3, 21)]
    assert "طبیعت" in holidays[date(2026, 4, 2)]  # 13 Farvardin
    assert date(2026, 3, 25) not in holidays


@pytest.mark.parametrize("thursday, expected", [
    ("off", at(2026, 10, 3, 8, 0)),    # Saturday
    ("half", at(2026, 10, 1, 8, 0)),   # Thursday morning
    ("full", at(2026, 10, 1, 8, 0)),
])
def test_thursday_is_off_half_or_full_as_configured(thursday, expected):
    # Wednesday 2026-09-30 14:00 + 1 h: half an hour on Wednesday, half an hour the next working day.
    assert add_working_hours(calendar(thursday), at(2026, 9, 30, 14, 0), 1) == expected


def test_a_half_day_thursday_closes_at_half_past_twelve():
    thursday_noon = at(2026, 10, 1, 12, 0)
    assert add_working_hours(calendar("half"), thursday_noon, 1) == at(2026, 10, 3, 8, 0)
    assert add_working_hours(calendar("full"), thursday_noon, 1) == at(2026, 10, 1, 13, 0)
    assert working_hours_between(calendar("half"), at(2026, 10, 1, 0, 0), at(2026, 10, 2, 0, 0)) == 5.0


def test_working_hours_crossing_the_end_of_the_day_go_on_the_next_morning():
    assert add_working_hours(calendar(), at(2026, 10, 3, 14, 0), 2) == at(2026, 10, 4, 9, 0)


def test_working_hours_that_end_at_closing_time_end_that_day():
    assert add_working_hours(calendar(), at(2026, 10, 3, 7, 30), 7) == at(2026, 10, 3, 14, 30)


def test_a_start_outside_working_hours_counts_from_the_next_opening():
    assert add_working_hours(calendar(), at(2026, 10, 2, 10, 0), 1) == at(2026, 10, 3, 8, 30)  # Friday
    assert add_working_hours(calendar(), at(2026, 10, 3, 6, 0), 1) == at(2026, 10, 3, 8, 30)   # early
    assert add_working_hours(calendar(), at(2026, 10, 3, 20, 0), 1) == at(2026, 10, 4, 8, 30)  # late


def test_naive_datetimes_and_iso_text_are_read_as_utc():
    naive_utc = datetime(2026, 10, 3, 6, 30)  # 10:00 in Tehran
    assert add_working_hours(calendar(), naive_utc, 1) == at(2026, 10, 3, 11, 0)
    assert add_working_hours(calendar(), "2026-10-03T06:30:00+00:00", 1) == at(2026, 10, 3, 11, 0)
    assert add_working_hours(calendar(), naive_utc, 1).utcoffset() == timedelta(hours=3, minutes=30)


# ---------------------------------------------------------------- working days

def test_add_working_days_skips_thursday_friday_and_the_nowruz_holidays():
    wednesday = at(2026, 3, 18, 10, 0)  # 1404/12/27
    assert add_working_days(iran(), wednesday, 1) == at(2026, 3, 25, 10, 0)   # 1405/01/05
    # Then Saturday 01/08 .. Tuesday 01/11, Wednesday 01/12 is a holiday, 01/15 .. 01/19.
    assert add_working_days(iran(), wednesday, 10) == at(2026, 4, 8, 10, 0)   # 1405/01/19


def test_add_working_days_from_a_day_off_counts_from_the_next_opening():
    friday = at(2026, 10, 2, 18, 0)
    assert add_working_days(calendar(), friday, 1) == at(2026, 10, 4, 7, 30)  # Sunday opening


def test_add_working_days_onto_a_half_day_thursday_ends_at_its_closing():
    assert add_working_days(calendar("half"), at(2026, 9, 30, 13, 0), 1) == at(2026, 10, 1, 12, 30)


def test_working_days_before_ends_at_the_close_of_that_working_day():
    tuesday_evening = at(2026, 12, 8, 19, 30)
    # Mon 7, Sun 6, Sat 5 Dec; Thursday and Friday off; then Wed 2 and Tue 1 Dec.
    assert working_days_before(calendar(), tuesday_evening, 1) == at(2026, 12, 7, 14, 30)
    assert working_days_before(calendar(), tuesday_evening, 3) == at(2026, 12, 5, 14, 30)
    assert working_days_before(calendar(), tuesday_evening, 5) == at(2026, 12, 1, 14, 30)
    # The meeting's own day never counts, whatever its hour.
    assert working_days_before(calendar(), at(2026, 12, 8, 7, 0), 1) == at(2026, 12, 7, 14, 30)
    # A half-day Thursday counts, closing at 12:30.
    assert working_days_before(calendar("half"), at(2026, 12, 5, 10), 1) == at(2026, 12, 3, 12, 30)


def test_working_days_before_skips_nowruz_and_refuses_a_count_below_one():
    # Before Wednesday 1405/01/05: Nowruz (01/01-04), Friday and Thursday are skipped.
    assert working_days_before(iran(), at(2026, 3, 25, 19, 30), 1) == at(2026, 3, 18, 14, 30)
    for bad in (0, -1, 1.5):
        with pytest.raises(ValueError):
            working_days_before(calendar(), at(2026, 12, 8), bad)


# ---------------------------------------------------------------- hours between

def test_working_hours_between_skips_the_weekend():
    wednesday_noon, saturday_nine = at(2026, 9, 30, 12, 0), at(2026, 10, 3, 9, 0)
    assert working_hours_between(calendar(), wednesday_noon, saturday_nine) == 4.0  # 2.5 + 1.5
    assert working_hours_between(calendar("half"), wednesday_noon, saturday_nine) == 9.0
    assert working_hours_between(calendar(), saturday_nine, wednesday_noon) == -4.0


def test_working_hours_between_is_the_inverse_of_add_working_hours():
    start = at(2026, 3, 18, 11, 15)
    for hours in (0.5, 3, 7, 20, 75):
        assert working_hours_between(iran(), start, add_working_hours(iran(), start, hours)) == hours


# ---------------------------------------------------------------- administrators' entries

def test_an_administrators_closure_of_a_whole_day_is_skipped():
    closed = DayEntry(date(2026, 10, 4), "closure", note="آلودگی هوا")  # Sunday
    assert add_working_hours(calendar(entries=[closed]), at(2026, 10, 3, 14, 0), 1) == at(2026, 10, 5, 8, 0)
    assert add_working_days(calendar(entries=[closed]), at(2026, 10, 3, 10, 0), 1) == at(2026, 10, 5, 10, 0)


def test_an_administrators_closure_from_a_time_closes_the_rest_of_the_day():
    from_ten = DayEntry(date(2026, 10, 3), "closure", start=time(10, 0))
    cal = calendar(entries=[from_ten])
    assert add_working_hours(cal, at(2026, 10, 3, 7, 30), 3) == at(2026, 10, 4, 8, 0)
    assert working_hours_between(cal, at(2026, 10, 3, 0, 0), at(2026, 10, 4, 0, 0)) == 2.5


def test_an_administrators_working_day_counts_on_a_thursday_and_on_a_holiday():
    thursday = DayEntry(date(2026, 10, 1), "working_day", note="جبران تعطیلی")
    assert add_working_hours(calendar(entries=[thursday]), at(2026, 9, 30, 14, 0), 1) == at(2026, 10, 1, 8, 0)
    # 1405/01/12 (an official holiday) declared working, from 09:00 to 12:00.
    moved = DayEntry(date(2026, 4, 1), "working_day", start=time(9, 0), end=time(12, 0))
    cal = calendar(holidays=calendar_store.official_holidays_for(2026), entries=[moved])
    assert is_working_day(cal, date(2026, 4, 1)) and not is_working_day(iran(), date(2026, 4, 1))
    assert add_working_hours(cal, at(2026, 3, 31, 14, 0), 1) == at(2026, 4, 1, 9, 30)
    assert [(a.astimezone(TEHRAN).time(), b.astimezone(TEHRAN).time())
            for a, b in day_intervals(cal, date(2026, 4, 1))] == [(time(9, 0), time(12, 0))]


# ---------------------------------------------------------------- settings and Solar Hijri

def test_settings_that_make_no_sense_are_refused():
    with pytest.raises(ValueError, match="WORK_THURSDAY"):
        build_week("sat,sun,mon,tue,wed", "07:30-14:30", "sometimes", "07:30-12:30")
    with pytest.raises(ValueError, match="thu"):
        build_week("sat,sun,mon,tue,wed,thu", "07:30-14:30", "off", "07:30-12:30")
    with pytest.raises(ValueError, match="end after"):
        build_week("sat,sun,mon,tue,wed", "14:30-07:30", "off", "07:30-12:30")
    with pytest.raises(ValueError, match="weekday"):
        build_week("saturday,funday", "07:30-14:30", "off", "07:30-12:30")


def test_solar_hijri_dates_are_read_in_persian_or_latin_digits_and_shown_back():
    assert parse_solar_date("۱۴۰۵/۰۱/۰۱") == date(2026, 3, 21)
    assert parse_solar_date("1405-1-1") == date(2026, 3, 21)
    assert parse_solar_date(" 1404/12/27 ") == date(2026, 3, 18)
    assert solar_date_label(date(2026, 4, 8)) == "1405/01/19"
    for bad in ("1405/13/01", "1405/01/32", "2026-03-21", "1405/1", "فردا", ""):
        with pytest.raises(ValueError):
            parse_solar_date(bad)


# ---------------------------------------------------------------- the clock

def test_the_clock_can_be_set_and_moved_and_utcnow_reads_it():
    clock.set_now(at(2026, 3, 18, 10, 0))
    assert utcnow() == datetime(2026, 3, 18, 6, 30)
    clock.advance(hours=2)
    assert clock.now() == datetime(2026, 3, 18, 8, 30, tzinfo=timezone.utc)
    clock.set_now(datetime(2026, 1, 1))  # naive: UTC
    assert utcnow() == datetime(2026, 1, 1)


def test_the_clock_set_by_an_earlier_test_is_real_time_again():
    # Runs after the test above (pytest keeps file order): the autouse fixture reset it.
    assert not clock.is_set()
    assert abs(utcnow() - datetime.now(timezone.utc).replace(tzinfo=None)) < timedelta(seconds=5)
