"""What a person sees of the case in Chromium: the examiner the complaint, the reviewer the
answer and after a return what changed; the rework keeps a radio choice; the district mayor
sees a poll plan's questions on the page where he approves it."""
import pytest

from tests.conftest import PROCESSES, deploy_file
import engine as runtime
from live_server import log_in, start_complaint
from people.accounts import find_district, find_user
from survey_form_data import POLL_PLAN
from test_task_in_browser import fill_examination, fill_register, open_task, submit

pytestmark = pytest.mark.browser


def case_text(page) -> str:
    return page.locator("[data-testid=case]").inner_text()


def test_a_complaint_examined_returned_and_reviewed_shows_each_person_what_they_decide_on(
        app, complaints, page):
    instance_id = start_complaint(app)
    log_in(page, "pr_expert_d1")
    open_task(page, "ثبت شکایت", instance_id)
    fill_register(page)
    submit(page, instance_id)

    open_task(page, "بررسی شکایت از خدمات", instance_id)
    case = case_text(page)  # the examiner sees the complaint he examines
    assert "جمع‌آوری نشدن زباله" in case and "زباله‌های کوچه سه روز است" in case
    assert "تلفنی" in case and "phone" not in case  # the channel by its label
    fill_examination(page)
    submit(page, instance_id)

    log_in(page, "pr_head_d1")
    open_task(page, "بازبینی و تأیید پاسخ", instance_id)
    assert "شکایت شما بررسی شد و زباله‌ها جمع‌آوری گردید." in case_text(page)  # the answer
    page.check("input[name=decision][value=return]")
    page.fill("#f-reason", "زمان جمع‌آوری را در پاسخ بنویسید.")
    submit(page, instance_id)

    log_in(page, "pr_expert_d1")
    open_task(page, "بررسی شکایت از خدمات", instance_id)
    assert "زمان جمع‌آوری را در پاسخ بنویسید." in case_text(page)
    assert page.locator("input[name=justified][value=yes]").is_checked()  # the radio is kept
    page.fill("#f-answer_text", "زباله‌ها امروز ساعت ۱۰ جمع‌آوری شد.")
    submit(page, instance_id)

    log_in(page, "pr_head_d1")
    open_task(page, "بازبینی و تأیید پاسخ", instance_id)
    newest = page.locator("[data-testid=case-step]").first
    assert newest.get_attribute("data-round") == "2"
    changed = newest.locator("[data-field=answer_text]")
    assert "زباله‌ها امروز ساعت ۱۰ جمع‌آوری شد." in changed.inner_text()
    assert "شکایت شما بررسی شد" in changed.locator("del").inner_text()  # the earlier answer
    page.check("input[name=decision][value=approve]")
    submit(page, instance_id)
    assert page.js_errors == []


def test_the_district_mayor_approves_a_poll_plan_seeing_its_questions(app, page):
    deploy_file(app, PROCESSES / "opinion_poll.bpmn")
    session = app.extensions["db_sessions"]()
    try:
        expert = find_user(session, "pr_expert_d1")
        instance = runtime.start_instance(session, "opinion_poll", expert,
                                          find_district(session, "d1").id)
        [plan] = runtime.open_tasks(session, instance)
        runtime.complete_task(session, plan.id, expert, POLL_PLAN)
        session.commit()
        instance_id = instance.id
    finally:
        session.close()

    log_in(page, "district_mayor_d1")
    open_task(page, "بررسی و تأیید طرح افکارسنجی", instance_id)
    case = case_text(page)
    for question in POLL_PLAN["poll_questions"]:
        assert question["question"] in case
    assert POLL_PLAN["poll_subject"] in case and "۱۴۰۴/۰۸/۰۱" in case
    page.check("input[name=poll_plan_decision][value=approve]")
    submit(page, instance_id)
