"""The poll plan's page (F-04) takes the questions of the poll, each with its kind; a choice
question needs its options, refused at the field in Persian with nothing stored. The API shows
the paper answer task with the plan's questions."""
import json

from path_support import (deploy, drive, event_count, html_form, ready_task, start_on_page,
                          task_row)
from survey_support import POLL_APPROVE, POLL_PLAN, POLL_QUESTIONS


def test_a_choice_question_without_its_options_is_refused_at_its_field(app, login):
    deploy(app, "opinion_poll")
    expert = login("pr_expert_d1")
    instance_id = start_on_page(expert, "opinion_poll", "d1")
    plan = ready_task(app, instance_id, "Task_prepare_poll_plan")
    page = expert.get(f"/tasks/{plan.id}").get_data(as_text=True)
    assert 'name="poll_questions[0].question"' in page and 'name="poll_questions[0].kind"' in page
    assert "طیف ۱ تا ۵" in page and "پاسخ تشریحی" in page
    before = event_count(app, instance_id)
    for options in ("", "فقط یک گزینه"):
        rows = [{"question": "کدام؟", "kind": "choice", "options": options}]
        posted = expert.post(f"/tasks/{plan.id}", data=html_form({**POLL_PLAN, "poll_questions": rows}))
        body = posted.get_data(as_text=True)
        assert posted.status_code == 400 and 'aria-invalid="true"' in body
        assert ("گزینه" in body and "سطر" in body) or "الزامی" in body
    assert task_row(app, plan.id).status == "ready" and event_count(app, instance_id) == before


def test_the_api_shows_the_paper_answer_task_with_the_plans_questions(app, login, api):
    deploy(app, "opinion_poll")
    expert, mayor = login("pr_expert_d1"), login("district_mayor_d1")
    instance_id = start_on_page(expert, "opinion_poll", "d1")
    drive(expert, instance_id, "Task_prepare_poll_plan", POLL_PLAN)
    drive(mayor, instance_id, "Task_approve_poll_plan", POLL_APPROVE)
    drive(expert, instance_id, "Task_collect_poll_answers", {"next_poll_step": "answer"})
    answer = ready_task(app, instance_id, "Task_enter_poll_answer")
    shown = api("pr_expert_d1").get(f"/api/v1/tasks/{answer.id}").get_json()
    text = json.dumps(shown["form"], ensure_ascii=False)
    assert all(q["question"] in text for q in POLL_QUESTIONS)
    assert "topic_importance" not in text
