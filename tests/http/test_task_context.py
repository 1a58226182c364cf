"""What a task page and GET /api/v1/tasks/<id> show of the task's own context.

Every "return for rework" loop of processes/*.bpmn: the author's reopened task shows the
reviewer's reason read-only (and no reason field the first time round). A multi-instance
follow-up item has its own data (its order of the mayor), not the instance's latest. Whatever
a client posts for a read-only field is ignored.
"""
import html
import re
from dataclasses import dataclass, field

import pytest

from http_support import EXAMINATION, REGISTER_SERVICE, REVIEW_RETURN
from path_support import (deploy, drive, drive_api, page_text_of, ready_task, ready_task_data,
                          ready_tasks, start_api, start_on_page)
from survey_support import PLAN_RETURN, POLL_PLAN, POLL_RETURN, SURVEY_PLAN
from test_paths_news import MISREPORTED, NEWS, REBUTTAL, RELEASE, SIGN_RETURN
from test_paths_news import APPROVE as NEWS_APPROVE
from test_paths_news import RETURN as NEWS_RETURN
from test_paths_press_conference import (ATTENDANCE, HELD, INVITATION, REPORT, REPORT_RETURN,
                                          RESCHEDULE, SCHEDULE, SCHEDULE_OK)
from test_paths_public_meetings import (APPLICANT, MOSQUE_LIST, OFFICE_LIST, REQUEST, ROWS,
                                        check, followup, schedule)
from test_paths_website_update import APPROVE as INFORM_APPROVE
from test_paths_website_update import CHECK_FIX, INFORM_REQUEST, PUBLICATION
from test_paths_website_update import RETURN as INFORM_RETURN

EXPERT, HEAD, MAYOR = "pr_expert_d1", "pr_head_d1", "district_mayor_d1"
OFFICE_HEAD, UNIT_HEAD = "mayor_office_head_d1", "department_head_d1"


@dataclass
class Loop:
    """A rework loop: the steps before it, the author's step, the review that sends it back."""
    process: str
    author: tuple[str, str, dict]          # (task, username, data)
    review: tuple[str, str, dict]          # (task, username, data with the reason)
    reason_key: str
    before: list[tuple[str, str, dict]] = field(default_factory=list)


MEETING = [("Task_register_request", OFFICE_HEAD, REQUEST),
           ("Task_register_applicant", OFFICE_HEAD, APPLICANT),
           ("Task_schedule_meeting", OFFICE_HEAD, schedule("mosque")),
           ("Task_mosque_meeting_list", EXPERT, MOSQUE_LIST)]
LOOPS = {
    "website_update-review": Loop(
        "website_update", ("Task_register_inform_request", EXPERT, INFORM_REQUEST),
        ("Task_review_inform_request", HEAD, INFORM_RETURN), "review_reason"),
    "website_update-publication": Loop(
        "website_update", ("Task_publish_content", EXPERT, PUBLICATION),
        ("Task_check_publication", HEAD, CHECK_FIX), "check_note",
        before=[("Task_register_inform_request", EXPERT, INFORM_REQUEST),
                ("Task_review_inform_request", HEAD, INFORM_APPROVE)]),
    "press_conference-schedule": Loop(
        "press_conference", ("Task_schedule_conference", HEAD, SCHEDULE),
        ("Task_approve_schedule", MAYOR, RESCHEDULE), "schedule_decision_note"),
    "press_conference-report": Loop(
        "press_conference", ("Task_write_report", EXPERT, REPORT),
        ("Task_approve_report", HEAD, REPORT_RETURN), "report_review_reason",
        before=[("Task_schedule_conference", HEAD, SCHEDULE),
                ("Task_approve_schedule", MAYOR, SCHEDULE_OK),
                ("Task_send_invitation", EXPERT, INVITATION), ("Task_hold_conference", HEAD, HELD),
                ("Task_record_attendance", EXPERT, ATTENDANCE)]),
    "news-review": Loop(
        "news", ("Task_prepare_news", EXPERT, NEWS), ("Task_review_news", HEAD, NEWS_RETURN),
        "news_review_reason"),
    "news-signoff": Loop(
        "news", ("Task_draft_rebuttal", EXPERT, REBUTTAL), ("Task_sign_rebuttal", MAYOR, SIGN_RETURN),
        "signoff_note",
        before=[("Task_prepare_news", EXPERT, NEWS), ("Task_review_news", HEAD, NEWS_APPROVE),
                ("Task_release_news", EXPERT, RELEASE), ("Task_monitor_press", EXPERT, MISREPORTED)]),
    "complaints-review": Loop(
        "complaints", ("Task_examine_service_complaint", EXPERT, EXAMINATION),
        ("Task_review_answer", HEAD, REVIEW_RETURN), "reason",
        before=[("Task_register_complaint", EXPERT, REGISTER_SERVICE)]),
    "citizen_survey-plan": Loop(
        "citizen_survey", ("Task_plan_survey", EXPERT, SURVEY_PLAN),
        ("Task_review_survey_plan", HEAD, PLAN_RETURN), "return_reason"),
    "opinion_poll-plan": Loop(
        "opinion_poll", ("Task_prepare_poll_plan", EXPERT, POLL_PLAN),
        ("Task_approve_poll_plan", MAYOR, POLL_RETURN), "return_reason"),
    "public_meetings-order": Loop(
        "public_meetings", ("Task_order_followup", UNIT_HEAD, followup("اقدام شد", "in_progress")),
        ("Task_check_order", EXPERT, check("not_done", "چراغ‌ها هنوز نصب نشده‌اند")), "check_note",
        before=MEETING),
}


def field_tag(page: str, name: str) -> str | None:
    """The opening tag of the input or textarea named `name`, with a textarea's text."""
    match = re.search(rf'<(?:input|textarea)\b[^>]*\bname="{re.escape(name)}"[^>]*>'
                      rf'(?:([^<]*)</textarea>)?', page)
    return match.group(0) if match else None


def author_page(login, app, instance_id, loop) -> str:
    task, username, _ = loop.author
    return page_text_of(login(username), f"/tasks/{ready_task(app, instance_id, task).id}")


@pytest.mark.parametrize("name", list(LOOPS))
def test_the_reopened_task_shows_the_reviewers_reason_read_only(app, login, name):
    loop = LOOPS[name]
    deploy(app, loop.process)
    starter = (loop.before or [loop.author])[0][1]
    instance_id = start_on_page(login(starter), loop.process, "d1")
    for task, username, data in loop.before:
        drive(login(username), instance_id, task, data)

    first = author_page(login, app, instance_id, loop)
    assert field_tag(first, loop.reason_key) is None  # no reason yet: no reason field
    drive(login(loop.author[1]), instance_id, loop.author[0], loop.author[2])
    drive(login(loop.review[1]), instance_id, loop.review[0], loop.review[2])

    again = author_page(login, app, instance_id, loop)
    reason = loop.review[2][loop.reason_key]
    tag = field_tag(again, loop.reason_key)
    assert tag is not None and tag.endswith(f">{reason}</textarea>"), tag
    assert " readonly" in tag.split(">")[0]


def test_the_api_gives_each_parallel_follow_up_item_its_own_order(app, api):
    deploy(app, "public_meetings")
    office_head, unit_head = api(OFFICE_HEAD), api(UNIT_HEAD)
    instance_id = start_api(office_head, "public_meetings", "d1")["id"]
    drive_api(office_head, instance_id, "Task_register_request", REQUEST)
    drive_api(office_head, instance_id, "Task_register_applicant", APPLICANT)
    drive_api(office_head, instance_id, "Task_schedule_meeting", schedule("office"))
    drive_api(office_head, instance_id, "Task_office_meeting_list",
              {**OFFICE_LIST, "requests": ROWS[:2]})

    items = ready_tasks(app, instance_id, "Task_order_followup")
    bodies = [unit_head.get(f"/api/v1/tasks/{t.id}").get_json() for t in items]
    orders = sorted((b["data"]["order"]["number"], b["data"]["order"]["mayor_order"],
                     b["data"]["order"]["unit"]) for b in bodies)
    assert orders == [(1, ROWS[0]["mayor_order"], ROWS[0]["unit"]),
                      (2, ROWS[1]["mayor_order"], ROWS[1]["unit"])]
    assert all(b["data"]["meeting_date"] == "2025-10-14" for b in bodies)  # 1404/07/22

    # once completed, a task's data is what was submitted to it
    first = items[0].id
    done = unit_head.post(f"/api/v1/tasks/{first}/complete",
                          json={"data": followup("لایروبی انجام شد")})
    assert done.status_code == 200
    body = unit_head.get(f"/api/v1/tasks/{first}").get_json()
    assert body["status"] == "completed"
    assert body["data"] == {"action_taken": "لایروبی انجام شد", "followup_status": "done",
                            "expected_date": None}
    assert api("pr_expert_d1").get("/api/v1/openapi.json").get_json()[
        "components"]["schemas"]["Task"]["properties"]["data"]["type"] == "object"


def test_posted_values_of_read_only_fields_are_ignored(app, login, api):
    deploy(app, "public_meetings")
    office_head, unit_head = login(OFFICE_HEAD), login(UNIT_HEAD)
    instance_id = start_on_page(office_head, "public_meetings", "d1")
    for task, username, data in MEETING:
        drive(login(username), instance_id, task, data)
    item = ready_task(app, instance_id, "Task_order_followup")
    order = ready_task_data(app, item.id)["order"]

    # the page posts the read-only fields back (a browser sends readonly inputs): forged here
    forged = {**followup("اقدام شد", "in_progress"), "order.mayor_order": "دستور جعلی",
              "order.unit": "واحد جعلی", "meeting_date": "1400/01/01", "check_note": "جعلی"}
    drive(unit_head, instance_id, "Task_order_followup", forged)
    data = ready_task_data(app, ready_task(app, instance_id, "Task_check_order").id)
    assert data["order"] == order and data["meeting_date"] == "2025-10-14"
    assert "check_note" not in data and data["action_taken"] == "اقدام شد"

    # the PR expert sends it back; the unit cannot rewrite the reason through the API either
    drive(login(EXPERT), instance_id, "Task_check_order", check("not_done", "نصب نشده"))
    again = ready_task(app, instance_id, "Task_order_followup")
    answer = api(UNIT_HEAD).post(f"/api/v1/tasks/{again.id}/complete", json={"data": {
        **followup("نصب شد"), "check_note": "جعلی", "order": {**order, "mayor_order": "جعلی"}}})
    assert answer.status_code == 200, answer.get_json()
    data = ready_task_data(app, ready_task(app, instance_id, "Task_check_order").id)
    assert (data["check_note"], data["order"]) == ("نصب نشده", order)


def test_a_refused_post_shows_the_read_only_context_from_the_task_not_the_post(app, login):
    deploy(app, "public_meetings")
    instance_id = start_on_page(login(OFFICE_HEAD), "public_meetings", "d1")
    for task, username, data in MEETING:
        drive(login(username), instance_id, task, data)
    item = ready_task(app, instance_id, "Task_order_followup")
    response = login(UNIT_HEAD).post(f"/tasks/{item.id}", data={
        "order.mayor_order": "دستور جعلی", "action_taken": ""})  # action_taken is required
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert ROWS[0]["mayor_order"] in page and "دستور جعلی" not in page
