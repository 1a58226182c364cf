"""Complaint follow-up (F-__-0-5-01) and the periodic report (F-__-0-5-02), on complaints driven
through processes/complaints.bpmn and then placed at chosen moments of Solar Hijri months."""
import re
from datetime import date, datetime, timedelta

import jdatetime
import pytest
from sqlalchemy import select

from app.scheduler import generate_complaint_reports, start_scheduler
import engine as runtime
from programmes.complaints.report import complaint_figures, generate_complaint_report
from workcal.jalali import parse_solar_month, previous_solar_month, solar_month_bounds
from models.errors import InvalidData
from records.quality import RECORDS_BY_FORM, REGISTER, record_data, record_type_for_form
from workcal.jalali import add_jalali_months, local_date
from engine.runtime.timers import fire_next_due_timers
from models import Event, HumanTask, QualityRecord, User, clock
from people.accounts import find_district
from tests.http.http_support import (ANNOUNCEMENT, EXAMINATION, PROCESSES, REGISTER_EMPLOYEE,
                                     REGISTER_SERVICE, REVIEW_APPROVE, REVIEW_RETURN)

MEHR = solar_month_bounds(1405, 7)  # 2026-09-23 .. 2026-10-22


def tehran(year, month, day, hour=10) -> datetime:
    """A Solar Hijri day and hour in Tehran as naive UTC."""
    return jdatetime.datetime(year, month, day, hour).togregorian() - timedelta(hours=3, minutes=30)


def user(db, username) -> User:
    return db.scalars(select(User).where(User.username == username)).one()


def complete_open(db, instance_id, username, data) -> HumanTask:
    task = db.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                              HumanTask.status == "ready")).one()
    runtime.complete_task(db, task.id, user(db, username), data)
    db.commit()
    return task


def complaint(db, district="d1", register=REGISTER_SERVICE, examinations=(EXAMINATION,),
              announce=True, registered_at=None, answered_at=None) -> int:
    """A complaint driven through the diagram: registered, examined (each examination but the
    last is returned by the PR head, or inspection for one about staff), approved and announced;
    or left at its examination.

    registered_at / answered_at (naive UTC): the clock stands there while the complaint is
    registered and examined / announced (so its deadline counts working days from there);
    back to real time after."""
    if registered_at is not None:
        clock.set_now(registered_at)
    try:
        return _drive(db, district, register, examinations, announce, answered_at)
    finally:
        if registered_at is not None:
            clock.reset()


def _drive(db, district, register, examinations, announce, answered_at) -> int:
    # A complaint about staff stays with inspection from examination to announcement.
    staff = register["complaint_type"] != "service"
    expert, examiner = f"pr_expert_{district}", (
        f"complaints_expert_{district}" if staff else f"pr_expert_{district}")
    reviewer = f"complaints_expert_{district}" if staff else f"pr_head_{district}"
    announcer = examiner
    instance = runtime.start_instance(db, "complaints", user(db, expert), find_district(db, district).id)
    db.commit()
    complete_open(db, instance.id, expert, register)
    for number, examination in enumerate(examinations):
        if not announce and number == len(examinations) - 1:
            break
        complete_open(db, instance.id, examiner, examination)
        last = number == len(examinations) - 1
        complete_open(db, instance.id, reviewer, REVIEW_APPROVE if last else REVIEW_RETURN)
    if announce:
        if answered_at is not None:
            clock.set_now(answered_at)
        complete_open(db, instance.id, announcer, ANNOUNCEMENT)
    return instance.id


def place(db, instance_id, registered_at, answered_at=None) -> None:
    """Move a complaint in time: registration at registered_at (its tasks, due dates and
    follow-up record shift with it), the announcement at answered_at."""
    record = db.scalars(select(QualityRecord).where(QualityRecord.instance_id == instance_id)).one()
    delta = registered_at - record.created_at
    record.created_at += delta
    for task in db.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)):
        task.created_at += delta
        task.completed_at = task.completed_at and task.completed_at + delta
        task.due_at = task.due_at and task.due_at + delta
        if answered_at and task.form_key == "complaint_announcement":
            task.completed_at = answered_at
    db.commit()


def followup_record(db, instance_id) -> QualityRecord:
    db.expire_all()
    [record] = db.scalars(select(QualityRecord).where(QualityRecord.instance_id == instance_id,
                                                      QualityRecord.code == "F-__-0-5-01")).all()
    return record


# ------------------------------------------------------------------ F-__-0-5-01 follow-up

def test_a_complaint_keeps_one_follow_up_form_that_shows_each_later_step(db, complaints):
    instance_id = complaint(db, examinations=(EXAMINATION, {**EXAMINATION, "justified": "no"}))
    assert db.scalars(select(QualityRecord.code).where(QualityRecord.instance_id == instance_id)
                      ).all() == ["F-__-0-5-01"]
    record = followup_record(db, instance_id)
    shown = record_data(db, record)  # the citizen's name is stored sealed with the case's key
    assert shown["complainant_name"] == REGISTER_SERVICE["complainant_name"]
    steps = shown["followup"]
    assert [(s["task"], s["by"]) for s in steps] == [
        ("Task_examine_service_complaint", "pr_expert_d1"), ("Task_review_answer", "pr_head_d1"),
        ("Task_examine_service_complaint", "pr_expert_d1"), ("Task_review_answer", "pr_head_d1"),
        ("Task_announce_result", "pr_expert_d1")]
    assert [s["data"].get("justified") for s in steps[::2]] == ["yes", "no", None]
    assert steps[1]["data"]["decision"] == "return" and steps[3]["data"]["decision"] == "approve"
    assert steps[4]["data"]["announcement_channel"] == "letter"
    # one deadline, counted from receipt: examination, review and announcement share it
    assert steps[0]["due_at"] and {s["due_at"] for s in steps} == {steps[0]["due_at"]}
    events = db.scalars(select(Event).where(Event.instance_id == instance_id,
                                            Event.type == "task_completed").order_by(Event.seq)).all()
    assert [e.data.get("record") for e in events] == ["F-__-0-5-01"] + [None] * 5
    assert [e.data.get("followup_of") for e in events] == [None] + ["F-__-0-5-01"] * 5
    assert record.retention_until == add_jalali_months(local_date(record.created_at), 24)


def test_the_mayors_overdue_follow_up_is_added_to_the_follow_up_form(db, complaints):
    instance_id = complaint(db, register=REGISTER_EMPLOYEE, announce=False)
    exam = db.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                              HumanTask.status == "ready")).one()
    assert fire_next_due_timers(db, now=exam.due_at + timedelta(minutes=1)) == instance_id
    db.commit()
    overdue = db.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                 HumanTask.form_key == "complaint_overdue")).one()
    runtime.complete_task(db, overdue.id, user(db, "district_mayor_d1"),
                          {"order_unit": "d1-services", "overdue_action": "تذکر کتبی به واحد",
                           "order_days": 2})
    db.commit()
    order = db.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                               HumanTask.form_key == "complaint_order_report")).one()
    runtime.complete_task(db, order.id, user(db, "department_head_d1"),
                          {"order_action_taken": "تذکر داده شد", "order_result": "done"})
    db.commit()
    steps = followup_record(db, instance_id).data["followup"]
    assert [(s["form"], s["by"]) for s in steps] == [
        ("complaint_overdue", "district_mayor_d1"), ("complaint_order_report", "department_head_d1")]


def test_only_the_register_task_of_the_complaints_diagram_produces_the_follow_up_form():
    produced_by = {}
    for path in sorted(PROCESSES.glob("*.bpmn")):
        for form in re.findall(r'name="formKey" value="([^"]+)"', path.read_text(encoding="utf-8")):
            record = record_type_for_form(form)
            if record is not None:
                produced_by.setdefault(record.code, set()).add((path.name, form))
    assert produced_by["F-__-0-5-01"] == {("complaints.bpmn", "complaint_register")}
    assert "F-__-0-5-02" not in produced_by  # the report is generated, no task's form makes it
    complaints_xml = (PROCESSES / "complaints.bpmn").read_text(encoding="utf-8")
    assert complaints_xml.count('value="complaint_register"') == 1
    followups = {form for record in REGISTER for form in record.followup_forms}
    assert followups == {"complaint_examination", "complaint_review", "complaint_overdue",
                         "complaint_order_report", "complaint_announcement"}
    assert not followups & set(RECORDS_BY_FORM)  # a follow-up step never starts a record


# ------------------------------------------------------------------ F-__-0-5-02 figures

@pytest.fixture
def mehr(db, complaints):
    """Complaints of district 1 around Mehr 1405 (and one of district 2), at their moments.

    Deadlines are 10 working days (Saturday to Wednesday, no official holiday in Mehr 1405):
    registered on Thursday Mehr 2 (a day off) the count starts on Saturday Mehr 4 at opening,
    so the deadline is Saturday Mehr 18, 07:30; registered on Sunday Mehr 5 at 10:00, Sunday
    Mehr 19 at 10:00.
    """
    employee_no = {**EXAMINATION, "justified": "no"}
    letter = {**REGISTER_EMPLOYEE, "channel": "letter"}
    complaint(db, registered_at=tehran(1405, 7, 1), answered_at=tehran(1405, 7, 4))  # 3 days
    complaint(db, register=letter, examinations=(employee_no,),
              registered_at=tehran(1405, 7, 2), answered_at=tehran(1405, 7, 19))   # 17 days, late
    complaint(db, register={**REGISTER_SERVICE, "channel": "137"}, announce=False,
              registered_at=tehran(1405, 7, 5))                                     # open, overdue
    complaint(db, register={**REGISTER_SERVICE, "channel": "in_person"}, announce=False,
              registered_at=tehran(1405, 7, 28))                                    # open, in time
    complaint(db, examinations=(EXAMINATION, employee_no),
              registered_at=tehran(1405, 7, 10), answered_at=tehran(1405, 7, 14))  # 4 days, returned once
    complaint(db, registered_at=tehran(1405, 6, 25), answered_at=tehran(1405, 7, 3))  # 9 days, from Shahrivar
    complaint(db, registered_at=tehran(1405, 6, 10), answered_at=tehran(1405, 6, 20))  # all in Shahrivar
    complaint(db, district="d2", registered_at=tehran(1405, 7, 8),
              answered_at=tehran(1405, 7, 9))                                       # another district
    district_id = find_district(db, "d1").id
    db.commit()  # on SQLite every transaction holds the write lock: end this one
    return district_id


def test_the_deadline_of_a_complaint_is_ten_working_days_from_its_examination(db, mehr):
    due = {task.created_at: task.due_at for task in db.scalars(select(HumanTask).where(
        HumanTask.form_key == "complaint_examination", HumanTask.district_id == mehr))}
    assert due[tehran(1405, 7, 2)] == tehran(1405, 7, 18, hour=7) + timedelta(minutes=30)
    assert due[tehran(1405, 7, 5)] == tehran(1405, 7, 19)


def test_the_figures_of_a_month_count_received_answered_and_open_complaints(db, mehr):
    figures = complaint_figures(db, mehr, *MEHR)
    assert figures == {
        "received": 5,
        "received_by_type": {"service": 4, "employee": 1},
        "received_by_channel": {"in_person": 1, "phone": 2, "letter": 1, "website": 0, "137": 1},
        "answered": 4,
        "answered_by_type": {"service": 3, "employee": 1},
        "justified": 2, "not_justified": 2,       # the last examination counts
        "answered_on_time": 3, "answered_late": 1,
        "average_days_to_answer": 8.2,            # (3 + 17 + 4 + 9) / 4, one decimal
        "open": 2, "overdue": 1,
    }


def test_open_complaints_are_counted_at_the_end_of_the_period_or_now(db, mehr):
    mid_mehr = complaint_figures(db, mehr, *MEHR, now=tehran(1405, 7, 20))
    # On Mehr 20 only the complaint of Mehr 5 is open (overdue since Mehr 19); the one of
    # Mehr 28 is not counted yet.
    assert (mid_mehr["received"], mid_mehr["open"], mid_mehr["overdue"]) == (4, 1, 1)
    early_mehr = complaint_figures(db, mehr, *MEHR, now=tehran(1405, 7, 12))
    assert (early_mehr["answered"], early_mehr["open"], early_mehr["overdue"]) == (2, 3, 0)
    shahrivar = complaint_figures(db, mehr, *solar_month_bounds(1405, 6))
    assert (shahrivar["received"], shahrivar["answered"], shahrivar["open"]) == (2, 1, 1)


def test_the_report_is_stored_as_a_record_and_generating_it_again_replaces_it(db, mehr):
    first = generate_complaint_report(db, mehr, *MEHR, user=user(db, "complaints_expert_d1"))
    db.commit()
    assert (first.code, first.instance_id, first.district_id) == ("F-__-0-5-02", None, mehr)
    assert first.data["period"] == {"start": "2026-09-23", "end": "2026-10-22", "label": "1405/07"}
    assert first.data["figures"]["received"] == 5 and first.data["revision"] == 1
    assert first.data["complete"] is True and first.data["generated_by"] == "complaints_expert_d1"
    assert first.retention_until == add_jalali_months(local_date(first.created_at), 60)
    complaint(db, announce=False)
    place(db, db.scalars(select(QualityRecord.instance_id).order_by(QualityRecord.id.desc())).first(),
          tehran(1405, 7, 30))
    again = generate_complaint_report(db, mehr, *MEHR)
    db.commit()
    assert again.id == first.id and again.data["revision"] == 2
    assert again.data["figures"]["received"] == 6 and again.data["generated_by"] is None
    assert db.scalars(select(QualityRecord.id).where(QualityRecord.code == "F-__-0-5-02")).all() == [first.id]


def test_a_period_not_begun_or_upside_down_is_refused(db, complaints):
    district = find_district(db, "d1").id
    with pytest.raises(InvalidData):
        generate_complaint_report(db, district, date.today() + timedelta(days=40),
                                  date.today() + timedelta(days=60))
    with pytest.raises(InvalidData):
        generate_complaint_report(db, district, MEHR[1], MEHR[0])


def test_solar_hijri_months_and_their_gregorian_bounds():
    assert solar_month_bounds(1405, 7) == (date(2026, 9, 23), date(2026, 10, 22))
    assert solar_month_bounds(1403, 12) == (date(2025, 2, 19), date(2025, 3, 20))  # leap Esfand
    assert previous_solar_month(date(2026, 3, 21)) == (1404, 12)                  # 1 Farvardin 1405
    assert parse_solar_month("۱۴۰۵/۰۸") == (1405, 8) and parse_solar_month("1405-8") == (1405, 8)
    with pytest.raises(ValueError):
        parse_solar_month("1405/13")


# ------------------------------------------------------------------ the scheduled job

def test_the_monthly_job_makes_one_report_per_district_for_the_previous_month_once(app, db, mehr):
    sessions = app.extensions["db_sessions"]
    aban_3 = tehran(1405, 8, 3, hour=6)
    assert generate_complaint_reports(sessions, now=aban_3) == 2
    assert generate_complaint_reports(sessions, now=aban_3 + timedelta(days=1)) == 0
    reports = db.scalars(select(QualityRecord).where(QualityRecord.code == "F-__-0-5-02")
                         .order_by(QualityRecord.district_id)).all()
    assert [(r.district_id, r.data["period"]["label"], r.data["revision"]) for r in reports] == [
        (mehr, "1405/07", 1), (find_district(db, "d2").id, "1405/07", 1)]
    assert reports[0].data["figures"]["received"] == 5 and reports[1].data["figures"]["received"] == 1
    assert all(r.created_by_id is None and r.data["generated_by"] is None for r in reports)


def test_the_monthly_job_replaces_a_report_made_before_the_month_was_over(app, db, mehr):
    partial = generate_complaint_report(db, mehr, *MEHR, now=tehran(1405, 7, 20))
    db.commit()
    assert partial.data["complete"] is False and partial.data["figures"]["received"] == 4
    assert generate_complaint_reports(app.extensions["db_sessions"], now=tehran(1405, 8, 1, hour=6)) == 2
    db.expire_all()
    replaced = db.get(QualityRecord, partial.id)
    assert replaced.data["complete"] is True and replaced.data["revision"] == 2
    assert replaced.data["figures"]["received"] == 5


@pytest.mark.committed  # the scheduler it starts runs jobs in threads, sessions of their own
def test_the_scheduler_registers_the_report_job_on_its_cron_in_tehran_time(app):
    app.config["COMPLAINT_REPORT_CRON"] = "0 6 1 * *"
    scheduler = start_scheduler(app)
    try:
        job = scheduler.get_job("generate_complaint_reports")
        assert job.func is generate_complaint_reports
        assert str(job.trigger) == "cron[month='*', day='1', day_of_week='*', hour='6', minute='0']"
        assert job.trigger.timezone.utcoffset(None) == timedelta(hours=3, minutes=30)
    finally:
        scheduler.shutdown(wait=False)
    app.config["COMPLAINT_REPORT_CRON"] = ""
    scheduler = start_scheduler(app)
    try:
        assert scheduler.get_job("generate_complaint_reports") is None
    finally:
        scheduler.shutdown(wait=False)
