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
from engine.spiff.workflows import (active_elements, completed_elements, dump_workflow,
                              load_workflow, make_timers_due, ready_human_tasks, run_engine,
                              waiting_timers)
from models import clock
from people.roles import role_for_lane

EXAMINATION_TASK = {"service": "Task_examine_service_complaint",
                    "employee": "Task_examine_employee_complaint"}
TIMER_EVENT = {"service": "BoundaryEvent_service_deadline",
               "employee": "BoundaryEvent_employee_deadline"}
OVERDUE_TASK = {"service": "Task_followup_overdue_service",
                "employee": "Task_followup_overdue_employee"}


def start_workflow():
    wf = workflow_from_bpmn(BPMN_FILE.read_bytes())
    run_engine(wf)
    return wf


def register_data(complaint_type: str) -> dict:
    return {
        "complainant_name": "زهرا احمدی",
        "phone": "09123456789",
        "channel": "137",
        "subject": "جمع‌آوری نشدن پسماند" if complaint_type == "service" else "برخورد نامناسب کارمند",
        "complaint_type": complaint_type,
        "description": "شرح شکایت",
        "address": "منطقه ۳، خیابان زند",
    }


EXAMINATION_DATA = {"findings": "بررسی شد", "justified": "yes",
                    "actions_taken": "به پیمانکار تذکر داده شد", "answer_text": "پاسخ به شاکی"}
ANNOUNCEMENT_DATA = {"announcement_channel": "letter", "announced_on": "2025-01-15",
                     "letter_number": "۱۲۳/ش", "note": ""}


def ready_task(wf, bpmn_id: str):
    """The one ready human task with this BPMN id, as the inbox would list it."""
    ready = [t for t in ready_human_tasks(wf) if t.task_spec == bpmn_id]
    assert len(ready) == 1, f"expected {bpmn_id} ready, ready: {ready_task_ids(wf)}"
    return ready[0]


def waiting_timer(wf, complaint_type: str):
    timers = [t for t in waiting_timers(wf) if t.task_spec == TIMER_EVENT[complaint_type]]
    assert len(timers) == 1, [t.task_spec for t in waiting_timers(wf)]
    return timers[0]


def fire_timer(wf, complaint_type: str) -> None:
    """Make the deadline timer due now and run the engine, as the scheduler does."""
    make_timers_due(wf, [waiting_timer(wf, complaint_type).spiff_task_id])
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
    assert end_events(wf) == {"EndEvent_complaint_closed": 1}
    other = EXAMINATION_TASK["employee" if complaint_type == "service" else "service"]
    assert other not in completed_elements(wf)
    assert wf.data["answer_text"] == "پاسخ به شاکی"
    assert wf.data["announcement_channel"] == "letter"


@pytest.mark.parametrize("complaint_type", ["service", "employee"])
def test_review_return_goes_back_to_the_right_examination(complaint_type):
    wf = start_workflow()
    exam = EXAMINATION_TASK[complaint_type]
    complete_ready_task(wf, "Task_register_complaint", register_data(complaint_type))
    complete_ready_task(wf, exam, EXAMINATION_DATA)
    complete_ready_task(wf, "Task_review_answer", {"decision": "return", "reason": "پاسخ کامل نیست"})
    assert ready_task_ids(wf) == [exam]
    assert ready_task_data(wf, exam)["reason"] == "پاسخ کامل نیست"
    # the re-opened examination has its own deadline timer again
    waiting_timer(wf, complaint_type)
    complete_ready_task(wf, exam, {**EXAMINATION_DATA, "answer_text": "پاسخ اصلاح‌شده"})
    assert ready_task_ids(wf) == ["Task_review_answer"]
    complete_ready_task(wf, "Task_review_answer", {"decision": "approve", "reason": ""})
    complete_ready_task(wf, "Task_announce_result", ANNOUNCEMENT_DATA)
    assert wf.is_completed()
    assert completed_elements(wf)[exam] == 2
    assert wf.data["answer_text"] == "پاسخ اصلاح‌شده"


# Registered on Wednesday 1404/12/27 (2026-03-18) at 10:00 Tehran time. Thursdays are off, then
# Friday 1404/12/29 (also a holiday), Nowruz 1405/01/01-04 and 1405/01/12 are holidays: the 10th
# working day is Wednesday 1405/01/19 (2026-04-08), at 10:00 Tehran = 06:30 UTC (P10D: 03-28).
REGISTERED_AT = datetime(2026, 3, 18, 6, 30, tzinfo=timezone.utc)
DEADLINE = datetime(2026, 4, 8, 6, 30)  # naive UTC


@pytest.mark.parametrize("complaint_type", ["service", "employee"])
def test_deadline_is_ten_working_days_and_offers_the_overdue_task_to_the_district_mayor(complaint_type):
    clock.set_now(REGISTERED_AT)
    wf = start_workflow()
    exam = EXAMINATION_TASK[complaint_type]
    complete_ready_task(wf, "Task_register_complaint", register_data(complaint_type))

    assert waiting_timer(wf, complaint_type).due_at == DEADLINE
    assert ready_task(wf, exam).due == {"dueInWorkingDays": 10}
    clock.set_now(DEADLINE - timedelta(minutes=1))
    run_engine(wf)
    assert ready_task_ids(wf) == [exam]  # not due yet: one working minute left

    # survive a save/load between the steps, as the application does
    wf = load_workflow(dump_workflow(wf))
    clock.set_now(DEADLINE + timedelta(seconds=1))
    run_engine(wf)

    overdue = OVERDUE_TASK[complaint_type]
    assert ready_task_ids(wf) == sorted([exam, overdue])  # non-interrupting: examination stays open
    mayor_task = ready_task(wf, overdue)
    assert mayor_task.lane == "شهردار منطقه"
    assert role_for_lane(mayor_task.lane) == "district_mayor"
    assert mayor_task.form_key == "complaint_overdue"
    assert ready_task_data(wf, overdue)["complaint_type"] == complaint_type

    complete_ready_task(wf, overdue, {"overdue_action": "رسیدگی فوری", "overdue_note": ""})
    assert ready_task_ids(wf) == [exam]
    complete_ready_task(wf, exam, EXAMINATION_DATA)
    complete_ready_task(wf, "Task_review_answer", {"decision": "approve"})
    complete_ready_task(wf, "Task_announce_result", ANNOUNCEMENT_DATA)
    assert wf.is_completed()
    assert end_events(wf) == {"EndEvent_complaint_closed": 1,
                              f"EndEvent_overdue_{complaint_type}_followed": 1}


def test_overdue_follow_up_does_not_block_the_main_path():
    """The mayor may still be working on the overdue task when the answer is announced."""
    wf = start_workflow()
    complete_ready_task(wf, "Task_register_complaint", register_data("service"))
    fire_timer(wf, "service")
    complete_ready_task(wf, "Task_examine_service_complaint", EXAMINATION_DATA)
    complete_ready_task(wf, "Task_review_answer", {"decision": "approve"})
    complete_ready_task(wf, "Task_announce_result", ANNOUNCEMENT_DATA)
    assert ready_task_ids(wf) == ["Task_followup_overdue_service"]
    assert not wf.is_completed()
    complete_ready_task(wf, "Task_followup_overdue_service", {"overdue_action": "پیگیری شد"})
    assert wf.is_completed()
