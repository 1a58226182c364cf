"""Public links of surveys and polls (/p/surveys/<token>): citizens answer without logging in
while the instance collects answers; the answer is a record (survey) or a poll answer, logged
in the history and counted; bad data, unknown tokens and closed links store nothing."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import create_app
from app.demo import DEMO_PASSWORD
from models import SurveyLink, utcnow
from path_support import deploy, drive, html_form, ready_task, start_on_page
from survey_support import (CITIZEN_FORM, PLAN_APPROVE, POLL_ANSWER, POLL_APPROVE, POLL_PLAN,
                            POLL_QUESTIONS,
                            PUBLIC_CITIZEN_FORM, PUBLIC_POLL_ANSWER, PUBLIC_VISITOR_FORM,
                            SURVEY_PLAN, citizen, create_public_links, events, personal_links,
                            poll_answers, public_links, records)

F01, F02 = "F-__-0-2-01", "F-__-0-2-02"


@pytest.fixture
def collecting_survey(app, login):
    """A citizen survey of d1 whose plan is approved: it collects answers."""
    deploy(app, "citizen_survey")
    expert, head = login("pr_expert_d1"), login("pr_head_d1")
    instance_id = start_on_page(expert, "citizen_survey", "d1")
    drive(expert, instance_id, "Task_plan_survey", SURVEY_PLAN)
    drive(head, instance_id, "Task_review_survey_plan", PLAN_APPROVE)
    return expert, instance_id


def test_staff_see_unguessable_links_and_a_citizen_answers_without_login(app, collecting_survey):
    expert, instance_id = collecting_survey
    links = create_public_links(expert, instance_id)
    assert set(links) == {"citizen_survey", "visitor_survey"}
    assert public_links(expert, instance_id) == links  # made once, then the same
    tokens = [url.rsplit("/", 1)[1] for url in links.values()]
    assert all(len(token) >= 20 for token in tokens) and len(set(tokens)) == 2
    # the collection task page shows them too
    collect = ready_task(app, instance_id, "Task_collect_survey_forms")
    assert links["citizen_survey"] in expert.get(f"/tasks/{collect.id}").get_data(as_text=True)

    visitor = citizen(app)
    bare = visitor.get(links["citizen_survey"])  # the link alone takes no answers: one per person
    assert bare.status_code == 403 and "پیوند شخصی" in bare.get_data(as_text=True)
    assert visitor.post(links["citizen_survey"], data=PUBLIC_CITIZEN_FORM).status_code == 403
    [mine] = personal_links(expert, instance_id, "citizen_survey")
    assert mine.startswith(links["citizen_survey"] + "?r=")
    page = visitor.get(mine)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'dir="rtl"' in body
    assert "فرم نظرسنجی از شهروندان" in body and 'name="street_cleanliness"' in body
    assert 'name="questionnaire_number"' not in body and 'name="completed_on"' not in body
    assert 'name="csrf_token"' in body and "/login" not in page.request.path

    sent = visitor.post(mine, data=PUBLIC_CITIZEN_FORM)
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/thanks")
    thanks = visitor.get(sent.headers["Location"])
    assert thanks.status_code == 200 and "پاسخ‌های شما ثبت شد" in thanks.get_data(as_text=True)
    [visitor_link] = personal_links(expert, instance_id, "visitor_survey")
    assert visitor.post(visitor_link, data=PUBLIC_VISITOR_FORM).status_code == 303

    # each answer is a record of the register, from no task and no user
    (f01,) = records(app, instance_id, F01)
    (f02,) = records(app, instance_id, F02)
    assert (f01.human_task_id, f01.created_by_id) == (None, None)
    assert f01.data["street_cleanliness"] == 4 or f01.data["street_cleanliness"] == "4"
    assert f01.data["completed_on"] in {(utcnow() + timedelta(hours=h)).date().isoformat()
                                        for h in (0, 3.5)}
    assert f01.retention_until is not None and f02.data["visit_purpose"] == "building_permit"
    received = [e for e in events(app, instance_id) if e.type == "survey_answer_received"]
    assert [(e.actor_id, e.data["form"], e.data["channel"], e.data["record"]) for e in received] \
        == [(None, "citizen_survey", "public", F01), (None, "visitor_survey", "public", F02)]
    # counted: the instance page summarises the answers so far, by channel
    instance_page = expert.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert 'data-total="2" data-paper="0" data-public="2"' in instance_page
    assert "پاسخ از پیوند عمومی دریافت شد" in instance_page  # in the history, for auditors


def test_paper_and_public_answers_are_counted_apart(app, collecting_survey):
    expert, instance_id = collecting_survey
    create_public_links(expert, instance_id)
    drive(expert, instance_id, "Task_collect_survey_forms", {"next_form": "citizen"})
    drive(expert, instance_id, "Task_enter_citizen_survey", CITIZEN_FORM)
    [link] = personal_links(expert, instance_id, "citizen_survey")
    assert citizen(app).post(link, data=PUBLIC_CITIZEN_FORM).status_code == 303
    f01s = records(app, instance_id, F01)
    assert [r.human_task_id is None for r in f01s] == [False, True]
    page = expert.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert 'data-total="2" data-paper="1" data-public="1"' in page


@pytest.mark.parametrize("broken", [
    {"street_cleanliness": ""},                 # a required question left out
    {"overall_satisfaction": "9"},              # no such option
    {"comments": "x" * 2001},                   # too long
])
def test_invalid_answer_is_refused_with_messages_and_nothing_is_stored(app, collecting_survey, broken):
    expert, instance_id = collecting_survey
    create_public_links(expert, instance_id)
    [url] = personal_links(expert, instance_id, "citizen_survey")
    before = len(events(app, instance_id))
    response = citizen(app).post(url, data={**PUBLIC_CITIZEN_FORM, **broken})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'data-testid="public-errors"' in body and 'aria-invalid="true"' in body
    assert "محله سعدی" in body  # what the citizen typed is kept
    assert records(app, instance_id, F01) == [] and len(events(app, instance_id)) == before
    # a refused answer spends no token: the corrected one is taken
    assert citizen(app).post(url, data=PUBLIC_CITIZEN_FORM).status_code == 303


def test_unknown_token_is_a_persian_404(app, collecting_survey):
    for url in ("/p/surveys/not-a-token", "/p/surveys/" + "x" * 200, "/p/surveys/x/thanks"):
        response = citizen(app).get(url)
        assert response.status_code == 404
        assert "این نظرسنجی وجود ندارد یا دیگر پاسخ نمی‌پذیرد" in response.get_data(as_text=True)
    assert citizen(app).post("/p/surveys/not-a-token", data=PUBLIC_CITIZEN_FORM).status_code == 404


def test_link_closes_when_collection_ends(app, collecting_survey):
    expert, instance_id = collecting_survey
    links = create_public_links(expert, instance_id)
    drive(expert, instance_id, "Task_collect_survey_forms", {"next_form": "finished"})
    for url in links.values():
        assert citizen(app).get(url).status_code == 404
        assert citizen(app).post(url, data=PUBLIC_CITIZEN_FORM).status_code == 404
    assert records(app, instance_id, F01) == []
    assert public_links(expert, instance_id) == {}


def test_only_staff_who_collect_create_links(app, login):
    deploy(app, "citizen_survey")
    expert, head = login("pr_expert_d1"), login("pr_head_d1")
    instance_id = start_on_page(expert, "citizen_survey", "d1")
    assert public_links(expert, instance_id) == {}  # planning: nothing to answer yet
    drive(expert, instance_id, "Task_plan_survey", SURVEY_PLAN)
    drive(head, instance_id, "Task_review_survey_plan", PLAN_APPROVE)
    assert public_links(head, instance_id) == {}  # the head does not collect: no link made
    assert head.post(f"/instances/{instance_id}/survey-links").status_code == 403
    assert login("pr_expert_d2").get(f"/instances/{instance_id}").status_code == 403
    with app.extensions["db_sessions"]() as s:
        assert s.scalars(select(SurveyLink)).all() == []
    assert set(create_public_links(expert, instance_id)) == {"citizen_survey", "visitor_survey"}
    assert set(public_links(head, instance_id)) == {"citizen_survey", "visitor_survey"}


def _stored_links(app) -> list[tuple[str, str, int | None]]:
    """(form key, token, maker) of every stored public link, oldest first."""
    with app.extensions["db_sessions"]() as s:
        return [(link.form_key, link.token, link.created_by_id)
                for link in s.scalars(select(SurveyLink).order_by(SurveyLink.id))]


def test_showing_the_pages_writes_no_link_and_the_button_makes_them_once(app, collecting_survey):
    expert, instance_id = collecting_survey
    collect = ready_task(app, instance_id, "Task_collect_survey_forms")
    for url in (f"/tasks/{collect.id}", f"/instances/{instance_id}"):
        page = expert.get(url)
        body = page.get_data(as_text=True)
        assert page.status_code == 200 and 'data-testid="public-link"' not in body
        assert 'data-testid="create-public-links"' in body and "ساختن پیوندهای عمومی" in body
        assert f'action="/instances/{instance_id}/survey-links"' in body
    assert _stored_links(app) == []  # a GET writes nothing

    made = expert.post(f"/instances/{instance_id}/survey-links", data={"task_id": collect.id})
    assert made.status_code == 303 and made.headers["Location"].endswith(f"/tasks/{collect.id}")
    stored = _stored_links(app)
    assert [key for key, _, _ in stored] == ["citizen_survey", "visitor_survey"]
    assert len({maker for _, _, maker in stored}) == 1 and stored[0][2] is not None
    again = expert.post(f"/instances/{instance_id}/survey-links")
    assert again.status_code == 303
    assert again.headers["Location"].endswith(f"/instances/{instance_id}")
    assert _stored_links(app) == stored  # pressed again: nothing new

    for url in (f"/tasks/{collect.id}", f"/instances/{instance_id}"):
        body = expert.get(url).get_data(as_text=True)
        assert all(f"/p/surveys/{token}" in body for _, token, _ in stored)
        assert 'data-testid="create-public-links"' not in body  # nothing left to make
    assert _stored_links(app) == stored


def test_one_who_may_not_act_on_the_collection_task_is_refused_and_nothing_is_written(
        app, login, collecting_survey):
    _, instance_id = collecting_survey
    collect = ready_task(app, instance_id, "Task_collect_survey_forms")
    for username in ("pr_head_d1", "auditor"):  # may see the instance, may not collect
        user = login(username)
        for url in (f"/tasks/{collect.id}", f"/instances/{instance_id}"):
            assert 'data-testid="create-public-links"' not in user.get(url).get_data(as_text=True)
        refused = user.post(f"/instances/{instance_id}/survey-links", data={"task_id": collect.id})
        assert refused.status_code == 403
        assert "پیوندهای عمومی را تنها کسی می‌تواند بسازد" in refused.get_data(as_text=True)
    assert login("pr_expert_d2").post(f"/instances/{instance_id}/survey-links").status_code == 403
    assert _stored_links(app) == []


def test_no_link_is_made_before_or_after_collection(app, login):
    deploy(app, "citizen_survey")
    expert, head = login("pr_expert_d1"), login("pr_head_d1")
    instance_id = start_on_page(expert, "citizen_survey", "d1")
    refused = expert.post(f"/instances/{instance_id}/survey-links")  # planning
    assert refused.status_code == 409
    assert "این فرآیند اکنون پاسخ گردآوری نمی‌کند" in refused.get_data(as_text=True)
    drive(expert, instance_id, "Task_plan_survey", SURVEY_PLAN)
    drive(head, instance_id, "Task_review_survey_plan", PLAN_APPROVE)
    drive(expert, instance_id, "Task_collect_survey_forms", {"next_form": "finished"})
    assert expert.post(f"/instances/{instance_id}/survey-links").status_code == 409
    assert _stored_links(app) == []


def test_the_button_needs_its_csrf_token(app, database_url, collecting_survey):
    _, instance_id = collecting_survey
    protected = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test"})
    try:
        client = protected.test_client()
        login_token = re.search(r'name="csrf_token" value="([^"]+)"',
                                client.get("/login").get_data(as_text=True)).group(1)
        assert client.post("/login", data={"username": "pr_expert_d1", "password": DEMO_PASSWORD,
                                           "csrf_token": login_token}).status_code == 302
        url = f"/instances/{instance_id}/survey-links"
        assert client.post(url).status_code == 400
        assert _stored_links(app) == []
        page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
        form = page[page.index(f'action="{url}"'):]
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        assert client.post(url, data={"csrf_token": token}).status_code == 303
        assert len(_stored_links(app)) == 2
    finally:
        protected.extensions["db_engine"].dispose()


def test_poll_link_asks_the_plans_own_questions_and_stores_a_public_poll_answer(app, login):
    deploy(app, "opinion_poll")
    expert, mayor = login("pr_expert_d1"), login("district_mayor_d1")
    instance_id = start_on_page(expert, "opinion_poll", "d1")
    drive(expert, instance_id, "Task_prepare_poll_plan", POLL_PLAN)
    drive(mayor, instance_id, "Task_approve_poll_plan", POLL_APPROVE)
    links = create_public_links(expert, instance_id)
    assert set(links) == {"poll_answer"}
    page = citizen(app).get(links["poll_answer"]).get_data(as_text=True)
    assert POLL_PLAN["poll_subject"] in page and "readonly" in page
    for asked in POLL_QUESTIONS:  # the plan's questions, each of its kind
        assert asked["question"] in page
    assert 'name="poll_answers.q1" value="o2"' in page and "نظری ندارم" in page
    assert 'name="poll_answers.q2" value="5"' in page and 'name="poll_answers.q3"' in page
    assert 'name="topic_importance"' not in page and 'name="support_plan"' not in page
    # validated against the plan's questions: an option it does not offer stores nothing
    wrong = citizen(app).post(links["poll_answer"], data=html_form(
        {**PUBLIC_POLL_ANSWER, "poll_answers": {"q1": "agree", "q2": "9"}}))
    assert wrong.status_code == 400 and poll_answers(app, instance_id) == []
    sent = citizen(app).post(links["poll_answer"],
                             data=html_form({**PUBLIC_POLL_ANSWER, "poll_subject": "موضوع جعلی"}))
    assert sent.status_code == 303
    (answer,) = poll_answers(app, instance_id)
    assert (answer.channel, answer.created_by_id, answer.form_key) == ("public", None, "poll_answer")
    assert answer.data["poll_answers"] == POLL_ANSWER["poll_answers"]
    assert "poll_subject" not in answer.data and answer.questionnaire_version == 1
    assert [r.code for r in records(app, instance_id)] == ["F-__-0-2-04"]  # no register record
    assert events(app, instance_id)[-1].data == {"form": "poll_answer", "channel": "public",
                                                 "answer_id": answer.id}


def test_an_oversized_post_is_refused_before_it_is_read(app, collecting_survey):
    expert, instance_id = collecting_survey
    create_public_links(expert, instance_id)
    [url] = personal_links(expert, instance_id, "citizen_survey")
    response = citizen(app).post(url, data={**PUBLIC_CITIZEN_FORM, "comments": "x" * 100_000})
    assert response.status_code == 413
    assert records(app, instance_id, F01) == []


def test_the_public_form_needs_its_csrf_token(app, database_url, collecting_survey):
    expert, instance_id = collecting_survey
    create_public_links(expert, instance_id)
    [url] = personal_links(expert, instance_id, "citizen_survey")
    protected = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test"})
    try:
        client = protected.test_client()
        assert client.post(url, data=PUBLIC_CITIZEN_FORM).status_code == 400
        assert records(app, instance_id, F01) == []
        page = client.get(url).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post(url, data={**PUBLIC_CITIZEN_FORM, "csrf_token": token}).status_code == 303
        assert len(records(app, instance_id, F01)) == 1
    finally:
        protected.extensions["db_engine"].dispose()


def test_a_personal_link_answers_the_survey_once_and_a_second_answer_stores_nothing(
        app, collecting_survey):
    expert, instance_id = collecting_survey
    create_public_links(expert, instance_id)
    mine, theirs = personal_links(expert, instance_id, "citizen_survey", count=2)
    browser = citizen(app)
    assert browser.post(mine, data=PUBLIC_CITIZEN_FORM).status_code == 303
    before = len(events(app, instance_id))
    for _ in range(3):  # the same browser, or anyone with the same link, again
        again = browser.post(mine, data={**PUBLIC_CITIZEN_FORM, "overall_satisfaction": "1"})
        assert again.status_code == 409
        assert "تنها یک بار" in again.get_data(as_text=True)
    shown = citizen(app).get(mine)
    assert shown.status_code == 409 and 'name="street_cleanliness"' not in shown.get_data(as_text=True)
    (f01,) = records(app, instance_id, F01)
    assert str(f01.data["overall_satisfaction"]) == "4"
    assert len(events(app, instance_id)) == before
    # another person's link still answers
    assert citizen(app).post(theirs, data=PUBLIC_CITIZEN_FORM).status_code == 303
    assert len(records(app, instance_id, F01)) == 2


def test_a_forged_or_borrowed_personal_token_is_refused_and_stores_nothing(app, collecting_survey):
    expert, instance_id = collecting_survey
    links = create_public_links(expert, instance_id)
    [genuine] = personal_links(expert, instance_id, "citizen_survey")
    token = genuine.split("?r=", 1)[1]
    nonce, signature = token.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    [visitors] = personal_links(expert, instance_id, "visitor_survey")
    for forged in (f"{nonce}.{flipped}",                       # signature tampered with
                   "A" * 16 + "." + signature,                  # another nonce, same signature
                   visitors.split("?r=", 1)[1],                 # the visitor survey's token
                   "not-a-token", "x" * 300):
        url = f'{links["citizen_survey"]}?r={forged}'
        response = citizen(app).post(url, data=PUBLIC_CITIZEN_FORM)
        assert response.status_code == 403, forged
        assert "پیوند شخصی معتبر نیست" in response.get_data(as_text=True)
    assert records(app, instance_id, F01) == []
    assert citizen(app).post(genuine, data=PUBLIC_CITIZEN_FORM).status_code == 303


def test_staff_make_personal_links_on_the_collection_task_and_type_paper_forms_without_one(
        app, login, collecting_survey):
    expert, instance_id = collecting_survey
    create_public_links(expert, instance_id)
    collect = ready_task(app, instance_id, "Task_collect_survey_forms")
    page = expert.get(f"/tasks/{collect.id}?personal=visitor_survey&count=3").get_data(as_text=True)
    assert 'data-testid="personal-links-form" data-form="citizen_survey"' in page
    area = page[page.index('data-testid="personal-links" data-form="visitor_survey"'):]
    assert area[:area.index("</textarea>")].count("?r=") == 3
    # the district mayor sees the instance, not the makings of personal links
    mayor_page = login("district_mayor_d1").get(f"/instances/{instance_id}?personal=citizen_survey&count=3")
    assert mayor_page.status_code in (200, 403) and "?r=" not in mayor_page.get_data(as_text=True)
    for _ in range(2):  # two paper forms typed by staff: never refused as a second answer
        drive(expert, instance_id, "Task_collect_survey_forms", {"next_form": "citizen"})
        drive(expert, instance_id, "Task_enter_citizen_survey", CITIZEN_FORM)
    assert len(records(app, instance_id, F01)) == 2
