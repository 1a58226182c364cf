"""Runs of processes/complaints.bpmn (رسیدگی به شکایات) in memory, through the engine's harness.

No database is involved: the diagram is parsed and checked as at deploy, scripts and conditions
run in the sandbox, and every user task is completed with the data its form would send.
The file itself (schema, layout, lanes, forms) is checked in test_complaints_diagram.py.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from complaints_support import BPMN_FILE, EXPECTED_USER_TASKS
from engine.harness import (complete_ready_task, ready_task_data, ready_task_ids,
                            workflow_from_bpmn)
from engine.spiff.workflow_tasks import (active_elements, completed_elements, make_timers_due,
                                         waiting_timers)
from engine.spiff.workflows import dump_workflow, load_workflow, ready_human_tasks, run_engine
from models import clock
from people.roles import role_for_lane

EXAMINATION_TASK = {"service": "Task_examine_service_complaint",
                    "employee": "Task_examine_employee_complaint"}
TIMER_EVENT = "BoundaryEvent_answer_deadline"
OVERDUE_TASK = "Task_followup_overdue"
ORDER_TASK = "Task_carry_out_order"


def start_workflow():
    wf = workflow_from_bpmn(BPMN_FILE.read_bytes())
    run_engine(wf)
    return wf


def register_data(complaint_type: str, **extra) -> dict:
    return {
        "complainant_name": "زهرا احمدی",
        "phone": "09123456789",
        "channel": "137",
        "subject": "جمع‌آوری نشدن پسماند" if complaint_type == "service" else "برخورد نامناسب کارمند",
        "complaint_type": complaint_type,
        "description": "شرح شکایت",
        "address": "منطقه ۳، خیابان زند",
        **extra,
    }


EXAMINATION_DATA = {"findings": "بررسی شد", "justified": "yes",
                    "actions_taken": "به پیمانکار تذکر داده شد", "answer_text": "پاسخ به شاکی"}
ANNOUNCEMENT_DATA = {"announcement_channel": "letter", "announced_on": "2025-01-15",
                     "letter_number": "۱۲۳/ش", "note": ""}
ORDER_DATA = {"order_unit": "d1-urban-services", "overdue_action": "تخلیه مخزن تا سه روز کاری",
              "order_days": 3, "overdue_note": ""}
ORDER_REPORT = {"order_action_taken": "مخزن تخلیه شد", "order_result": "done", "order_note": ""}


def ready_task(wf, bpmn_id: str):
    """The one ready human task with this BPMN id, as the inbox would list it."""
    ready = [t for t in ready_human_tasks(wf) if t.task_spec == bpmn_id]
    assert len(ready) == 1, f"expected {bpmn_id} ready, ready: {ready_task_ids(wf)}"
    return ready[0]


def waiting_timer(wf):
    timers = [t for t in waiting_timers(wf) if t.task_spec == TIMER_EVENT]
    assert len(timers) == 1, [t.task_spec for t in waiting_timers(wf)]
    return timers[0]


def fire_timer(wf) -> None:
    """Make the deadline timer due now and run the engine, as the scheduler does."""
    make_timers_due(wf, [waiting_timer(wf).spiff_task_id])
    run_engine(wf)


def end_events(wf) -> dict[str, int]:
    return {bpmn_id: n for bpmn_id, n in completed_elements(wf).items()
            if bpmn_id.startswith("EndEvent_")}


@pytest.mark.parametrize("complaint_type", ["service", "employee"])
def test_path_runs_to_the_end_event(complaint_type):
    wf = start_workflow()
    assert ready_task_ids(wf) == ["Task_register_complaint"]
    complete_ready_task(wf, "Task_register_complaint", register_data(complaint_type))
    exam = EXAMINATION_TASK[complaint_type]
    assert ready_task_ids(wf) == [exam]
    assert ready_task(wf, exam).lane == EXPECTED_USER_TASKS[exam][0]
    assert ready_task_data(wf, exam)["complaint_type"] == complaint_type
    complete_ready_task(wf, exam, EXAMINATION_DATA)
    assert ready_task_ids(wf) == ["Task_review_answer"]
    # A complaint about staff stays with inspection (candidateRole); others keep their lane's.
    inspection = "complaints_expert" if complaint_type == "employee" else None
    assert ready_task(wf, "Task_review_answer").role == inspection
    complete_ready_task(wf, "Task_review_answer", {"decision": "approve", "reason": ""})
    assert ready_task_ids(wf) == ["Task_announce_result"]
    assert ready_task(wf, "Task_announce_result").role == inspection
    complete_ready_task(wf, "Task_announce_result", ANNOUNCEMENT_DATA)
    assert ready_task_ids(wf) == []
    assert wf.is_completed()
    assert active_elements(wf) == []  # nothing waits: the deadline timer was cancelled
    assert end_events(wf) == {"EndEvent_answer_announced": 1, "EndEvent_complaint_closed": 1}
    other = EXAMINATION_TASK["employee" if complaint_type == "service" else "service"]
    assert other not in completed_elements(wf)
    assert wf.data["answer_text"] == "پاسخ به شاکی"
    assert wf.data["announcement_channel"] == "letter"


# Filed on Wednesday 1404/12/27 (2026-03-18) at 10:00 Tehran time. Thursdays are off, then
# Friday 1404/12/29 (also a holiday), Nowruz 1405/01/01-04 and 1405/01/12 are holidays: the 10th
# working day is Wednesday 1405/01/19 (2026-04-08), at 10:00 Tehran = 06:30 UTC (P10D: 03-28).
FILED_AT = datetime(2026, 3, 18, 6, 30, tzinfo=timezone.utc)
DEADLINE = datetime(2026, 4, 8, 6, 30)  # naive UTC
DEADLINE_TEXT = "2026-04-08T10:00:00+03:30"


@pytest.mark.parametrize("complaint_type", ["service", "employee"])
def test_the_clock_starts_at_filing_and_survives_a_late_registration_and_a_rework(complaint_type):
    clock.set_now(FILED_AT)
    wf = start_workflow()
    # the registration itself is due within the 10 working days counted from receipt
    assert ready_task_data(wf, "Task_register_complaint")["answer_due_at"] == DEADLINE_TEXT
    clock.set_now(FILED_AT + timedelta(days=6))  # registered a week later: the clock ran on
    complete_ready_task(wf, "Task_register_complaint", register_data(complaint_type, received_on="2026-03-18"))
    exam = EXAMINATION_TASK[complaint_type]
    assert ready_task_data(wf, exam)["answer_due_at"] == DEADLINE_TEXT
    assert waiting_timer(wf).due_at == DEADLINE
    complete_ready_task(wf, exam, EXAMINATION_DATA)
    assert ready_task_data(wf, "Task_review_answer")["answer_due_at"] == DEADLINE_TEXT
    clock.set_now(FILED_AT + timedelta(days=9))
    complete_ready_task(wf, "Task_review_answer", {"decision": "return", "reason": "پاسخ کامل نیست"})
    # the return for rework restarts nothing: same deadline, same timer
    assert ready_task_ids(wf) == [exam]
    assert ready_task_data(wf, exam)["reason"] == "پاسخ کامل نیست"
    assert ready_task_data(wf, exam)["answer_due_at"] == DEADLINE_TEXT
    assert waiting_timer(wf).due_at == DEADLINE
    complete_ready_task(wf, exam, {**EXAMINATION_DATA, "answer_text": "پاسخ اصلاح‌شده"})
    complete_ready_task(wf, "Task_review_answer", {"decision": "approve", "reason": ""})
    # the announcement carries the same deadline
    assert ready_task_data(wf, "Task_announce_result")["answer_due_at"] == DEADLINE_TEXT
    assert waiting_timer(wf).due_at == DEADLINE
    complete_ready_task(wf, "Task_announce_result", ANNOUNCEMENT_DATA)
    assert wf.is_completed()
    assert completed_elements(wf)[exam] == 2
    assert wf.data["answer_text"] == "پاسخ اصلاح‌شده"


def test_an_operator_recorded_receipt_day_counts_from_that_day():
    """A paper complaint received on 1404/12/27 and registered on 1405/01/16: 10 working days
    from the start of the day it came (07:30), not from the registration."""
    clock.set_now(datetime(2026, 4, 5, 8, 0, tzinfo=timezone.utc))
    wf = start_workflow()
    assert ready_task_data(wf, "Task_register_complaint")["received_on"] == "2026-04-05"  # default today
    complete_ready_task(wf, "Task_register_complaint",
                        register_data("service", channel="letter", received_on="2026-03-18"))
    data = ready_task_data(wf, "Task_examine_service_complaint")
    assert data["answer_due_at"] == "2026-04-08T07:30:00+03:30"
    assert data["answer_due_on"] == "2026-04-08"
    assert waiting_timer(wf).due_at == datetime(2026, 4, 8, 4, 0)


def test_a_receipt_day_left_empty_is_the_day_the_complaint_was_started():
    clock.set_now(FILED_AT)
    wf = start_workflow()
    complete_ready_task(wf, "Task_register_complaint", register_data("service", received_on=None))
    data = ready_task_data(wf, "Task_examine_service_complaint")
    assert (data["received_on"], data["answer_due_at"]) == ("2026-03-18", DEADLINE_TEXT)


@pytest.mark.parametrize("complaint_type", ["service", "employee"])
def test_at_the_deadline_the_district_mayor_sees_the_complaint_and_orders_a_unit(complaint_type):
    clock.set_now(FILED_AT)
    wf = start_workflow()
    exam = EXAMINATION_TASK[complaint_type]
    complete_ready_task(wf, "Task_register_complaint", register_data(complaint_type))
    complete_ready_task(wf, exam, EXAMINATION_DATA)
    # under review when the time runs out: the one deadline covers review too
    clock.set_now(DEADLINE - timedelta(minutes=1))
    run_engine(wf)
    assert ready_task_ids(wf) == ["Task_review_answer"]  # not due yet: one working minute left

    # survive a save/load between the steps, as the application does
    wf = load_workflow(dump_workflow(wf))
    clock.set_now(DEADLINE + timedelta(seconds=1))
    run_engine(wf)
    assert ready_task_ids(wf) == sorted(["Task_review_answer", OVERDUE_TASK])  # non-interrupting
    mayor_task = ready_task(wf, OVERDUE_TASK)
    assert role_for_lane(mayor_task.lane) == "district_mayor"
    assert mayor_task.form_key == "complaint_overdue"
    shown = ready_task_data(wf, OVERDUE_TASK)
    assert (shown["received_on"], shown["answer_due_on"]) == ("2026-03-18", "2026-04-08")
    assert shown["description"] == "شرح شکایت" and shown["complainant_name"] == "زهرا احمدی"

    complete_ready_task(wf, OVERDUE_TASK, ORDER_DATA)
    # the order reaches the unit it names, as a department head's task with its own deadline
    order = ready_task(wf, ORDER_TASK)
    assert role_for_lane(order.lane) == "department_head"
    assert order.form_key == "complaint_order_report"
    data = ready_task_data(wf, ORDER_TASK)
    assert data["order_unit"] == "d1-urban-services"
    # three working days from the order (Wed 1405/01/19 10:00): Sat, Sun, Mon 1405/01/24
    assert data["order_due_at"] == "2026-04-13T10:00:01+03:30"
    assert data["order_due_on"] == "2026-04-13"
    complete_ready_task(wf, ORDER_TASK, ORDER_REPORT)
    complete_ready_task(wf, "Task_review_answer", {"decision": "approve"})
    complete_ready_task(wf, "Task_announce_result", ANNOUNCEMENT_DATA)
    assert wf.is_completed()
    assert end_events(wf) == {"EndEvent_answer_announced": 1, "EndEvent_complaint_closed": 1,
                              "EndEvent_order_reported": 1}


def test_overdue_follow_up_does_not_block_the_diagram_main_path():
    """In the diagram the mayor may still be working on the overdue task when the answer is
    announced (the application refuses the announcement only while an order is with its unit)."""
    wf = start_workflow()
    complete_ready_task(wf, "Task_register_complaint", register_data("service"))
    fire_timer(wf)
    complete_ready_task(wf, "Task_examine_service_complaint", EXAMINATION_DATA)
    complete_ready_task(wf, "Task_review_answer", {"decision": "approve"})
    complete_ready_task(wf, "Task_announce_result", ANNOUNCEMENT_DATA)
    assert ready_task_ids(wf) == [OVERDUE_TASK]
    assert not wf.is_completed()
    complete_ready_task(wf, OVERDUE_TASK, ORDER_DATA)
    complete_ready_task(wf, ORDER_TASK, ORDER_REPORT)
    assert wf.is_completed()
