"""API v1: processes, starting instances, reading instances and their event log, messages."""
import pytest

from engine.events import GENESIS_SHA256
from http_support import PROCESSES, REGISTER_SERVICE

MESSAGE_WAIT = PROCESSES.parent / "tests" / "fixtures" / "message_wait.bpmn"


def start(client, district="d1", **body):
    return client.post("/api/v1/processes/complaints/instances", json={"district": district, **body})


def test_processes_lists_the_latest_version_of_each_process(complaints, oversight, api):
    response = api("pr_expert_d1").get("/api/v1/processes")
    assert response.status_code == 200
    by_key = {p["key"]: p for p in response.get_json()["processes"]}
    assert set(by_key) == {"complaints", "oversight"}
    assert by_key["complaints"]["name"] == "رسیدگی به شکایات"
    assert by_key["complaints"]["version"] == 1
    assert by_key["complaints"]["content_sha256"] == complaints.content_sha256
    assert by_key["complaints"]["deployed_at"].endswith("Z")


def test_processes_is_empty_when_nothing_is_deployed(api):
    assert api("pr_expert_d1").get("/api/v1/processes").get_json() == {"processes": []}


def test_start_in_own_district_by_code_is_201_with_the_open_task(arrange, api):
    response = start(api("pr_expert_d1"), "d1", title="از طریق API")
    assert response.status_code == 201
    body = response.get_json()
    assert (body["process"], body["version"], body["district"], body["status"], body["title"]) == (
        "complaints", 1, "d1", "running", "از طریق API")
    [task] = body["open_tasks"]
    assert (task["task"], task["role"], task["district"], task["status"], task["form_key"]) == (
        "Task_register_complaint", "pr_expert", "d1", "ready", "complaint_register")
    assert arrange.instance(body["id"]).started_by_id == arrange.user_id("pr_expert_d1")


def test_start_by_district_id_works_too(arrange, api):
    response = start(api("pr_expert_d1"), arrange.district_id("d1"))
    assert response.status_code == 201 and response.get_json()["district"] == "d1"


def test_start_with_initial_data_its_start_event_declares_puts_it_on_the_instance(arrange, api):
    arrange.deploy(MESSAGE_WAIT)  # startDataKeys "source, topic"
    client = api("pr_expert_d1")
    response = client.post("/api/v1/processes/message_wait/instances",
                           json={"district": "d1", "data": {"source": "137"}})
    assert response.status_code == 201
    assert response.get_json()["data"]["source"] == "137"
    # Keys the diagram does not declare are refused (issue 19): nothing starts.
    refused = start(client, data={"source": "137"})
    assert refused.status_code == 400 and set(refused.get_json()["details"]) == {"source"}


def test_start_of_an_unknown_process_is_404(arrange, api):
    response = api("pr_expert_d1").post("/api/v1/processes/nope/instances", json={"district": "d1"})
    assert response.status_code == 404
    assert "nope" in response.get_json()["error"]
    assert arrange.instance_count() == 0


@pytest.mark.parametrize("district", ["zz", None, 999999, True, "", [1]])
def test_start_in_an_unknown_district_is_400(arrange, api, district):
    response = start(api("pr_expert_d1"), district)
    assert response.status_code == 400, response.get_json()
    assert "district" in response.get_json()["details"]
    assert arrange.instance_count() == 0


def test_start_in_another_district_is_403(arrange, api):
    response = start(api("pr_expert_d1"), "d2")
    assert response.status_code == 403
    assert set(response.get_json()) == {"error", "details"}
    assert arrange.instance_count() == 0


def test_start_with_data_that_is_not_an_object_is_400(arrange, api):
    response = start(api("pr_expert_d1"), data=["x"])
    assert response.status_code == 400
    assert arrange.instance_count() == 0


def test_start_with_a_body_that_is_not_a_json_object_is_400(arrange, api):
    client = api("pr_expert_d1")
    response = client.client.post("/api/v1/processes/complaints/instances", data="d1",
                                  headers=client.headers, content_type="text/plain")
    assert response.status_code == 400
    assert arrange.instance_count() == 0


def test_city_wide_user_may_start_in_any_district(arrange, api):
    client = api("central_pr")
    assert start(client, "d1").status_code == 201
    assert start(client, "d2").status_code == 201


def test_get_instance_shows_status_data_and_open_tasks(arrange, api):
    instance_id, examination = arrange.registered_service_instance("d1")
    response = api("pr_head_d1").get(f"/api/v1/instances/{instance_id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == instance_id and body["status"] == "running"
    assert body["data"]["subject"] == REGISTER_SERVICE["subject"]
    assert [t["id"] for t in body["open_tasks"]] == [examination.id]
    assert body["started_at"].endswith("Z") and body["completed_at"] is None


def test_get_instance_of_another_district_is_403_and_unknown_is_404(arrange, api):
    instance_id = arrange.start("d1")
    client = api("pr_expert_d2")
    assert client.get(f"/api/v1/instances/{instance_id}").status_code == 403
    assert client.get(f"/api/v1/instances/{instance_id}/events").status_code == 403
    for path in ("/api/v1/instances/424242", "/api/v1/instances/424242/events"):
        response = client.get(path)
        assert response.status_code == 404
        assert set(response.get_json()) == {"error", "details"}


def test_events_are_a_hash_chain_with_actor_and_data(arrange, api):
    instance_id, _ = arrange.registered_service_instance("d1")
    response = api("auditor").get(f"/api/v1/instances/{instance_id}/events")
    assert response.status_code == 200
    body = response.get_json()
    assert body["instance_id"] == instance_id
    events = body["events"]
    assert [e["type"] for e in events] == ["instance_started", "tracking_code_issued", "task_completed"]
    assert [e["seq"] for e in events] == [1, 2, 3]
    for event in events:
        assert {"seq", "type", "actor", "data", "sha256", "prev_sha256", "at", "task"} <= set(event)
        assert len(event["sha256"]) == 64
    assert events[0]["prev_sha256"] == GENESIS_SHA256
    assert events[1]["prev_sha256"] == events[0]["sha256"] and events[2]["prev_sha256"] == events[1]["sha256"]
    assert events[0]["actor"] == events[2]["actor"] == "pr_expert_d1"
    assert events[0]["data"]["district"] == "d1"
    assert events[1]["data"]["tracking_code"].startswith("101-")
    assert events[2]["task"] == "Task_register_complaint"
    assert events[2]["data"]["data"]["subject"] == REGISTER_SERVICE["subject"]


@pytest.fixture
def waiting_instance(arrange):
    arrange.deploy(MESSAGE_WAIT)
    return arrange.start("d1", process="message_wait")


def test_message_to_a_waiting_instance_moves_it_on(api, waiting_instance):
    response = api("pr_expert_d1").post(f"/api/v1/instances/{waiting_instance}/messages",
                                        json={"name": "citizen_reply", "payload": {"text": "ممنون"}})
    assert response.status_code == 200
    assert response.get_json()["data"]["reply"] == {"text": "ممنون"}


def test_message_errors_are_json(api, waiting_instance):
    mine, other = api("pr_expert_d1"), api("pr_expert_d2")
    url = f"/api/v1/instances/{waiting_instance}/messages"
    assert other.post(url, json={"name": "citizen_reply"}).status_code == 403
    assert mine.post("/api/v1/instances/424242/messages", json={"name": "citizen_reply"}).status_code == 404
    bad = mine.post(url, json={"name": "citizen_reply", "payload": "text"})
    assert bad.status_code == 400 and "payload" in bad.get_json()["details"]
    assert mine.post(url, json={"name": "other"}).status_code == 409
