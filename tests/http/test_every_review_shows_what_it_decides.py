"""Every review, approval and examination task of processes/*.bpmn shows what it decides on.

REVIEWS names, per such task, the earlier step and the fields of it that the person deciding
must see; each is walked on the pages to that task, whose page must show those fields of that
step in its case, filled in. A task of the diagrams that looks like a decision (its id says
review, approve, check, sign, examine, follow-up, investigation or council) must be in the
table or in OWN_PAGE (done on a page of its own that shows what it decides on)."""
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from http_support import EXAMINATION, REGISTER_EMPLOYEE, REGISTER_SERVICE
from message_137_support import ACTORS, INTAKE, REFERRED
from path_support import deploy, drive, fire_timers_when_due, page_text_of, ready_task, start_on_page
from survey_form_data import PLAN_APPROVE, POLL_PLAN, SURVEY_PLAN
from test_paths_complaints import MAYOR_ORDER
from test_paths_message_137 import ESCALATION, NOT_SATISFIED, REPLY
from test_paths_news import APPROVE as NEWS_APPROVE
from test_paths_news import MISREPORTED, NEWS, REBUTTAL, RELEASE
from test_paths_press_conference import (ATTENDANCE, HELD, INVITATION, REPORT, SCHEDULE,
                                          SCHEDULE_OK)
from test_paths_public_meetings import ROWS, followup
from test_task_context import MEETING
from test_paths_website_update import APPROVE as INFORM_APPROVE
from test_paths_website_update import INFORM_REQUEST, PUBLICATION

from models import clock

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
EXPERT, HEAD, MAYOR = "pr_expert_d1", "pr_head_d1", "district_mayor_d1"
TIMERS = ("timers", None, None)  # a step of a path: the instance's timers fire when due


@dataclass
class Review:
    process: str
    path: list           # (task, username, data) steps, or TIMERS, from the start
    reviewer: str
    shows: dict          # earlier task -> the fields of its form the reviewer must see


def filled(data: dict) -> list[str]:
    """The keys of the fields a step filled in."""
    return [key for key, value in data.items() if value not in ("", None, [])]


MESSAGE = [("Task_register_message", ACTORS["Task_register_message"], INTAKE)]
INTAKE_FIELDS = {"Task_register_message": ["channel", "category", "description", "location"]}
NEWS_PATH = [("Task_prepare_news", EXPERT, NEWS), ("Task_review_news", HEAD, NEWS_APPROVE),
             ("Task_release_news", EXPERT, RELEASE), ("Task_monitor_press", EXPERT, MISREPORTED)]
PRESS = [("Task_schedule_conference", HEAD, SCHEDULE), ("Task_approve_schedule", MAYOR, SCHEDULE_OK),
         ("Task_send_invitation", EXPERT, INVITATION), ("Task_hold_conference", HEAD, HELD),
         ("Task_record_attendance", EXPERT, ATTENDANCE)]
REVIEWS = {
    "complaints/Task_examine_service_complaint": Review(
        "complaints", [("Task_register_complaint", EXPERT, REGISTER_SERVICE)], EXPERT,
        {"Task_register_complaint": ["complainant_name", "subject", "description", "channel"]}),
    "complaints/Task_examine_employee_complaint": Review(
        "complaints", [("Task_register_complaint", EXPERT, REGISTER_EMPLOYEE)], "complaints_expert_d1",
        {"Task_register_complaint": ["complainant_name", "subject", "description"]}),
    "complaints/Task_followup_overdue": Review(
        "complaints", [("Task_register_complaint", EXPERT, REGISTER_SERVICE), TIMERS], MAYOR,
        {"Task_register_complaint": ["complainant_name", "subject", "description"]}),
    "complaints/Task_carry_out_order": Review(
        "complaints", [("Task_register_complaint", EXPERT, REGISTER_SERVICE), TIMERS,
                       ("Task_followup_overdue", MAYOR, MAYOR_ORDER)], "department_head_d1",
        {"Task_followup_overdue": ["order_unit", "overdue_action", "order_days"],
         "Task_register_complaint": ["subject", "description"]}),
    "complaints/Task_review_answer": Review(
        "complaints", [("Task_register_complaint", EXPERT, REGISTER_SERVICE),
                       ("Task_examine_service_complaint", EXPERT, EXAMINATION)], HEAD,
        {"Task_examine_service_complaint": ["findings", "justified", "answer_text"],
         "Task_register_complaint": ["subject", "description"]}),
    "citizen_message_137/Task_executive_reply": Review(
        "citizen_message_137", MESSAGE, ACTORS["Task_executive_reply"], INTAKE_FIELDS),
    "citizen_message_137/Task_deputy_followup": Review(
        "citizen_message_137", MESSAGE + [TIMERS], ACTORS["Task_deputy_followup"], INTAKE_FIELDS),
    "citizen_message_137/Task_field_investigation": Review(
        "citizen_message_137", MESSAGE + [("Task_executive_reply", ACTORS["Task_executive_reply"], REPLY),
                                          ("Task_feedback_call", ACTORS["Task_feedback_call"], NOT_SATISFIED)],
        ACTORS["Task_field_investigation"],
        {**INTAKE_FIELDS, "Task_executive_reply": ["reply_text"],
         "Task_feedback_call": ["satisfied", "feedback_note"]}),
    "citizen_survey/Task_review_survey_plan": Review(
        "citizen_survey", [("Task_plan_survey", EXPERT, SURVEY_PLAN)], HEAD,
        {"Task_plan_survey": ["survey_title", "start_date", "end_date", "sample_size", "channels"]}),
    "opinion_poll/Task_approve_poll_plan": Review(
        "opinion_poll", [("Task_prepare_poll_plan", EXPERT, POLL_PLAN)], MAYOR,
        {"Task_prepare_poll_plan": ["poll_subject", "poll_questions", "poll_method", "sample_size",
                                    "start_date", "end_date"]}),
    "news/Task_review_news": Review(
        "news", [("Task_prepare_news", EXPERT, NEWS)], HEAD,
        {"Task_prepare_news": ["headline", "lead"]}),
    "news/Task_sign_rebuttal": Review(
        "news", NEWS_PATH + [("Task_draft_rebuttal", EXPERT, REBUTTAL)], MAYOR,
        {"Task_draft_rebuttal": filled(REBUTTAL), "Task_monitor_press": ["coverage"]}),
    "press_conference/Task_approve_schedule": Review(
        "press_conference", PRESS[:1], MAYOR,
        {"Task_schedule_conference": ["conference_date", "conference_time"]}),
    "press_conference/Task_approve_report": Review(
        "press_conference", PRESS + [("Task_write_report", EXPERT, REPORT)], HEAD,
        {"Task_write_report": filled(REPORT), "Task_record_attendance": ["attendees"]}),
    "public_meetings/Task_check_order": Review(
        "public_meetings", MEETING + [("Task_order_followup", "department_head_d1",
                                       followup("اقدام شد", "in_progress"))], EXPERT,
        {"Task_order_followup": ["action_taken", "followup_status"]}),
    "website_update/Task_review_inform_request": Review(
        "website_update", [("Task_register_inform_request", EXPERT, INFORM_REQUEST)], HEAD,
        {"Task_register_inform_request": filled(INFORM_REQUEST)}),
    "website_update/Task_check_publication": Review(
        "website_update", [("Task_register_inform_request", EXPERT, INFORM_REQUEST),
                           ("Task_review_inform_request", HEAD, INFORM_APPROVE),
                           ("Task_publish_content", EXPERT, PUBLICATION)], HEAD,
        {"Task_publish_content": filled(PUBLICATION),
         "Task_register_inform_request": filled(INFORM_REQUEST)}),
}
# Decisions made on a page of their own, which shows what they decide on (its own tests say so).
OWN_PAGE = {
    "draft_regulation/Task_review_comments": "the draft's sections and comments (drafts pages)",
    "draft_regulation/Task_approve_draft": "the amended text (drafts pages)",
    "mardom_salam/Task_check_mosque": "the proposed mosque (Mardom Salam pages)",
    "mardom_salam_council/Task_council_review": "the district's requests (Mardom Salam pages)",
    "citizen_survey/Task_report_to_mayor": "the summary of the answers (survey summary panel)",
    "citizen_survey/Task_follow_up_corrective_action": "the corrective action and summary panel",
    "citizen_message_137/Task_manager_followup": "as Task_deputy_followup, 24 hours later",
    "citizen_message_137/Task_inspection_followup": "as Task_deputy_followup, 24 hours later",
    "mardom_salam/Task_classify_overdue": "the Mardom Salam request pages",
    "mardom_salam/Task_letter_overdue": "the Mardom Salam request pages",
    "mardom_salam/Task_progress_overdue": "the Mardom Salam request pages",
    "mardom_salam/Task_results_overdue": "the Mardom Salam request pages",
}
# Tasks whose id reads like a decision but which author something.
AUTHORING = {"mardom_salam/Task_council_letter": "writes the letter to the council"}
DECIDING = re.compile(r"review|approve|check|sign|examine|followup|follow_up|investigation|council")


def deciding_tasks() -> list[str]:
    """process/task of every user task of the diagrams whose id says it decides or examines."""
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    found = []
    for path in sorted(PROCESSES.glob("*.bpmn")):
        root = etree.parse(str(path)).getroot()
        for task in root.iterfind(".//bpmn:userTask", ns):
            if DECIDING.search(task.get("id").lower()) and not task.get("id").startswith("Task_order_"):
                found.append(f"{path.stem}/{task.get('id')}")
    return found


def test_every_deciding_task_of_the_diagrams_is_in_the_table():
    missing = [t for t in deciding_tasks() if t not in REVIEWS | OWN_PAGE | AUTHORING]
    assert missing == []
    assert not set(REVIEWS) & set(OWN_PAGE)


def step_fields(page: str, task_spec: str) -> dict[str, str]:
    """field path -> its shown text, in the newest step of this task in the page's case."""
    case = re.search(r'<section class="case[^>]*data-testid="case".*?</section>', page, re.S)
    assert case, "the page shows no case"
    step = re.search(r'<details[^>]*data-task="%s"[^>]*>(.*?)</details>' % task_spec, case.group(0), re.S)
    assert step, f"the case shows no step {task_spec}"
    return {key: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()
            for key, body in re.findall(r'<dd[^>]*data-field="([^"]+)"[^>]*>(.*?)</dd>', step.group(1), re.S)}


def walk_to_review(app, login, review: Review) -> int:
    """Start the review's process in d1 and do its path on the pages; the instance id."""
    if review.process == "citizen_message_137":
        clock.set_now(REFERRED)
    instance_id = start_on_page(login(review.path[0][1]), review.process, "d1")
    for task, username, data in review.path:
        if (task, username, data) == TIMERS:
            fire_timers_when_due(app, instance_id)
        else:
            drive(login(username), instance_id, task, data)
    return instance_id


@pytest.mark.parametrize("name", list(REVIEWS))
def test_the_deciding_task_shows_the_fields_it_decides_on(app, login, name):
    review = REVIEWS[name]
    deploy(app, review.process)
    instance_id = walk_to_review(app, login, review)
    task = ready_task(app, instance_id, name.split("/")[1])
    page = page_text_of(login(review.reviewer), f"/tasks/{task.id}")
    for earlier, keys in review.shows.items():
        shown = step_fields(page, earlier)
        for key in keys:
            assert shown.get(key), f"{name}: {earlier}.{key} not shown (shown: {sorted(shown)})"
