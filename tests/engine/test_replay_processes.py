"""Re-execution of instances of every process in processes/, driven to a meaningful state
(loops, escalations by timers, multi-instance items, completed and still running): each replays
to its stored state."""
from datetime import datetime, timedelta, timezone

import pytest

from message_137_support import (DEPUTY_DUE, MANAGER_DUE, complete, deploy_messages,
                                 referred_message, reply)
from models import clock
from replay_support import assert_replays, deploy, do, fire_at, ready, row_where, start
from tests.survey_form_data import (CITIZEN_FORM, CORRECTIVE_ACTION, MAYOR_ACTION, PLAN_APPROVE,
                                    PLAN_RETURN, POLL_ANSWER, POLL_APPROVE, POLL_FILING,
                                    POLL_REPORT, POLL_SUMMARY, SURVEY_FOLLOWUP, SURVEY_PLAN)

NOT_SATISFIED = {"satisfied": "no", "feedback_note": "چراغ هنوز خاموش است."}
NOT_CONFIRMED = {"answer_confirmed": "no", "investigation_findings": "بازدید شد؛ تعمیر نشده."}


def test_a_137_message_that_looped_twice_and_escalated_replays_to_its_stored_state(app, db):
    deploy_messages(app)
    message = referred_message(db)
    fire_at(app, db, DEPUTY_DUE)       # 72 working hours: the deputy
    fire_at(app, db, MANAGER_DUE)      # 96: the manager and the inspection office
    complete(db, message.id, "Task_deputy_followup", {"escalation_note": "پیگیری شد."})
    for round_number in (1, 2):
        reply(db, message.id, f"پاسخ دور {round_number}")
        complete(db, message.id, "Task_feedback_call", NOT_SATISFIED)
        complete(db, message.id, "Task_field_investigation", NOT_CONFIRMED)
    clock.set_now(MANAGER_DUE + timedelta(hours=1))
    reply(db, message.id, "پاسخ دور ۳")
    complete(db, message.id, "Task_feedback_call", {"satisfied": "yes"})
    replay = assert_replays(db, message.id)
    assert replay.status == "completed"
    last = replay.steps[-1]
    assert last.type == "instance_completed"
    assert last.element_counts["Task_executive_reply"] == 3
    assert last.element_counts["Timer_no_reply_72h"] == 1
    assert last.data_after["classification"]["referral_rounds"] == 3
    fired = [s for s in replay.steps if s.type == "timer_fired"]
    assert [s.ran_element for s in fired] == ["Timer_no_reply_72h", "Timer_no_reply_96h"]
    assert "Task_deputy_followup" in fired[0].active


def test_a_137_message_waiting_on_its_escalation_replays_while_still_running(app, db):
    deploy_messages(app)
    message = referred_message(db, "technical")
    fire_at(app, db, DEPUTY_DUE)
    replay = assert_replays(db, message.id)
    assert replay.status == "running"
    assert sorted(replay.steps[-1].active) == sorted(
        ["Task_deputy_followup", "Task_executive_reply", "Timer_no_reply_96h"])


COMPLAINT = {"complainant_name": "زهرا احمدی", "phone": "09123456789", "channel": "137",
             "subject": "جمع‌آوری نشدن پسماند", "complaint_type": "service",
             "description": "شرح شکایت", "address": "منطقه ۳، خیابان زند"}
EXAMINATION = {"findings": "بررسی شد", "justified": "yes",
               "actions_taken": "به پیمانکار تذکر داده شد", "answer_text": "پاسخ به شاکی"}
ANNOUNCEMENT = {"announcement_channel": "letter", "announced_on": "2025-01-15",
                "letter_number": "۱۲۳/ش", "note": ""}
# Registered Wednesday 1404/12/27 10:00 Tehran; the 10th working day ends 2026-04-08 06:30 UTC.
REGISTERED_AT = datetime(2026, 3, 18, 6, 30, tzinfo=timezone.utc)
COMPLAINT_DEADLINE = datetime(2026, 4, 8, 6, 30, tzinfo=timezone.utc)


def test_a_complaint_returned_by_the_review_and_overdue_past_its_deadline_replays(app, db):
    deploy(app, "complaints")
    clock.set_now(REGISTERED_AT)
    complaint = start(db, "complaints")
    do(db, complaint, "Task_register_complaint", COMPLAINT)
    assert fire_at(app, db, COMPLAINT_DEADLINE + timedelta(seconds=1)) == 1  # the boundary timer
    assert ready(db, complaint) == ["Task_examine_service_complaint", "Task_followup_overdue"]
    do(db, complaint, "Task_examine_service_complaint", EXAMINATION)
    do(db, complaint, "Task_review_answer", {"decision": "return", "reason": "پاسخ کامل نیست"})
    do(db, complaint, "Task_examine_service_complaint", {**EXAMINATION, "answer_text": "پاسخ اصلاح‌شده"})
    do(db, complaint, "Task_review_answer", {"decision": "approve", "reason": ""})
    do(db, complaint, "Task_announce_result", ANNOUNCEMENT)
    replay = assert_replays(db, complaint)
    assert replay.status == "running"  # the mayor's overdue task is still open
    assert replay.steps[-1].active == ["Task_followup_overdue"]
    assert replay.steps[-1].element_counts["Task_examine_service_complaint"] == 2
    do(db, complaint, "Task_followup_overdue", {"order_unit": "d1-services", "order_days": 2,
                                                "overdue_action": "پیگیری شد", "overdue_note": ""})
    do(db, complaint, "Task_carry_out_order", {"order_action_taken": "انجام شد", "order_result": "done"})
    assert assert_replays(db, complaint).status == "completed"


def test_an_employee_complaint_under_review_replays_with_its_one_deadline_still_waiting(app, db):
    deploy(app, "complaints")
    complaint = start(db, "complaints")
    do(db, complaint, "Task_register_complaint", {**COMPLAINT, "complaint_type": "employee"})
    do(db, complaint, "Task_examine_employee_complaint", EXAMINATION)
    assert sorted(assert_replays(db, complaint).steps[-1].active) == [
        "BoundaryEvent_answer_deadline", "Task_review_answer"]


@pytest.mark.parametrize("key, path", [
    ("website_update", "returned_to_requester_once"),
    ("website_update", "publication_fixed_once"),
    ("press_conference", "rescheduled_once"),
    ("press_conference", "report_returned_once"),
    ("news", "returned_for_correction_once"),
    ("news", "rebuttal_returned_by_the_mayor_once"),
])
def test_a_pr_process_that_went_round_its_loop_replays_to_its_stored_state(app, db, key, path):
    from pr_processes_support import PATHS
    deploy(app, key)
    instance = start(db, key)
    case = PATHS[key][path]
    for number, (spec, data) in enumerate(case.steps, start=1):
        do(db, instance, spec, data)
        if number == len(case.steps) // 2:
            assert_replays(db, instance)  # half-way, still running
    replay = assert_replays(db, instance)
    assert replay.status == "completed"
    assert replay.steps[-1].element_counts[case.end_event] == 1
    for spec, count in case.counts.items():
        assert replay.steps[-1].element_counts[spec] == count


def test_a_citizen_survey_returned_once_with_entries_and_corrective_action_replays(app, db):
    deploy(app, "citizen_survey")
    survey = start(db, "citizen_survey")
    do(db, survey, "Task_plan_survey", SURVEY_PLAN)
    do(db, survey, "Task_review_survey_plan", PLAN_RETURN)
    do(db, survey, "Task_plan_survey", {**SURVEY_PLAN, "sample_size": "400"})
    do(db, survey, "Task_review_survey_plan", PLAN_APPROVE)
    # A citizen answers through the public link: the answer goes to the register (an event,
    # no workflow data); the summary completion records the tables computed from it.
    from programmes.surveys.answers import create_public_links, store_public_answer
    from models import Instance
    from people.accounts import find_user
    links = create_public_links(db, db.get(Instance, survey), find_user(db, "admin"))
    store_public_answer(db, next(link for link in links if link.form_key == "citizen_survey"),
                        dict(CITIZEN_FORM))
    db.commit()
    for _ in range(2):
        do(db, survey, "Task_collect_survey_forms", {"next_form": "citizen"})
        do(db, survey, "Task_enter_citizen_survey", CITIZEN_FORM)
    do(db, survey, "Task_collect_survey_forms", {"next_form": "finished"})
    do(db, survey, "Task_prepare_survey_summary", {
        "analysis": "رضایت از روشنایی پایین است.", "strengths": "فضای سبز",
        "improvement_areas": "روشنایی معابر", "suggestions": "ترمیم روشنایی", "fieldwork_notes": ""})
    do(db, survey, "Task_report_to_mayor", MAYOR_ACTION)
    do(db, survey, "Task_corrective_action", CORRECTIVE_ACTION)
    assert assert_replays(db, survey).status == "running"
    do(db, survey, "Task_follow_up_corrective_action", SURVEY_FOLLOWUP)
    replay = assert_replays(db, survey)
    [answer] = [s for s in replay.steps if s.type == "survey_answer_received"]
    assert answer.changes == [] and answer.ran_element is None
    [summary] = [s for s in replay.steps if s.task_spec == "Task_prepare_survey_summary"]
    assert summary.submitted != {}  # with the tables the server computed
    assert replay.steps[-1].element_counts["Task_enter_citizen_survey"] == 2
    assert replay.steps[-1].element_counts["Task_plan_survey"] == 2


def test_an_opinion_poll_returned_once_with_two_answers_replays(app, db):
    from tests.survey_form_data import POLL_FIELDWORK, POLL_PLAN, POLL_RETURN
    deploy(app, "opinion_poll")
    poll = start(db, "opinion_poll")
    do(db, poll, "Task_prepare_poll_plan", POLL_PLAN)
    do(db, poll, "Task_approve_poll_plan", POLL_RETURN)
    do(db, poll, "Task_prepare_poll_plan", {**POLL_PLAN, "sample_size": "300"})
    do(db, poll, "Task_approve_poll_plan", POLL_APPROVE)
    for _ in range(2):
        do(db, poll, "Task_collect_poll_answers", {"next_poll_step": "answer"})
        do(db, poll, "Task_enter_poll_answer", POLL_ANSWER)
    do(db, poll, "Task_collect_poll_answers", {"next_poll_step": "finished"})
    do(db, poll, "Task_poll_fieldwork", POLL_FIELDWORK)
    do(db, poll, "Task_prepare_poll_summary", POLL_SUMMARY)
    do(db, poll, "Task_poll_report", POLL_REPORT)
    do(db, poll, "Task_file_poll_report", POLL_FILING)
    replay = assert_replays(db, poll)
    assert replay.status == "completed"
    assert replay.steps[-1].element_counts["Task_enter_poll_answer"] == 2


def test_public_meeting_orders_followed_up_out_of_order_replay_each_to_its_own_item(app, db):
    from test_public_meetings_process import APPLICANT, OFFICE_LIST, OUTCOME, REQUEST, check, followup
    deploy(app, "public_meetings")
    meeting = start(db, "public_meetings")
    do(db, meeting, "Task_register_request", REQUEST)
    do(db, meeting, "Task_register_applicant", APPLICANT)
    do(db, meeting, "Task_schedule_meeting", {
        "venue": "office", "meeting_date": "۱۴۰۴/۰۷/۲۲", "meeting_time": "19:30", "mosque_name": "",
        "applicant_informed": "on", "schedule_note": ""})
    do(db, meeting, "Task_office_meeting_list", OFFICE_LIST)

    def order(spec, number, data):
        # Three parallel items of one BPMN id: re-execution must give each its own completion.
        row = row_where(db, meeting, spec, lambda d: d["order"]["number"] == number)
        do(db, meeting, spec, data, row=row)

    order("Task_order_followup", 3, followup("پرونده در کمیسیون مطرح شد"))
    order("Task_order_followup", 2, followup("سفارش خرید چراغ ثبت شد", "in_progress", "۱۴۰۴/۰۸/۰۱"))
    order("Task_check_order", 2, check("not_done", "چراغ‌ها هنوز نصب نشده‌اند"))
    order("Task_order_followup", 1, followup("جوی لایروبی شد"))
    order("Task_check_order", 1, check("done", "با شهروند تماس گرفته شد"))
    assert_replays(db, meeting)  # still running, with items in several states
    order("Task_check_order", 3, check("done"))
    order("Task_order_followup", 2, followup("چراغ‌ها نصب شد"))
    order("Task_check_order", 2, check("done", "بازدید شد"))
    do(db, meeting, "Task_announce_outcome", OUTCOME)
    replay = assert_replays(db, meeting)
    assert replay.status == "completed"
    orders = replay.steps[-1].data_after["orders"]
    assert [o["action_taken"] for o in orders] == [
        "جوی لایروبی شد", "چراغ‌ها نصب شد", "پرونده در کمیسیون مطرح شد"]
