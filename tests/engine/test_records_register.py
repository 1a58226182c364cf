"""The quality-records register: every record of the procedure, its retention and its form."""
from datetime import date, datetime

from engine.records import REGISTER, add_months, district_code, record_type_for_form, retention_until


def test_register_holds_the_twenty_records_of_the_procedure_once_each():
    codes = [r.code for r in REGISTER]
    assert len(codes) == 20 and len(set(codes)) == 20
    assert {f"F-__-0-2-{n:02d}" for n in range(1, 19)} | {"F-__-0-5-01", "F-__-0-5-02"} == set(codes)
    assert len({r.form_key for r in REGISTER}) == 20


def test_retention_periods_follow_section_7_2():
    periods = {r.code: r.retention_months for r in REGISTER}
    assert periods["F-__-0-2-07"] == 6 and periods["F-__-0-2-13"] == 24
    assert periods["F-__-0-2-16"] == 60 and periods["F-__-0-5-01"] == 24


def test_retention_until_counts_calendar_months_and_clamps_month_ends():
    survey = record_type_for_form("citizen_survey")
    assert retention_until(datetime(2026, 11, 25, 9, 30), survey) == date(2027, 11, 25)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_district_is_filled_into_the_code():
    assert district_code("F-__-0-2-01", 3) == "F-03-0-2-01"
