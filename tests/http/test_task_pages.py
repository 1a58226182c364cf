"""The task page: the form, completing it, access rules, conflicts, claim/unclaim/reassign."""
import html
import re

import pytest

from formjs.forms import form_fields, load_form
from http_support import (EXAMINATION, REGISTER_EMPLOYEE, REGISTER_SERVICE, alerts,
                          location_path, page_text, translated)

REQUIRED_FA = "این فیلد الزامی است."
PERSIAN = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture
def register_task(arrange):
    instance_id = arrange.start("d1")
    return arrange.only_open_task(instance_id)


def field_error(response, key: str) -> str | None:
    """The message shown under a field, or None."""
    match = re.search(r'id="f-%s-err"[^>]*>(.*?)</div>' % re.escape(key),
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)).strip() if match else None


def test_task_page_renders_every_field_of_the_form_with_its_label(register_task, login):
    response = login("pr_expert_d1").get(f"/tasks/{register_task.id}")
    assert response.status_code == 200
    body = page_text(response)
    assert 'data-testid="task-name">ثبت شکایت<' in body
    fields = form_fields(load_form("complaint_register"))
    assert {f["key"] for f in fields} >= {"complainant_name", "channel", "subject",
                                         "complaint_type", "description"}
    for field in fields:
        assert f'name="{field["key"]}"' in body, field["key"]
        assert field["label"] in body, field["label"]
    # The control types follow the form-js component types.
    assert re.search(r'<select[^>]*name="channel"', body)
    assert re.search(r'<textarea[^>]*name="description"', body)
    assert len(re.findall(r'type="radio"[^>]*name="complaint_type"', body)) == 2
    for option in ("service", "employee"):
        assert f'name="complaint_type" value="{option}"' in body
    # Required fields are marked for assistive technology.
    assert re.search(r'name="subject"[^>]*aria-required="true"', body)
    assert not re.search(r'name="address"[^>]*aria-required="true"', body)
    assert 'data-testid="complete"' in body and 'data-testid="claim"' in body


def test_missing_required_fields_answer_400_with_persian_messages_and_change_nothing(
        app, arrange, register_task, login):
    events_before = arrange.event_count(register_task.instance_id)
    response = login("pr_expert_d1").post(
        f"/tasks/{register_task.id}", data={"subject": "صدای بلند شبانه", "channel": ""})
    assert response.status_code == 400
    for key in ("complainant_name", "channel", "complaint_type", "description"):
        assert field_error(response, key) == REQUIRED_FA, key
    assert field_error(response, "subject") is None
    assert field_error(response, "address") is None  # optional
    body = page_text(response)
    assert 'value="صدای بلند شبانه"' in body  # what was typed is kept
    assert 'aria-invalid="true"' in body
    assert alerts(response) == [translated(app, "Some fields are not valid.")]
    # Nothing changed: same open task, no event, instance untouched.
    assert arrange.task(register_task.id).status == "ready"
    assert [t.id for t in arrange.open_tasks(register_task.instance_id)] == [register_task.id]
    assert arrange.event_count(register_task.instance_id) == events_before


def test_a_value_failing_the_fields_pattern_is_refused_with_its_message(register_task, login):
    data = {**REGISTER_SERVICE, "phone": "12345"}
    response = login("pr_expert_d1").post(f"/tasks/{register_task.id}", data=data)
    assert response.status_code == 400
    assert field_error(response, "phone") == "قالب مقدار واردشده درست نیست."
    assert field_error(response, "subject") is None


def test_a_choice_outside_the_options_is_refused(register_task, login):
    response = login("pr_expert_d1").post(f"/tasks/{register_task.id}",
                                          data={**REGISTER_SERVICE, "complaint_type": "weather"})
    assert response.status_code == 400
    assert field_error(response, "complaint_type") == "مقدار انتخاب‌شده مجاز نیست."


def test_persian_digits_in_a_phone_number_are_accepted(arrange, register_task, login):
    response = login("pr_expert_d1").post(f"/tasks/{register_task.id}",
                                          data={**REGISTER_SERVICE, "phone": "۰۹۱۲۳۴۵۶۷۸۹"})
    assert response.status_code == 302
    assert arrange.instance(register_task.instance_id).data["phone"] == "09123456789"


def test_valid_post_completes_the_task_and_redirects_to_the_instance(app, arrange, register_task, login):
    browser = login("pr_expert_d1")
    response = browser.post(f"/tasks/{register_task.id}", data=REGISTER_SERVICE)
    assert response.status_code in (302, 303)
    assert location_path(response) == f"/instances/{register_task.instance_id}"
    done = arrange.task(register_task.id)
    assert done.status == "completed"
    assert done.completed_by_id == arrange.user_id("pr_expert_d1")
    instance = arrange.instance(register_task.instance_id)
    assert instance.data["subject"] == REGISTER_SERVICE["subject"]
    nxt = arrange.only_open_task(register_task.instance_id)
    assert (nxt.task_spec, nxt.role, nxt.district_id) == (
        "Task_examine_service_complaint", "pr_expert", arrange.district_id("d1"))
    assert nxt.due_at is not None  # dueInWorkingDays=10
    page = browser.get(location_path(response))
    assert translated(app, "Task completed.") in alerts(page)


def test_an_employee_complaint_goes_to_the_complaints_expert(arrange, register_task, login):
    login("pr_expert_d1").post(f"/tasks/{register_task.id}", data=REGISTER_EMPLOYEE)
    nxt = arrange.only_open_task(register_task.instance_id)
    assert (nxt.task_spec, nxt.role) == ("Task_examine_employee_complaint", "complaints_expert")
    assert f"/tasks/{nxt.id}" in login("complaints_expert_d1").get("/").get_data(as_text=True)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_districts_task_is_403_and_not_completed(arrange, register_task, login, method):
    browser = login("pr_expert_d2")
    url = f"/tasks/{register_task.id}"
    response = browser.get(url) if method == "GET" else browser.post(url, data=REGISTER_SERVICE)
    assert response.status_code == 403
    assert 'data-testid="error"' in response.get_data(as_text=True)
    assert REGISTER_SERVICE["complainant_name"] not in page_text(response)
    assert arrange.task(register_task.id).status == "ready"


def test_another_roles_task_in_the_same_district_is_403(arrange, register_task, login):
    response = login("pr_head_d1").post(f"/tasks/{register_task.id}", data=REGISTER_SERVICE)
    assert response.status_code == 403
    assert arrange.task(register_task.id).status == "ready"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unknown_task_is_404_page(complaints, login, method):
    browser = login("pr_expert_d1")
    response = browser.get("/tasks/987654") if method == "GET" else browser.post("/tasks/987654")
    assert response.status_code == 404
    assert 'data-testid="error"' in response.get_data(as_text=True)


def test_completing_an_already_completed_task_is_409_naming_who_completed_it(
        app, arrange, register_task, login):
    arrange.create_user("pr_expert_d1_b", "pr_expert", "d1", full_name="Zahra Karimi")
    first = login("pr_expert_d1_b")
    second = login("pr_expert_d1")
    second.get(f"/tasks/{register_task.id}")  # both have the form open
    assert first.post(f"/tasks/{register_task.id}", data=REGISTER_SERVICE).status_code == 302
    events_before = arrange.event_count(register_task.instance_id)
    response = second.post(f"/tasks/{register_task.id}", data=REGISTER_EMPLOYEE)
    assert response.status_code == 409
    body = page_text(response)
    assert "Zahra Karimi" in body
    message = translated(app, "This task was already completed by {who}.").format(who="Zahra Karimi")
    assert message in alerts(response)
    assert PERSIAN.search(message.replace("Zahra Karimi", ""))  # said in Persian
    assert 'data-testid="task-form"' not in body
    # The first answer stands.
    assert arrange.instance(register_task.instance_id).data["complaint_type"] == "service"
    assert arrange.event_count(register_task.instance_id) == events_before


def test_a_completed_task_page_says_who_completed_it_and_offers_no_form(arrange, register_task, login):
    arrange.complete(register_task.id, "pr_expert_d1", REGISTER_SERVICE)
    response = login("pr_head_d1").get(f"/tasks/{register_task.id}")  # same district, may view
    assert response.status_code == 200
    body = page_text(response)
    assert 'data-testid="task-closed"' in body
    assert arrange.display_name("pr_expert_d1") in body
    assert 'data-testid="task-form"' not in body


def test_claim_then_release(app, arrange, register_task, login):
    browser = login("pr_expert_d1")
    page = browser.get(f"/tasks/{register_task.id}").get_data(as_text=True)
    assert f'action="/tasks/{register_task.id}/claim"' in page
    assert f'action="/tasks/{register_task.id}/reassign"' in page
    response = browser.post(f"/tasks/{register_task.id}/claim")
    assert response.status_code == 303
    assert location_path(response) == f"/tasks/{register_task.id}"
    assert arrange.task(register_task.id).assignee_id == arrange.user_id("pr_expert_d1")
    page = page_text(browser.get(f"/tasks/{register_task.id}"))
    assert translated(app, "Claimed by you") in page
    assert f'action="/tasks/{register_task.id}/unclaim"' in page
    assert 'data-testid="claim"' not in page

    response = browser.post(f"/tasks/{register_task.id}/unclaim")
    assert response.status_code == 303
    assert arrange.task(register_task.id).assignee_id is None
    assert 'data-testid="claim"' in browser.get(f"/tasks/{register_task.id}").get_data(as_text=True)
    types = [e[0] for e in arrange.events(register_task.instance_id)]
    assert types[-2:] == ["task_claimed", "task_unclaimed"]


def test_a_task_claimed_by_a_colleague_cannot_be_completed_or_released(arrange, register_task, login):
    arrange.create_user("pr_expert_d1_b", "pr_expert", "d1", full_name="Zahra Karimi")
    login("pr_expert_d1_b").post(f"/tasks/{register_task.id}/claim")
    browser = login("pr_expert_d1")
    page = page_text(browser.get(f"/tasks/{register_task.id}"))
    assert "Zahra Karimi" in page and 'data-testid="claim"' not in page
    response = browser.post(f"/tasks/{register_task.id}", data=REGISTER_SERVICE)
    assert response.status_code == 409
    assert any("Zahra Karimi" in a for a in alerts(response))
    assert arrange.task(register_task.id).status == "ready"
    response = browser.post(f"/tasks/{register_task.id}/unclaim")
    assert response.status_code == 303
    assert arrange.task(register_task.id).assignee_id == arrange.user_id("pr_expert_d1_b")
    assert alerts(browser.get(location_path(response)))  # the refusal is shown


def test_reassign_hands_the_task_to_another_holder_of_the_role(arrange, register_task, login):
    arrange.create_user("pr_expert_d1_b", "pr_expert", "d1", full_name="Zahra Karimi")
    browser = login("pr_expert_d1")
    response = browser.post(f"/tasks/{register_task.id}/reassign", data={"username": "pr_expert_d1_b", "reassign_reason": "مرخصی"})
    assert response.status_code == 303
    assert arrange.task(register_task.id).assignee_id == arrange.user_id("pr_expert_d1_b")
    assert ("task_reassigned", "Task_register_complaint", "pr_expert_d1") in arrange.events(
        register_task.instance_id)
    # The new assignee can complete it.
    assert login("pr_expert_d1_b").post(f"/tasks/{register_task.id}",
                                        data=REGISTER_SERVICE).status_code == 302


@pytest.mark.parametrize("target", ["pr_head_d1", "pr_expert_d2", "no_such_user"])
def test_reassign_to_someone_without_the_role_here_shows_an_error(app, arrange, register_task, login, target):
    browser = login("pr_expert_d1")
    events_before = arrange.event_count(register_task.instance_id)
    response = browser.post(f"/tasks/{register_task.id}/reassign", data={"username": target, "reassign_reason": "مرخصی"})
    assert response.status_code == 303
    page = browser.get(location_path(response))
    messages = alerts(page)
    assert len(messages) == 1
    if target == "no_such_user":
        assert messages[0] == translated(app, "No such user.")
    else:
        assert arrange.display_name(target) in messages[0]
    assert arrange.task(register_task.id).assignee_id is None
    assert arrange.event_count(register_task.instance_id) == events_before


def test_another_district_cannot_claim_the_task(arrange, register_task, login):
    response = login("pr_expert_d2").post(f"/tasks/{register_task.id}/claim")
    assert response.status_code == 303
    assert arrange.task(register_task.id).assignee_id is None


def test_examination_form_is_validated_like_the_register_form(arrange, login):
    _, examination = arrange.registered_service_instance("d1")
    browser = login("pr_expert_d1")
    response = browser.post(f"/tasks/{examination.id}", data={"findings": "x"})
    assert response.status_code == 400
    assert field_error(response, "justified") == REQUIRED_FA
    assert field_error(response, "answer_text") == REQUIRED_FA
    assert browser.post(f"/tasks/{examination.id}", data=EXAMINATION).status_code == 302


def test_validation_messages_follow_the_chosen_language(register_task, login):
    browser = login("pr_expert_d1")
    browser.post("/lang/en")
    response = browser.post(f"/tasks/{register_task.id}", data={**REGISTER_SERVICE, "subject": ""})
    assert response.status_code == 400
    assert field_error(response, "subject") == "This field is required."


def test_a_task_without_a_form_completes_with_an_empty_post(arrange, oversight, login):
    instance_id = arrange.start("d2", "central_pr", process="oversight")
    task = arrange.only_open_task(instance_id)
    browser = login("central_pr")
    page = browser.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-testid="task-form"' in page and 'class="formjs"' not in page
    response = browser.post(f"/tasks/{task.id}")
    assert response.status_code == 302
    assert arrange.instance(instance_id).status == "completed"
