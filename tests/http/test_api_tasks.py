"""API v1: listing tasks with filters, reading one with its form, claim, reassign, complete."""
import pytest

from formjs.forms import load_form
from http_support import EXAMINATION, REGISTER_SERVICE, translated


def ids(response):
    assert response.status_code == 200, response.get_json()
    return [t["id"] for t in response.get_json()["tasks"]]


def test_tasks_lists_the_callers_ready_tasks_only(arrange, api):
    d1 = arrange.only_open_task(arrange.start("d1"))
    d2 = arrange.only_open_task(arrange.start("d2", "pr_expert_d2"))
    assert ids(api("pr_expert_d1").get("/api/v1/tasks")) == [d1.id]
    assert ids(api("pr_expert_d2").get("/api/v1/tasks")) == [d2.id]
    assert ids(api("pr_head_d1").get("/api/v1/tasks")) == []
    task = api("pr_expert_d1").get("/api/v1/tasks").get_json()["tasks"][0]
    assert (task["process"], task["district"], task["role"], task["status"]) == (
        "complaints", "d1", "pr_expert", "ready")
    assert "form" not in task


def test_tasks_filters_by_process_district_code_and_overdue(arrange, oversight, api):
    d1 = arrange.only_open_task(arrange.start("d1", "central_pr", process="oversight"))
    d2 = arrange.only_open_task(arrange.start("d2", "central_pr", process="oversight"))
    arrange.set_due(d2.id, -1)
    client = api("central_pr")
    assert sorted(ids(client.get("/api/v1/tasks"))) == sorted([d1.id, d2.id])
    assert ids(client.get("/api/v1/tasks?district=d1")) == [d1.id]
    assert ids(client.get("/api/v1/tasks?district=d2")) == [d2.id]
    assert ids(client.get("/api/v1/tasks?overdue=1")) == [d2.id]
    assert ids(client.get("/api/v1/tasks?overdue=true")) == [d2.id]
    assert sorted(ids(client.get("/api/v1/tasks?overdue=0"))) == sorted([d1.id, d2.id])
    assert ids(client.get("/api/v1/tasks?process=complaints")) == []
    assert sorted(ids(client.get("/api/v1/tasks?process=oversight"))) == sorted([d1.id, d2.id])
    assert ids(client.get("/api/v1/tasks")) == [d2.id, d1.id]  # overdue first


def test_tasks_with_an_unknown_district_code_is_400_not_everything(arrange, oversight, api):
    arrange.start("d1", "central_pr", process="oversight")
    response = api("central_pr").get("/api/v1/tasks?district=zz")
    assert response.status_code == 400
    assert "district" in response.get_json()["details"]


def test_get_task_includes_its_form_schema(arrange, api):
    task = arrange.only_open_task(arrange.start("d1"))
    response = api("pr_expert_d1").get(f"/api/v1/tasks/{task.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == task.id and body["form_key"] == "complaint_register"
    assert body["form"] == load_form("complaint_register")


def test_get_task_of_another_district_is_403_and_unknown_is_404(arrange, api):
    task = arrange.only_open_task(arrange.start("d1"))
    assert api("pr_expert_d2").get(f"/api/v1/tasks/{task.id}").status_code == 403
    assert api("pr_expert_d1").get("/api/v1/tasks/987654").status_code == 404


def test_claim_sets_the_assignee_and_unclaim_clears_it(arrange, api):
    task = arrange.only_open_task(arrange.start("d1"))
    client = api("pr_expert_d1")
    response = client.post(f"/api/v1/tasks/{task.id}/claim")
    assert response.status_code == 200
    assert response.get_json()["assignee"] == "pr_expert_d1"
    assert arrange.task(task.id).assignee_id == arrange.user_id("pr_expert_d1")
    assert client.post(f"/api/v1/tasks/{task.id}/claim").status_code == 200  # idempotent
    response = client.post(f"/api/v1/tasks/{task.id}/unclaim")
    assert response.status_code == 200 and response.get_json()["assignee"] is None
    assert arrange.task(task.id).assignee_id is None


def test_claim_of_a_task_claimed_by_someone_else_is_409(arrange, api):
    arrange.create_user("pr_expert_d1_b", "pr_expert", "d1")
    task = arrange.only_open_task(arrange.start("d1"))
    assert api("pr_expert_d1_b").post(f"/api/v1/tasks/{task.id}/claim").status_code == 200
    response = api("pr_expert_d1").post(f"/api/v1/tasks/{task.id}/claim")
    assert response.status_code == 409
    assert response.get_json()["details"]["assignee"] == "pr_expert_d1_b"


@pytest.mark.parametrize("action", ["claim", "unclaim", "reassign", "complete"])
def test_actions_on_another_districts_task_are_403(arrange, api, action):
    task = arrange.only_open_task(arrange.start("d1"))
    body = {"reassign": {"username": "pr_expert_d2"}, "complete": {"data": REGISTER_SERVICE}}.get(action, {})
    response = api("pr_expert_d2").post(f"/api/v1/tasks/{task.id}/{action}", json=body)
    assert response.status_code == 403
    assert set(response.get_json()) == {"error", "details"}
    after = arrange.task(task.id)
    assert (after.status, after.assignee_id) == ("ready", None)


@pytest.mark.parametrize("action", ["claim", "unclaim", "reassign", "complete"])
def test_actions_on_an_unknown_task_are_404(complaints, api, action):
    response = api("pr_expert_d1").post(f"/api/v1/tasks/987654/{action}", json={"username": "x"})
    assert response.status_code == 404


def test_reassign_to_a_holder_of_the_role_and_refusal_otherwise(arrange, api):
    arrange.create_user("pr_expert_d1_b", "pr_expert", "d1")
    task = arrange.only_open_task(arrange.start("d1"))
    client = api("pr_expert_d1")
    refused = client.post(f"/api/v1/tasks/{task.id}/reassign", json={"username": "pr_head_d1"})
    assert refused.status_code == 400 and "username" in refused.get_json()["details"]
    assert client.post(f"/api/v1/tasks/{task.id}/reassign", json={"username": "ghost"}).status_code == 400
    response = client.post(f"/api/v1/tasks/{task.id}/reassign", json={"username": "pr_expert_d1_b"})
    assert response.status_code == 200 and response.get_json()["assignee"] == "pr_expert_d1_b"


def test_complete_with_valid_data_is_200_and_returns_the_next_task(arrange, api):
    task = arrange.only_open_task(arrange.start("d1"))
    response = api("pr_expert_d1").post(f"/api/v1/tasks/{task.id}/complete", json={"data": REGISTER_SERVICE})
    assert response.status_code == 200
    body = response.get_json()
    assert body["task"]["status"] == "completed" and body["task"]["completed_by"] == "pr_expert_d1"
    assert body["instance"]["data"]["complaint_type"] == "service"
    [nxt] = body["instance"]["open_tasks"]
    assert (nxt["task"], nxt["role"]) == ("Task_examine_service_complaint", "pr_expert")
    assert nxt["due_at"].endswith("Z")


def test_complete_with_invalid_data_is_400_with_persian_messages_per_field(app, arrange, api):
    task = arrange.only_open_task(arrange.start("d1"))
    events_before = arrange.event_count(task.instance_id)
    response = api("pr_expert_d1").post(f"/api/v1/tasks/{task.id}/complete",
                                        json={"data": {"subject": "x", "phone": "123"}})
    assert response.status_code == 400
    body = response.get_json()
    assert body["details"] == {
        "complainant_name": "این فیلد الزامی است.", "channel": "این فیلد الزامی است.",
        "complaint_type": "این فیلد الزامی است.", "description": "این فیلد الزامی است.",
        "phone": "قالب مقدار واردشده درست نیست.",
    }
    assert body["error"] == translated(app, "Some fields are not valid.", "fa")
    assert arrange.task(task.id).status == "ready"
    assert arrange.event_count(task.instance_id) == events_before


def test_complete_with_invalid_data_speaks_english_when_asked(app, arrange, api):
    task = arrange.only_open_task(arrange.start("d1"))
    client = api("pr_expert_d1")
    response = client.client.post(f"/api/v1/tasks/{task.id}/complete",
                                  json={"data": {**REGISTER_SERVICE, "description": ""}},
                                  headers={**client.headers, "Accept-Language": "en"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["details"] == {"description": "This field is required."}
    assert body["error"] == "Some fields are not valid."


@pytest.mark.parametrize("body", [{"data": ["x"]}, {"data": "text"}])
def test_complete_with_data_that_is_not_an_object_is_400(arrange, api, body):
    task = arrange.only_open_task(arrange.start("d1"))
    response = api("pr_expert_d1").post(f"/api/v1/tasks/{task.id}/complete", json=body)
    assert response.status_code == 400
    assert arrange.task(task.id).status == "ready"


def test_complete_twice_is_409_naming_who_completed_it(arrange, api):
    _, examination = arrange.registered_service_instance("d1")
    client = api("pr_expert_d1")
    assert client.post(f"/api/v1/tasks/{examination.id}/complete",
                       json={"data": EXAMINATION}).status_code == 200
    again = client.post(f"/api/v1/tasks/{examination.id}/complete", json={"data": EXAMINATION})
    assert again.status_code == 409
    assert again.get_json()["details"] == {"completed_by": "pr_expert_d1"}
    assert arrange.display_name("pr_expert_d1") in again.get_json()["error"]
    for action in ("claim", "unclaim"):
        assert client.post(f"/api/v1/tasks/{examination.id}/{action}").status_code == 409


def test_completed_task_can_still_be_read_by_district_staff_of_another_role(arrange, api):
    register = arrange.only_open_task(arrange.start("d1"))
    arrange.complete(register.id, "pr_expert_d1", REGISTER_SERVICE)
    response = api("pr_head_d1").get(f"/api/v1/tasks/{register.id}")
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["completed_by"]) == (
        "completed", "pr_expert_d1")
    assert api("pr_head_d2").get(f"/api/v1/tasks/{register.id}").status_code == 403


def test_tasks_come_a_page_at_a_time_with_the_next_page_number(arrange, api):
    task_ids = [arrange.only_open_task(arrange.start("d1")).id for _ in range(3)]
    client = api("pr_expert_d1")
    first = client.get("/api/v1/tasks?per_page=2").get_json()
    assert [t["id"] for t in first["tasks"]] == task_ids[:2] and first["next_page"] == 2
    second = client.get("/api/v1/tasks?per_page=2&page=2").get_json()
    assert [t["id"] for t in second["tasks"]] == task_ids[2:] and second["next_page"] is None


@pytest.mark.parametrize("query", ["per_page=0", "per_page=501", "page=0"])
def test_tasks_with_a_page_out_of_range_is_400(complaints, api, query):
    response = api("pr_expert_d1").get(f"/api/v1/tasks?{query}")
    assert response.status_code == 400
