"""processes/complaints.bpmn (رسیدگی به شکایات) over HTTP: what test_complaint_walkthrough.py
does not cover. That file walks both branches of Gateway_complaint_type and both outcomes of
Gateway_review_decision / Gateway_return_target on the pages; here: the same gateways through
the API, the ten-day deadline (one boundary timer on the answer's sub-process) that gives the
district mayor an overdue follow-up on either branch and the mayor's order to the unit it
names, the record produced (F-__-0-5-01 at registration, once) and end events reached, and the
refusal of every other district and role at every step.
"""
import pytest

from http_support import (ANNOUNCEMENT, EXAMINATION, REGISTER_EMPLOYEE, REGISTER_SERVICE,
                          REVIEW_APPROVE, REVIEW_RETURN)
from path_support import (drive, drive_api, end_events, finished, finished_api, html_form,
                          fire_timers_when_due, page_text_of, ready_specs, ready_task,
                          record_authors, records_of, refused, start_api, start_on_page,
                          waiting_timers)

F01 = "F-__-0-5-01"
REGISTER = {"service": REGISTER_SERVICE, "employee": REGISTER_EMPLOYEE}
EXAMINE = {"service": "Task_examine_service_complaint",
           "employee": "Task_examine_employee_complaint"}
EXAMINER = {"service": "pr_expert_d1", "employee": "complaints_expert_d1"}
# A complaint about staff stays with inspection: its review and announcement too (candidateRole).
REVIEWER = {"service": "pr_head_d1", "employee": "complaints_expert_d1"}
ANNOUNCER = {"service": "pr_expert_d1", "employee": "complaints_expert_d1"}
OVERDUE = "Task_followup_overdue"
ORDER = "Task_carry_out_order"
MAYOR_ORDER = {"order_unit": "d1-services", "order_days": "2", "overdue_note": "",
               "overdue_action": "اداره خدمات شهری تا دو روز کاری رسیدگی و گزارش کند."}
ORDER_REPORT = {"order_action_taken": "رسیدگی شد و نتیجه به کارشناس شکایات اعلام شد.",
                "order_result": "done", "order_note": ""}
CLOSED = {"EndEvent_answer_announced": 1, "EndEvent_complaint_closed": 1}


@pytest.mark.parametrize("kind", ["service", "employee"])
def test_complaint_answered_and_approved_first_time_through_the_api(app, complaints, api, login, kind):
    expert, examiner, head = api("pr_expert_d1"), api(EXAMINER[kind]), api(REVIEWER[kind])
    announcer = api(ANNOUNCER[kind])
    instance_id = start_api(expert, "complaints", "d1")["id"]
    answer = drive_api(expert, instance_id, "Task_register_complaint", REGISTER[kind])
    [exam] = answer["instance"]["open_tasks"]
    assert (exam["task"], exam["role"]) == (EXAMINE[kind], EXAMINER[kind][:-3])
    assert exam["due_at"] is not None  # the ten-day deadline is on the task
    drive_api(examiner, instance_id, EXAMINE[kind], EXAMINATION)
    drive_api(head, instance_id, "Task_review_answer", REVIEW_APPROVE)
    drive_api(announcer, instance_id, "Task_announce_result", ANNOUNCEMENT)

    body = finished_api(head, instance_id)
    assert body["data"]["answer_text"] == EXAMINATION["answer_text"]
    assert waiting_timers(app, instance_id) == []  # the deadline was withdrawn with the task
    done = finished(login(REVIEWER[kind]), instance_id)
    assert end_events(done) == CLOSED
    other = EXAMINE["employee" if kind == "service" else "service"]
    assert other not in done and OVERDUE not in done
    assert record_authors(app, instance_id) == [(F01, "Task_register_complaint", "pr_expert_d1")]


@pytest.mark.parametrize("kind", ["service", "employee"])
def test_missed_deadline_gives_the_district_mayor_a_follow_up_while_the_examination_goes_on(
        app, complaints, login, kind):
    expert, examiner, head, mayor = (login("pr_expert_d1"), login(EXAMINER[kind]),
                                     login(REVIEWER[kind]), login("district_mayor_d1"))
    instance_id = start_on_page(expert, "complaints", "d1")
    drive(expert, instance_id, "Task_register_complaint", REGISTER[kind])
    assert fire_timers_when_due(app, instance_id) == ["BoundaryEvent_answer_deadline"]

    # non-interrupting: the examination stays open beside the mayor's follow-up
    assert ready_specs(app, instance_id) == sorted([EXAMINE[kind], OVERDUE])
    overdue = ready_task(app, instance_id, OVERDUE)
    assert overdue.role == "district_mayor"
    assert REGISTER[kind]["subject"] in page_text_of(mayor, f"/instances/{instance_id}")
    refused(login("district_mayor_d2"), overdue.id, MAYOR_ORDER)
    refused(login("pr_head_d1"), overdue.id, MAYOR_ORDER)
    drive(mayor, instance_id, OVERDUE, MAYOR_ORDER)
    # the order is a task of the unit it names, with its own deadline
    assert ready_specs(app, instance_id) == sorted([EXAMINE[kind], ORDER])
    order = ready_task(app, instance_id, ORDER)
    assert order.role == "department_head" and order.due_at is not None
    refused(login("department_head_d2"), order.id, ORDER_REPORT)
    drive(login("department_head_d1"), instance_id, ORDER, ORDER_REPORT)
    assert ready_specs(app, instance_id) == [EXAMINE[kind]]

    # the answer is returned once, to the right examination, then approved and announced
    drive(examiner, instance_id, EXAMINE[kind], EXAMINATION)
    drive(head, instance_id, "Task_review_answer", REVIEW_RETURN)
    assert ready_specs(app, instance_id) == [EXAMINE[kind]]
    drive(examiner, instance_id, EXAMINE[kind], {**EXAMINATION, "answer_text": "پاسخ اصلاح‌شده"})
    drive(head, instance_id, "Task_review_answer", REVIEW_APPROVE)
    drive(login(ANNOUNCER[kind]), instance_id, "Task_announce_result", ANNOUNCEMENT)

    done = finished(examiner, instance_id)
    assert end_events(done) == {**CLOSED, "EndEvent_order_reported": 1}
    assert done[EXAMINE[kind]] == 2 and done["Task_review_answer"] == 2
    assert records_of(app, instance_id) == [F01]


def test_the_overdue_follow_up_may_finish_after_the_answer_is_announced(app, complaints, login):
    expert, head, mayor = login("pr_expert_d1"), login("pr_head_d1"), login("district_mayor_d1")
    instance_id = start_on_page(expert, "complaints", "d1")
    drive(expert, instance_id, "Task_register_complaint", REGISTER_SERVICE)
    fire_timers_when_due(app, instance_id)
    drive(expert, instance_id, "Task_examine_service_complaint", EXAMINATION)
    drive(head, instance_id, "Task_review_answer", REVIEW_APPROVE)
    drive(expert, instance_id, "Task_announce_result", ANNOUNCEMENT)
    assert ready_specs(app, instance_id) == [OVERDUE]
    page = page_text_of(mayor, f"/instances/{instance_id}")
    assert 'data-status="running"' in page
    drive(mayor, instance_id, OVERDUE, MAYOR_ORDER)
    drive(login("department_head_d1"), instance_id, ORDER, ORDER_REPORT)
    assert end_events(finished(mayor, instance_id)) == {**CLOSED, "EndEvent_order_reported": 1}
    assert records_of(app, instance_id) == [F01]


def test_the_answer_is_announced_only_once_the_ordered_unit_has_reported(app, complaints, login):
    expert, head, mayor = login("pr_expert_d1"), login("pr_head_d1"), login("district_mayor_d1")
    instance_id = start_on_page(expert, "complaints", "d1")
    drive(expert, instance_id, "Task_register_complaint", REGISTER_SERVICE)
    fire_timers_when_due(app, instance_id)
    drive(mayor, instance_id, OVERDUE, MAYOR_ORDER)
    drive(expert, instance_id, "Task_examine_service_complaint", EXAMINATION)
    drive(head, instance_id, "Task_review_answer", REVIEW_APPROVE)
    announce = ready_task(app, instance_id, "Task_announce_result")
    response = expert.post(f"/tasks/{announce.id}", data=html_form(ANNOUNCEMENT))
    assert response.status_code == 400
    assert "پس از رسیدن گزارش آن واحد" in response.get_data(as_text=True)
    assert ready_specs(app, instance_id) == sorted(["Task_announce_result", ORDER])  # nothing changed
    # the unit's report reaches the announcement's case, then the answer goes out
    drive(login("department_head_d1"), instance_id, ORDER, ORDER_REPORT)
    assert ORDER_REPORT["order_action_taken"] in page_text_of(expert, f"/tasks/{announce.id}")
    drive(expert, instance_id, "Task_announce_result", ANNOUNCEMENT)
    assert end_events(finished(mayor, instance_id)) == {**CLOSED, "EndEvent_order_reported": 1}


@pytest.mark.parametrize("kind", ["service", "employee"])
def test_at_every_step_another_district_or_another_role_cannot_act(app, complaints, login, api, kind):
    instance_id = start_on_page(login("pr_expert_d1"), "complaints", "d1")
    other_examiner = EXAMINER["employee" if kind == "service" else "service"]
    steps = [  # (task, its role's user in d1, data, a user of another role in d1)
        ("Task_register_complaint", "pr_expert_d1", REGISTER[kind], "complaints_expert_d1"),
        (EXAMINE[kind], EXAMINER[kind], EXAMINATION, other_examiner),
        ("Task_review_answer", REVIEWER[kind], REVIEW_APPROVE,
         "complaints_expert_d1" if kind == "service" else "pr_head_d1"),
        ("Task_announce_result", ANNOUNCER[kind], ANNOUNCEMENT,
         "district_mayor_d1" if kind == "service" else "pr_expert_d1"),
    ]
    for bpmn_id, username, data, wrong_role in steps:
        task = ready_task(app, instance_id, bpmn_id)
        same_role_d2 = username.replace("_d1", "_d2")
        refused(login(same_role_d2), task.id, data)
        refused(api(same_role_d2), task.id, data)
        refused(login(wrong_role), task.id, data)
        drive(login(username), instance_id, bpmn_id, data)
    assert end_events(finished(login(REVIEWER[kind]), instance_id)) == CLOSED
    assert records_of(app, instance_id) == [F01]
