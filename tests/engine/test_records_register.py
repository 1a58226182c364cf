"""The quality-records register: every record of the procedure, its retention and its form."""
from datetime import date, datetime

import pytest

from records.quality import REGISTER, district_code, record_type_for_form, retention_until
from workcal.jalali import add_jalali_months, local_date, parse_solar_date


def test_register_holds_the_twenty_records_of_the_procedure_once_each():
    codes = [r.code for r in REGISTER]
    assert len(codes) == 20 and len(set(codes)) == 20
    assert {f"F-__-0-2-{n:02d}" for n in range(1, 19)} | {"F-__-0-5-01", "F-__-0-5-02"} == set(codes)
    assert len({r.form_key for r in REGISTER}) == 20


def test_retention_periods_follow_section_7_2():
    periods = {r.code: r.retention_months for r in REGISTER}
    assert periods["F-__-0-2-07"] == 6 and periods["F-__-0-2-13"] == 24
    assert periods["F-__-0-2-16"] == 60 and periods["F-__-0-5-01"] == 24


@pytest.mark.parametrize("made, form, kept_until", [
    # a 2-year record completed 15 Esfand 1403 is kept until 15 Esfand 1405 (not a day off)
    ("1403/12/15", "complaint_register", "1405/12/15"),
    ("1403/12/30", "citizen_survey", "1404/12/29"),      # 30 Esfand of a leap year, a year on
    ("1403/06/31", "meeting_request", "1403/12/30"),     # 31 Shahrivar + 6 months: leap Esfand
    ("1404/06/31", "meeting_request", "1404/12/29"),     # ... and Esfand of a common year
    ("1404/01/31", "meeting_request", "1404/07/30"),     # 31 Farvardin + 6: Mehr has 30 days
    ("1404/07/30", "meeting_request", "1405/01/30"),     # across the new year
    ("1404/10/01", "survey_summary", "1409/10/01"),      # 60 months
])
def test_retention_until_counts_solar_hijri_months_and_clamps_month_ends(made, form, kept_until):
    record_type = record_type_for_form(form)
    assert retention_until(parse_solar_date(made), record_type) == parse_solar_date(kept_until)


def test_retention_counts_from_the_local_day_a_record_was_made():
    survey = record_type_for_form("citizen_survey")
    # 22:00 UTC on 4 March 2025 is already 15 Esfand 1403 in Tehran
    assert retention_until(datetime(2025, 3, 4, 22, 0), survey) == parse_solar_date("1404/12/15")
    assert retention_until(datetime(2025, 3, 4, 12, 0), survey) == parse_solar_date("1404/12/14")


def test_district_is_filled_into_the_code():
    assert district_code("F-__-0-2-01", 3) == "F-03-0-2-01"


def test_completing_a_register_form_keeps_its_quality_record_until_its_retention_date(db, complaints):
    import engine as runtime
    from models import Event, HumanTask, QualityRecord
    from people.accounts import find_district, find_user
    from tests.http.http_support import REGISTER_SERVICE
    user = find_user(db, "pr_expert_d1")
    instance = runtime.start_instance(db, "complaints", user, find_district(db, "d1").id)
    db.commit()
    task = db.query(HumanTask).filter_by(instance_id=instance.id, status="ready").one()
    runtime.complete_task(db, task.id, user, REGISTER_SERVICE)
    db.commit()
    record = db.query(QualityRecord).one()
    assert record.code == "F-__-0-5-01" and record.instance_id == instance.id
    from records.quality import record_data
    assert record.data["complainant_name"].startswith("sealed:")  # the citizen's, under the case's key
    assert record_data(db, record)["complainant_name"] == REGISTER_SERVICE["complainant_name"]
    assert record.retention_until == add_jalali_months(local_date(record.created_at), 24)
    event = db.query(Event).filter_by(instance_id=instance.id, type="task_completed").one()
    assert event.data["record"] == "F-__-0-5-01"


def test_a_form_outside_the_register_keeps_no_record(db, complaints):
    import engine as runtime
    from models import HumanTask, QualityRecord
    from people.accounts import find_district, find_user
    from tests.http.http_support import EXAMINATION, REGISTER_SERVICE
    user = find_user(db, "pr_expert_d1")
    instance = runtime.start_instance(db, "complaints", user, find_district(db, "d1").id)
    db.commit()
    for data in (REGISTER_SERVICE, EXAMINATION):
        task = db.query(HumanTask).filter_by(instance_id=instance.id, status="ready").one()
        runtime.complete_task(db, task.id, user, data)
        db.commit()
    assert db.query(QualityRecord).count() == 1


def test_the_keeping_period_comes_from_the_deployed_record_retention_table(app, db, complaints):
    # Issue 23: processes/decisions/record_retention.dmn holds the register's periods; a process
    # owner who deploys a changed table changes the period of records kept from then on.
    from pathlib import Path
    import engine as runtime
    from modeling.decisions import deploy_decisions
    from models import HumanTask, QualityRecord
    from people.accounts import find_district, find_user
    from tests.http.http_support import REGISTER_SERVICE
    table = (Path(__file__).resolve().parents[2] / "processes" / "decisions" / "record_retention.dmn").read_bytes()
    assert b'<outputEntry id="Months_0_5_01"><text>24</text>' in table  # as the register says
    deploy_decisions(db, table.replace(b'<outputEntry id="Months_0_5_01"><text>24</text>',
                                       b'<outputEntry id="Months_0_5_01"><text>36</text>'), None)
    db.commit()
    user = find_user(db, "pr_expert_d1")
    instance = runtime.start_instance(db, "complaints", user, find_district(db, "d1").id)
    db.commit()
    task = db.query(HumanTask).filter_by(instance_id=instance.id, status="ready").one()
    runtime.complete_task(db, task.id, user, REGISTER_SERVICE)
    db.commit()
    record = db.query(QualityRecord).one()
    assert record.retention_until == add_jalali_months(local_date(record.created_at), 36)
