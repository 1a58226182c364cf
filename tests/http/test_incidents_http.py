"""The incidents page, the instance page's operations panel, the JSON API actions and the
`flask instances` commands (engine.runtime.incidents): who may act, what a bad input answers
(a clear Persian or JSON error, nothing changed, never a 500)."""
import json
from pathlib import Path

import pytest
from sqlalchemy import select

import engine as runtime
from models import Event, HumanTask, Instance
from people.accounts import create_user, find_district, find_user, grant_role
from tests.conftest import DEMO_PASSWORD, deploy_file

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "incident_script.bpmn"


@pytest.fixture
def failed(app):
    """The id of an instance in d1 whose script failed on amount "abc" (committed)."""
    return make_instance(app, "abc")


def make_instance(app, amount):
    deploy_file(app, FIXTURE)
    db = app.extensions["db_sessions"]()
    try:
        expert = find_user(db, "pr_expert_d1")
        instance = runtime.start_instance(db, "t_incident", expert, find_district(db, "d1").id,
                                          {"amount": amount})
        db.commit()
        task = db.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
        runtime.complete_task(db, task.id, expert, {})
        db.commit()
        return instance.id
    finally:
        db.close()


def read(app, instance_id):
    """The instance and its event types, as committed."""
    with app.extensions["db_sessions"]() as db:
        instance = db.get(Instance, instance_id)
        types = list(db.scalars(select(Event.type).where(Event.instance_id == instance_id)
                                .order_by(Event.seq)))
        return {"status": instance.status, "data": instance.data, "failures": instance.failure_count,
                "events": types}


def csrf(page: str) -> str:
    import re
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def post(browser, instance_id, action, **form):
    page = browser.get(f"/instances/{instance_id}").get_data(as_text=True)
    return browser.post(f"/instances/{instance_id}/operations/{action}",
                        data={"csrf_token": csrf(page), **form})


# ---------------------------------------------------------------- the page and the badge

def test_the_incidents_page_lists_the_failed_step_in_persian_with_its_count(app, login, failed):
    owner = login("process_owner")
    page = owner.get("/incidents").get_data(as_text=True)
    assert f'data-instance="{failed}"' in page
    assert "Compute the total" in page
    assert "مقداری برای اسکریپت معتبر نیست" in page  # ValueError, said in Persian
    assert 'data-testid="failure-count">۱<' in page
    assert 'data-testid="incident-count">۱<' in page  # the navigation's badge


def test_the_incidents_page_and_badge_are_not_for_staff_without_the_permission(app, login, failed):
    expert = login("pr_expert_d1")
    assert expert.get("/incidents").status_code == 403
    page = expert.get(f"/instances/{failed}").get_data(as_text=True)
    assert 'data-testid="nav-incidents"' not in page and 'data-testid="operations"' not in page


def test_the_operations_panel_prefills_the_data_editor(app, login, failed):
    page = login("process_owner").get(f"/instances/{failed}").get_data(as_text=True)
    assert 'data-testid="operations"' in page and 'data-testid="retry"' in page
    assert "&#34;amount&#34;: &#34;abc&#34;" in page or '"amount": "abc"' in page


# ---------------------------------------------------------------- the actions

def test_set_data_then_retry_runs_on_and_the_history_shows_the_diff(app, login, failed):
    owner = login("process_owner")
    response = post(owner, failed, "data", data='{"amount": "4"}', reason="مبلغ اشتباه وارد شده بود")
    assert response.status_code == 302
    assert read(app, failed)["data"]["amount"] == "4"
    response = post(owner, failed, "retry", reason="")
    assert response.status_code == 302
    after = read(app, failed)
    assert after["status"] == "running" and after["data"]["total"] == 8
    page = owner.get(f"/instances/{failed}").get_data(as_text=True)
    assert 'data-testid="data-diff"' in page and "~ amount" in page
    assert "مبلغ اشتباه وارد شده بود" in page
    assert runtime.verify_instance(app.extensions["db_sessions"](), failed).matches
    auditor = login("auditor")
    replay = auditor.get(f"/audit/instances/{failed}/replay").get_data(as_text=True)
    assert 'data-matches="true"' in replay
    steps = [auditor.get(f"/audit/instances/{failed}/replay?step={n}").get_data(as_text=True)
             for n in range(1, 8)]
    data_step = next(page for page in steps if 'data-type="instance_data_set"' in page)
    assert "مبلغ اشتباه وارد شده بود" in data_step and "مالک فرآیند" in data_step
    assert 'data-testid="changes"' in data_step
    verify = auditor.get(f"/audit/instances/{failed}/verify")
    assert verify.status_code == 200


def test_suspend_resume_and_cancel_through_the_panel(app, login):
    instance_id = make_instance(app, "3")
    owner = login("process_owner")
    assert post(owner, instance_id, "suspend", reason="منتظر حکم").status_code == 302
    assert read(app, instance_id)["status"] == "suspended"
    expert = login("pr_expert_d1")
    assert 'Review the total' not in expert.get("/inbox").get_data(as_text=True)
    assert post(owner, instance_id, "resume").status_code == 302
    assert read(app, instance_id)["status"] == "running"
    assert post(owner, instance_id, "cancel", reason="انصراف شهروند").status_code == 302
    assert read(app, instance_id)["status"] == "cancelled"


def test_a_task_of_a_suspended_instance_cannot_be_completed(app, login):
    instance_id = make_instance(app, "3")
    owner = login("process_owner")
    post(owner, instance_id, "suspend", reason="منتظر حکم")
    with app.extensions["db_sessions"]() as db:
        task_id = db.scalars(select(HumanTask.id).where(HumanTask.instance_id == instance_id,
                                                        HumanTask.task_spec == "Task_review")).one()
    expert = login("pr_expert_d1")
    page = expert.get(f"/tasks/{task_id}")
    assert page.status_code in (200, 409)
    response = expert.post(f"/tasks/{task_id}", data={"csrf_token": csrf(
        expert.get("/inbox").get_data(as_text=True))}, follow_redirects=True)
    assert response.status_code in (200, 409)
    assert "این نمونه معلق است" in response.get_data(as_text=True)
    assert read(app, instance_id)["status"] == "suspended"
    assert "instance_suspended" == read(app, instance_id)["events"][-1]


def test_move_token_through_the_panel(app, login, failed):
    owner = login("process_owner")
    page = owner.get(f"/instances/{failed}").get_data(as_text=True)
    assert 'data-testid="move-from"' in page
    assert post(owner, failed, "move", **{"from": "Script_compute", "to": "Task_review",
                                          "reason": "محاسبه دستی"}).status_code == 302
    assert read(app, failed)["status"] == "running"


@pytest.mark.parametrize("action, form, status", [
    ("data", {"data": "{not json", "reason": "x"}, 400),
    ("data", {"data": "[1, 2]", "reason": "x"}, 400),
    ("data", {"data": '{"amount": "5"}', "reason": "  "}, 400),
    ("move", {"from": "Script_compute", "to": "Nowhere", "reason": "x"}, 400),
    ("suspend", {"reason": "x"}, 409),
    ("resume", {}, 409),
    ("cancel", {"reason": ""}, 400),
])
def test_bad_input_is_a_persian_error_and_changes_nothing(app, login, failed, action, form, status):
    owner = login("process_owner")
    before = read(app, failed)
    response = post(owner, failed, action, **form)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert 'data-testid="operations-error"' in page
    error = page.split('data-testid="operations-error">', 1)[1].split("<", 1)[0]
    assert any("\u0600" <= ch <= "\u06ff" for ch in error), error
    assert read(app, failed) == before


def test_a_user_without_the_permission_or_of_another_district_is_refused(app, login, failed):
    with app.extensions["db_sessions"]() as db:
        other = create_user(db, "owner_d2_incidents", DEMO_PASSWORD, full_name="Owner D2")
        grant_role(db, other, "admin", find_district(db, "d2"))
        db.commit()
    before = read(app, failed)
    expert = login("pr_expert_d1")
    page = expert.get(f"/instances/{failed}").get_data(as_text=True)
    response = expert.post(f"/instances/{failed}/operations/retry", data={"csrf_token": csrf(page)})
    assert response.status_code == 403
    elsewhere = login("owner_d2_incidents")  # an administrator of district 2 only
    assert elsewhere.get("/incidents").get_data(as_text=True).count('data-testid="incident"') == 0
    response = post(elsewhere, failed, "cancel", reason="not mine")
    assert response.status_code == 403
    assert "شما اجازه ترمیم نمونه‌های این منطقه را ندارید" in response.get_data(as_text=True)
    assert read(app, failed) == before


def test_an_unknown_instance_is_a_404_page(app, login, failed):
    owner = login("process_owner")
    page = owner.get(f"/instances/{failed}").get_data(as_text=True)
    response = owner.post("/instances/999999/operations/retry", data={"csrf_token": csrf(page)})
    assert response.status_code == 404


# ---------------------------------------------------------------- the API

def test_the_api_sets_data_and_retries(app, api, failed):
    client = api("process_owner")
    response = client.client.patch(f"/api/v1/instances/{failed}/data", headers=client.headers,
                                   json={"data": {"amount": "5"}, "reason": "typo"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["changes"] == {"changed": {"amount": {"old": "abc", "new": "5"}}}
    response = client.post(f"/api/v1/instances/{failed}/retry")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "running" and body["data"]["total"] == 10
    assert [t["task"] for t in body["open_tasks"]] == ["Task_review"]


def test_the_api_suspends_resumes_moves_and_cancels(app, api):
    instance_id = make_instance(app, "3")
    client = api("admin")
    assert client.post(f"/api/v1/instances/{instance_id}/suspend", json={"reason": "r"}).get_json()["status"] == "suspended"
    assert client.post(f"/api/v1/instances/{instance_id}/resume").get_json()["status"] == "running"
    moved = client.post(f"/api/v1/instances/{instance_id}/move",
                        json={"from": "Task_review", "to": "Task_enter", "reason": "again"})
    assert moved.status_code == 200 and [t["task"] for t in moved.get_json()["open_tasks"]] == ["Task_enter"]
    assert client.post(f"/api/v1/instances/{instance_id}/cancel", json={"reason": "r"}).get_json()["status"] == "cancelled"


@pytest.mark.parametrize("method, action, body, status", [
    ("post", "retry", None, 200),  # in error: allowed (control row)
    ("post", "suspend", {"reason": "r"}, 409),
    ("post", "cancel", {}, 400),
    ("post", "move", {"from": "X", "to": "Task_review", "reason": "r"}, 400),
    ("patch", "data", {"data": "not an object", "reason": "r"}, 400),
    ("patch", "data", {"reason": "r"}, 400),
])
def test_the_api_answers_bad_input_with_json_errors(app, api, failed, method, action, body, status):
    client = api("process_owner")
    url = f"/api/v1/instances/{failed}/{action}"
    response = getattr(client.client, method)(url, headers=client.headers,
                                              **({"json": body} if body is not None else {}))
    assert response.status_code == status, response.get_json()
    if status != 200:
        assert response.get_json()["error"]


def test_the_api_refuses_other_users_and_unknown_instances(app, api, failed):
    assert api("pr_expert_d1").post(f"/api/v1/instances/{failed}/retry").status_code == 403
    assert api("process_owner").post("/api/v1/instances/999999/retry").status_code == 404
    assert read(app, failed)["failures"] == 1


def test_the_openapi_document_names_the_actions(app):
    paths = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    assert "patch" in paths["/instances/{instance_id}/data"]
    for action in ("retry", "suspend", "resume", "cancel", "move"):
        assert "post" in paths[f"/instances/{{instance_id}}/{action}"]


# ---------------------------------------------------------------- the command line

def test_the_cli_lists_sets_data_and_retries(app, failed):
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["instances", "incidents", "--as", "process_owner"])
    assert listed.exit_code == 0 and f"{failed}\tt_incident\tScript_compute\t1" in listed.output
    refused = runner.invoke(args=["instances", "set-data", str(failed), "{bad", "--as", "process_owner",
                                  "--reason", "r"])
    assert refused.exit_code != 0 and "not valid JSON" in refused.output
    no_reason = runner.invoke(args=["instances", "set-data", str(failed), '{"amount": "6"}',
                                    "--as", "process_owner"])
    assert no_reason.exit_code != 0
    done = runner.invoke(args=["instances", "set-data", str(failed), '{"amount": "6"}',
                               "--as", "process_owner", "--reason", "typo"])
    assert done.exit_code == 0, done.output
    retried = runner.invoke(args=["instances", "retry", str(failed), "--as", "process_owner"])
    assert retried.exit_code == 0 and f"instance {failed}: running" in retried.output
    assert read(app, failed)["data"]["total"] == 12
    forbidden = runner.invoke(args=["instances", "cancel", str(failed), "--as", "pr_expert_d1",
                                    "--reason", "r"])
    assert forbidden.exit_code != 0 and read(app, failed)["status"] == "running"
