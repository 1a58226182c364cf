"""Messages delivered to waiting instances, through the engine and the API."""
from pathlib import Path

import pytest

import engine as runtime
from models.errors import Conflict, Forbidden
from models import Event, HumanTask
from people.accounts import find_district, find_user

FIXTURE = Path(__file__).parent.parent / "fixtures" / "message_wait.bpmn"


@pytest.fixture
def waiting_instance(app, db):
    from tests.conftest import deploy_file
    deploy_file(app, FIXTURE)
    user = find_user(db, "pr_expert_d1")
    instance = runtime.start_instance(db, "message_wait", user, find_district(db, "d1").id)
    db.commit()
    return instance.id


def test_message_moves_waiting_instance_on_with_its_payload(db, waiting_instance):
    user = find_user(db, "pr_expert_d1")
    assert db.query(HumanTask).filter_by(instance_id=waiting_instance).count() == 0
    instance = runtime.send_message(db, waiting_instance, user, "citizen_reply", {"text": "ممنون"})
    db.commit()
    task = db.query(HumanTask).filter_by(instance_id=waiting_instance, status="ready").one()
    assert task.task_spec == "Task_read_reply"
    assert instance.data["reply"] == {"text": "ممنون"}
    assert db.query(Event).filter_by(instance_id=waiting_instance, type="message_received").count() == 1


def test_message_nobody_waits_for_is_refused_and_names_what_is_awaited(db, waiting_instance):
    user = find_user(db, "pr_expert_d1")
    with pytest.raises(Conflict) as caught:
        runtime.send_message(db, waiting_instance, user, "unknown_message", {})
    assert caught.value.details["waiting_for"] == ["citizen_reply"]


def test_message_from_another_district_is_forbidden(db, waiting_instance):
    with pytest.raises(Forbidden):
        runtime.send_message(db, waiting_instance, find_user(db, "pr_expert_d2"), "citizen_reply", {})


def test_message_endpoint_answers_409_when_not_awaited_and_200_when_awaited(api, waiting_instance):
    client = api("pr_expert_d1")
    wrong = client.post(f"/api/v1/instances/{waiting_instance}/messages", json={"name": "nope"})
    assert wrong.status_code == 409 and wrong.get_json()["details"]["waiting_for"] == ["citizen_reply"]
    right = client.post(f"/api/v1/instances/{waiting_instance}/messages",
                        json={"name": "citizen_reply", "payload": {"ok": True}})
    assert right.status_code == 200
    assert [t["task"] for t in right.get_json()["open_tasks"]] == ["Task_read_reply"]


def test_element_with_an_id_the_engine_reserves_is_refused_at_deploy():
    from models.errors import BpmnValidationError
    from engine.spiff.parsing import parse_definition
    xml = FIXTURE.read_text(encoding="utf-8").replace("StartEvent_1", "Start")
    with pytest.raises(BpmnValidationError) as caught:
        parse_definition(xml.encode())
    assert any(e.element_id == "Start" and "reserved" in e.message for e in caught.value.errors)
