"""The case on the task page and in GET /api/v1/tasks/<id>: what earlier steps submitted, with
their form's labels and choice labels, who did each step, and on a rework what changed since
the round before (processes/complaints.bpmn, driven through the pages)."""
import io
import re

from http_support import EXAMINATION, REGISTER_SERVICE, REVIEW_APPROVE, REVIEW_RETURN
from path_support import drive, page_text_of, ready_task, ready_tasks, start_on_page
from portal_support import FILED, PNG_1PX, deploy_citizen_processes, file_on_portal, instance_of

EXPERT, HEAD = "pr_expert_d1", "pr_head_d1"
EXAMINE = "Task_examine_service_complaint"


def case_steps(html: str) -> list[tuple[str, str]]:
    """(task BPMN id, the step's text) of each step of the page's case, top first."""
    section = re.search(r'<section class="case[^>]*data-testid="case".*?</section>', html, re.S)
    assert section, "the page shows no case"
    steps = re.findall(r'<details[^>]*data-task="([^"]+)"[^>]*>(.*?)</details>', section.group(0), re.S)
    return [(task, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))) for task, body in steps]


def test_the_examiner_sees_the_complaint_with_labels_and_choice_labels(app, complaints, login):
    expert = login(EXPERT)
    instance_id = start_on_page(expert, "complaints", "d1")
    drive(expert, instance_id, "Task_register_complaint", REGISTER_SERVICE)
    task = ready_task(app, instance_id, EXAMINE)

    [(spec, text)] = case_steps(page_text_of(expert, f"/tasks/{task.id}"))
    assert spec == "Task_register_complaint"
    for label, value in [("نام و نام خانوادگی شاکی", REGISTER_SERVICE["complainant_name"]),
                         ("موضوع شکایت", REGISTER_SERVICE["subject"]),
                         ("نحوه دریافت شکایت", "تلفنی"),  # the option's label, not "phone"
                         ("شرح شکایت", REGISTER_SERVICE["description"])]:
        assert label in text and value in text, (label, value, text)
    assert " phone " not in text and "complaint_type" not in text
    assert "کارشناس روابط عمومی" in text  # who registered it: role and name
    assert "۰۹۱۲۳۴۵۶۷۸۹" in text  # a phone in Persian digits


def test_the_reviewer_sees_the_answer_and_after_a_return_what_changed(app, complaints, login, api):
    expert, head = login(EXPERT), login(HEAD)
    instance_id = start_on_page(expert, "complaints", "d1")
    drive(expert, instance_id, "Task_register_complaint", REGISTER_SERVICE)
    drive(expert, instance_id, EXAMINE, EXAMINATION)

    review = ready_task(app, instance_id, "Task_review_answer")
    steps = case_steps(page_text_of(head, f"/tasks/{review.id}"))
    assert [s for s, _ in steps] == [EXAMINE, "Task_register_complaint"]  # newest first
    assert EXAMINATION["answer_text"] in steps[0][1] and EXAMINATION["findings"] in steps[0][1]

    drive(head, instance_id, "Task_review_answer", REVIEW_RETURN)
    rework = ready_task(app, instance_id, EXAMINE)
    steps = case_steps(page_text_of(expert, f"/tasks/{rework.id}"))
    assert steps[0][0] == "Task_review_answer" and REVIEW_RETURN["reason"] in steps[0][1]
    assert "بازگشت برای اصلاح" in steps[0][1]  # the decision by its label

    drive(expert, instance_id, EXAMINE, {**EXAMINATION, "answer_text": "چاله امروز ترمیم شد."})
    second = ready_task(app, instance_id, "Task_review_answer")
    html = page_text_of(head, f"/tasks/{second.id}")
    steps = case_steps(html)
    assert steps[0][0] == EXAMINE and "چاله امروز ترمیم شد." in steps[0][1]
    assert re.search(r'data-task="%s" data-round="2" open' % EXAMINE, html)
    changed = re.search(r'data-field="answer_text" data-changed="1">(.*?)</dd>', html, re.S).group(1)
    assert EXAMINATION["answer_text"] in changed  # the text of the round before, struck out
    assert 'data-field="findings" data-changed' not in html  # unchanged fields are not marked
    # the earlier round is still there, folded
    assert re.search(r'data-task="%s" data-round="1">' % EXAMINE, html)

    body = api(HEAD).get(f"/api/v1/tasks/{second.id}").get_json()
    first = body["case"]["steps"][0]
    assert (first["task"], first["round"], first["changed"]) == (EXAMINE, 2, ["answer_text"])
    assert {"key": "answer_text", "label": "متن پاسخ به شاکی",
            "text": "چاله امروز ترمیم شد."} in first["fields"]
    assert [s["superseded"] for s in body["case"]["steps"] if s["task"] == EXAMINE] == [False, True]

    drive(head, instance_id, "Task_review_answer", REVIEW_APPROVE)


def test_a_task_shows_only_the_forms_its_diagram_declares(app, complaints, login):
    """Task_announce_result declares caseForms="complaint_examination, complaint_register"."""
    expert, head = login(EXPERT), login(HEAD)
    instance_id = start_on_page(expert, "complaints", "d1")
    drive(expert, instance_id, "Task_register_complaint", REGISTER_SERVICE)
    drive(expert, instance_id, EXAMINE, EXAMINATION)
    drive(head, instance_id, "Task_review_answer", REVIEW_APPROVE)
    announce = ready_task(app, instance_id, "Task_announce_result")
    steps = case_steps(page_text_of(expert, f"/tasks/{announce.id}"))
    assert [s for s, _ in steps] == [EXAMINE, "Task_register_complaint"]  # not the review


def test_a_task_shows_only_the_forms_its_form_declares(app, login):
    """The form rebuttal_signoff declares caseForms: the rebuttal, the monitoring, the news;
    not the news review nor its release."""
    from test_every_review_shows_what_it_decides import MAYOR, NEWS_PATH, REBUTTAL
    from path_support import deploy
    deploy(app, "news")
    instance_id = start_on_page(login(EXPERT), "news", "d1")
    for task, username, data in NEWS_PATH + [("Task_draft_rebuttal", EXPERT, REBUTTAL)]:
        drive(login(username), instance_id, task, data)
    sign = ready_task(app, instance_id, "Task_sign_rebuttal")
    steps = case_steps(page_text_of(login(MAYOR), f"/tasks/{sign.id}"))
    assert [s for s, _ in steps] == ["Task_draft_rebuttal", "Task_monitor_press", "Task_prepare_news"]


def test_a_task_of_a_request_filed_on_the_portal_shows_the_citizens_request(app, login):
    deploy_citizen_processes(app)
    code, _key = file_on_portal(app.test_client(), photo=(io.BytesIO(PNG_1PX), "lamp.png"))
    instance = instance_of(app, code)
    [task] = ready_tasks(app, instance.id)
    html = page_text_of(login(f"{task.role}_d1"), f"/tasks/{task.id}")
    card = re.search(r'data-testid="citizen-request".*?</div>\s*</div>', html, re.S).group(0)
    assert FILED["description"] in card and FILED["address"] in card
    assert "۰۹۱۲۳۴۵۶۷۸۹" in card  # the phone in Persian digits
    assert 'data-testid="citizen-photo"' in card
