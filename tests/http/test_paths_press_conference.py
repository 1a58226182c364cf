"""processes/press_conference.bpmn (نشست خبری) over HTTP: every path through its two gateways,
driven by users of the lanes' roles in district d1, with the records produced (schedule
F-__-0-2-10, invitation F-11, attendance list F-12, report F-13), and the refusal of
everybody else.

Gateway_schedule_decision (district mayor): approve → invitation; reschedule → PR head again.
Gateway_report_decision (PR head):         approve → end; return → PR expert rewrites.
"""
import pytest

from path_support import (deploy, drive, drive_api, end_events, finished, finished_api,
                          instance_row, page_text_of, ready_specs, ready_task, ready_task_data,
                          record_authors, records_of, refused, start_api, start_on_page)

SCHEDULE = {"conference_date": "2025-09-01", "conference_time": "10:00",
            "conference_place": "سالن جلسات شهرداری منطقه", "topics": "طرح‌های عمرانی",
            "schedule_note": ""}
INVITATION = {
    "invited_on": "2025-08-25", "invitation_text": "از خبرنگاران محترم دعوت می‌شود ...",
    "invited_media": [
        {"outlet": "خبرگزاری ایرنا", "reporter": "علی رضایی", "contact": "09121234567"},
        {"outlet": "روزنامه عصر", "reporter": "", "contact": "news@example.ir"},
    ],
}
HELD = {"held_on": "2025-09-01", "held_place": "سالن جلسات شهرداری منطقه", "held_note": ""}
ATTENDANCE = {"attendees": [
    {"name": "علی رضایی", "outlet": "خبرگزاری ایرنا", "signature_received": True},
    {"name": "مریم کاظمی", "outlet": "روزنامه عصر", "signature_received": False},
]}
REPORT = {"summary": "نشست با حضور ۱۲ خبرنگار برگزار شد.", "questions_raised": "زمان پایان پروژه",
          "commitments_made": "گزارش ماهانه", "coverage_links": "https://example.ir/a"}
SCHEDULE_OK = {"schedule_decision": "approve", "schedule_decision_note": ""}
RESCHEDULE = {"schedule_decision": "reschedule", "schedule_decision_note": "هفته بعد، روز دوشنبه"}
REPORT_OK = {"report_decision": "approve", "report_review_reason": ""}
REPORT_RETURN = {"report_decision": "return", "report_review_reason": "تعهدات کامل نیست"}
F10, F11, F12, F13 = "F-__-0-2-10", "F-__-0-2-11", "F-__-0-2-12", "F-__-0-2-13"
END = "EndEvent_press_conference_reported"


@pytest.fixture
def press_conference(app):
    return deploy(app, "press_conference")


def test_rescheduled_by_the_mayor_and_report_returned_once_then_both_approved(
        app, press_conference, login):
    head, mayor, expert = login("pr_head_d1"), login("district_mayor_d1"), login("pr_expert_d1")
    instance_id = start_on_page(head, "press_conference", "d1")

    drive(head, instance_id, "Task_schedule_conference", SCHEDULE)
    drive(mayor, instance_id, "Task_approve_schedule", RESCHEDULE)
    # back with the PR head, the mayor's note on the instance page, the first schedule as draft
    again = ready_task(app, instance_id, "Task_schedule_conference")
    assert ready_specs(app, instance_id) == ["Task_schedule_conference"]
    assert ready_task_data(app, again.id)["schedule_decision_note"] == RESCHEDULE["schedule_decision_note"]
    assert RESCHEDULE["schedule_decision_note"] in page_text_of(head, f"/instances/{instance_id}")
    assert SCHEDULE["conference_place"] in page_text_of(head, f"/tasks/{again.id}")
    drive(head, instance_id, "Task_schedule_conference", {**SCHEDULE, "conference_date": "2025-09-08"})
    drive(mayor, instance_id, "Task_approve_schedule", SCHEDULE_OK)

    drive(expert, instance_id, "Task_send_invitation", INVITATION)
    drive(head, instance_id, "Task_hold_conference", HELD)
    drive(expert, instance_id, "Task_record_attendance", ATTENDANCE)
    drive(expert, instance_id, "Task_write_report", REPORT)
    drive(head, instance_id, "Task_approve_report", REPORT_RETURN)
    rewrite = ready_task(app, instance_id, "Task_write_report")
    assert ready_task_data(app, rewrite.id)["report_review_reason"] == REPORT_RETURN["report_review_reason"]
    assert REPORT["summary"] in page_text_of(expert, f"/tasks/{rewrite.id}")
    drive(expert, instance_id, "Task_write_report", {**REPORT, "commitments_made": "گزارش ماهانه و بازدید"})
    drive(head, instance_id, "Task_approve_report", REPORT_OK)

    done = finished(head, instance_id)
    assert end_events(done) == {END: 1}
    assert {k: done[k] for k in ("Task_schedule_conference", "Task_approve_schedule",
                                 "Task_write_report", "Task_approve_report")} == {
        "Task_schedule_conference": 2, "Task_approve_schedule": 2,
        "Task_write_report": 2, "Task_approve_report": 2}
    assert records_of(app, instance_id) == [F10, F10, F11, F12, F13, F13]
    assert record_authors(app, instance_id) == [
        (F10, "Task_schedule_conference", "pr_head_d1"),
        (F10, "Task_schedule_conference", "pr_head_d1"),
        (F11, "Task_send_invitation", "pr_expert_d1"),
        (F12, "Task_record_attendance", "pr_expert_d1"),
        (F13, "Task_write_report", "pr_expert_d1"),
        (F13, "Task_write_report", "pr_expert_d1")]
    # the rows typed on the pages arrive as lists, the ticks as booleans
    data = instance_row(app, instance_id).data
    assert data["conference_date"] == "2025-09-08"
    assert [m["outlet"] for m in data["invited_media"]] == ["خبرگزاری ایرنا", "روزنامه عصر"]
    assert [a["signature_received"] for a in data["attendees"]] == [True, False]


def test_approved_schedule_and_report_first_time_through_the_api(app, press_conference, api, login):
    head, mayor, expert = api("pr_head_d1"), api("district_mayor_d1"), api("pr_expert_d1")
    instance_id = start_api(head, "press_conference", "d1")["id"]
    drive_api(head, instance_id, "Task_schedule_conference", SCHEDULE)
    answer = drive_api(mayor, instance_id, "Task_approve_schedule", SCHEDULE_OK)
    assert [t["task"] for t in answer["instance"]["open_tasks"]] == ["Task_send_invitation"]
    drive_api(expert, instance_id, "Task_send_invitation", INVITATION)
    drive_api(head, instance_id, "Task_hold_conference", HELD)
    drive_api(expert, instance_id, "Task_record_attendance", ATTENDANCE)
    drive_api(expert, instance_id, "Task_write_report", REPORT)
    drive_api(head, instance_id, "Task_approve_report", REPORT_OK)

    finished_api(mayor, instance_id)
    done = finished(login("pr_head_d1"), instance_id)
    assert end_events(done) == {END: 1}
    assert done["Task_schedule_conference"] == 1 and done["Task_write_report"] == 1
    assert records_of(app, instance_id) == [F10, F11, F12, F13]


STEPS = [  # (task, its role's user in d1, data, a user of another role in d1)
    ("Task_schedule_conference", "pr_head_d1", SCHEDULE, "pr_expert_d1"),
    ("Task_approve_schedule", "district_mayor_d1", SCHEDULE_OK, "pr_head_d1"),
    ("Task_send_invitation", "pr_expert_d1", INVITATION, "pr_head_d1"),
    ("Task_hold_conference", "pr_head_d1", HELD, "district_mayor_d1"),
    ("Task_record_attendance", "pr_expert_d1", ATTENDANCE, "mayor_office_head_d1"),
    ("Task_write_report", "pr_expert_d1", REPORT, "pr_head_d1"),
    ("Task_approve_report", "pr_head_d1", REPORT_OK, "pr_expert_d1"),
]


def test_at_every_step_another_district_or_another_role_cannot_act(app, press_conference, login, api):
    instance_id = start_on_page(login("pr_head_d1"), "press_conference", "d1")
    for bpmn_id, username, data, wrong_role in STEPS:
        task = ready_task(app, instance_id, bpmn_id)
        same_role_d2 = username.replace("_d1", "_d2")
        refused(login(same_role_d2), task.id, data)
        refused(api(wrong_role), task.id, data)
        drive(login(username), instance_id, bpmn_id, data)
    assert end_events(finished(login("district_mayor_d1"), instance_id)) == {END: 1}
    assert records_of(app, instance_id) == [F10, F11, F12, F13]
