"""A complaint's 10 working days on the pages (processes/complaints.bpmn, programmes/complaints):
counted from receipt (the portal's filing moment, or the day the operator records), one deadline
through rework, review and announcement, the district mayor's follow-up at that deadline showing
the complaint, and the mayor's order reaching the unit it names with its own deadline."""
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from engine.runtime.timers import fire_next_due_timers
from http_support import ANNOUNCEMENT, EXAMINATION, REGISTER_SERVICE, REVIEW_APPROVE, REVIEW_RETURN
from models import Unit, clock
from path_support import (drive, event_count, html_form, page_text_of, ready_specs, ready_task,
                          start_on_page, task_row, waiting_timers)
from portal_support import deploy_citizen_processes, file_on_portal, instance_of
from test_paths_complaints import MAYOR_ORDER, ORDER_REPORT

# Filed Wednesday 1404/12/27 (2026-03-18) 10:00 Tehran. Thursday, Friday, Nowruz (1405/01/01-04)
# and 1405/01/12 are off: the 10th working day is Wednesday 1405/01/19 (2026-04-08), 10:00.
FILED_AT = datetime(2026, 3, 18, 6, 30, tzinfo=timezone.utc)
DEADLINE = datetime(2026, 4, 8, 6, 30)  # naive UTC
# Registered on paper on Sunday 1405/01/16 (2026-04-05), 11:30 Tehran.
REGISTERED_AT = datetime(2026, 4, 5, 8, 0, tzinfo=timezone.utc)


def _received_on_input(page: str) -> str:
    return re.search(r'<input[^>]*name="received_on"[^>]*>', page).group(0)


def test_a_portal_complaint_counts_from_its_filing_and_its_receipt_day_cannot_be_changed(app, login):
    deploy_citizen_processes(app)
    clock.set_now(FILED_AT)
    code, _ = file_on_portal(app.test_client(), service_code="complaint_service")
    instance_id = instance_of(app, code).id
    register = ready_task(app, instance_id, "Task_register_complaint")
    assert register.due_at == DEADLINE  # the registration itself is due within the rule's time
    clock.set_now(FILED_AT + timedelta(days=6))  # registered six days later: the clock ran on
    expert = login("pr_expert_d1")
    field = _received_on_input(page_text_of(expert, f"/tasks/{register.id}"))
    assert 'value="۱۴۰۴/۱۲/۲۷"' in field and "readonly" in field
    drive(expert, instance_id, "Task_register_complaint", {**REGISTER_SERVICE, "received_on": "1405/01/01"})
    assert ready_task(app, instance_id, "Task_examine_service_complaint").due_at == DEADLINE
    assert [due for _, due in waiting_timers(app, instance_id)] == [DEADLINE]


def test_the_operator_records_the_receipt_day_and_the_deadline_survives_review_and_rework(app, complaints, login):
    clock.set_now(REGISTERED_AT)
    expert, head = login("pr_expert_d1"), login("pr_head_d1")
    instance_id = start_on_page(expert, "complaints", "d1")
    register = ready_task(app, instance_id, "Task_register_complaint")
    field = _received_on_input(page_text_of(expert, f"/tasks/{register.id}"))
    assert 'value="۱۴۰۵/۰۱/۱۶"' in field and "readonly" not in field  # today by default
    drive(expert, instance_id, "Task_register_complaint",
          {**REGISTER_SERVICE, "channel": "letter", "received_on": "1404/12/27"})
    # 10 working days from the start of the day the letter came (07:30), not from today
    deadline = datetime(2026, 4, 8, 4, 0)
    assert ready_task(app, instance_id, "Task_examine_service_complaint").due_at == deadline
    drive(expert, instance_id, "Task_examine_service_complaint", EXAMINATION)
    assert ready_task(app, instance_id, "Task_review_answer").due_at == deadline
    clock.set_now(REGISTERED_AT + timedelta(days=1))
    drive(head, instance_id, "Task_review_answer", REVIEW_RETURN)
    assert ready_task(app, instance_id, "Task_examine_service_complaint").due_at == deadline  # not restarted
    drive(expert, instance_id, "Task_examine_service_complaint", EXAMINATION)
    drive(head, instance_id, "Task_review_answer", REVIEW_APPROVE)
    assert ready_task(app, instance_id, "Task_announce_result").due_at == deadline
    assert [due for _, due in waiting_timers(app, instance_id)] == [deadline]


def test_a_bad_receipt_day_is_refused_in_persian_and_nothing_changes(app, complaints, login):
    clock.set_now(REGISTERED_AT)
    expert = login("pr_expert_d1")
    instance_id = start_on_page(expert, "complaints", "d1")
    register = ready_task(app, instance_id, "Task_register_complaint")
    before = event_count(app, instance_id)
    for day, error in (("1405/01/17", "این تاریخ نباید در آینده باشد."),
                       ("1404/12/10", "این تاریخ نباید بیش از ۳۰ روز پیش از امروز باشد."),
                       ("1405/13/01", "تاریخ معتبر به شکل ۱۴۰۵/۰۹/۰۴ وارد کنید.")):
        response = expert.post(f"/tasks/{register.id}", data=html_form({**REGISTER_SERVICE, "received_on": day}))
        assert response.status_code == 400
        assert error in response.get_data(as_text=True), day
        assert task_row(app, register.id).status == "ready"
        assert event_count(app, instance_id) == before
    assert ready_specs(app, instance_id) == ["Task_register_complaint"]


def test_at_exactly_the_deadline_the_mayor_sees_the_complaint_and_orders_the_unit_it_names(app, complaints, login):
    clock.set_now(FILED_AT)
    expert, mayor = login("pr_expert_d1"), login("district_mayor_d1")
    instance_id = start_on_page(expert, "complaints", "d1")
    drive(expert, instance_id, "Task_register_complaint", REGISTER_SERVICE)
    drive(expert, instance_id, "Task_examine_service_complaint", EXAMINATION)  # then under review
    session = app.extensions["db_sessions"]()
    try:
        assert fire_next_due_timers(session, now=DEADLINE - timedelta(seconds=1)) is None
        assert fire_next_due_timers(session, now=DEADLINE) == instance_id
        session.commit()
    finally:
        session.close()
    assert ready_specs(app, instance_id) == ["Task_followup_overdue", "Task_review_answer"]
    overdue = ready_task(app, instance_id, "Task_followup_overdue")
    page = page_text_of(mayor, f"/tasks/{overdue.id}")
    case = re.search(r'<section class="case.*?</section>', page, re.S).group(0)
    for shown in (REGISTER_SERVICE["complainant_name"], REGISTER_SERVICE["subject"],
                  REGISTER_SERVICE["description"], EXAMINATION["answer_text"]):
        assert shown in case, shown
    received, deadline = (re.search(r'<input[^>]*name="%s"[^>]*>' % key, page).group(0)
                          for key in ("received_on", "answer_due_on"))
    assert 'value="۱۴۰۴/۱۲/۲۷"' in received and 'value="۱۴۰۵/۰۱/۱۹"' in deadline
    assert "اداره خدمات شهری" in page  # the district's units to choose from

    clock.set_now(DEADLINE + timedelta(hours=1))
    # only a unit of the complaint's district, and a deadline of 1 to 10 working days
    for wrong in ({"order_unit": "d2-services"}, {"order_days": "0"}, {"order_days": "2.5"}):
        refused = mayor.post(f"/tasks/{overdue.id}", data=html_form({**MAYOR_ORDER, **wrong}))
        assert refused.status_code == 400, wrong
        assert task_row(app, overdue.id).status == "ready"
    drive(mayor, instance_id, "Task_followup_overdue", {**MAYOR_ORDER, "order_days": "3"})
    order = ready_task(app, instance_id, "Task_carry_out_order")
    session = app.extensions["db_sessions"]()
    try:
        unit = session.scalars(select(Unit).where(Unit.code == "d1-services")).one()
        assert order.unit_id == unit.id and order.role == "department_head"
    finally:
        session.close()
    # three working days from the order (Wed 11:00): Sat, Sun, Mon 1405/01/24 11:00
    assert order.due_at == datetime(2026, 4, 13, 7, 30)
    unit_head = login("department_head_d1")
    assert f'href="/tasks/{order.id}"' in unit_head.get("/").get_data(as_text=True)
    assert login("department_head_d2").get(f"/tasks/{order.id}").status_code == 403
    assert MAYOR_ORDER["overdue_action"] in page_text_of(unit_head, f"/tasks/{order.id}")
    drive(unit_head, instance_id, "Task_carry_out_order", ORDER_REPORT)
    assert ready_specs(app, instance_id) == ["Task_review_answer"]
