"""The studio's validation (modeling.validation.check_diagram) checks that a service task names a
connector an administrator configured, and only its parameters: a clear problem pinned on the
element, in English and Persian; a configured one passes."""
from pathlib import Path

import pytest

from connectors import save_connector

FIXTURE = (Path(__file__).resolve().parents[1] / "fixtures" / "connectors"
           / "service_task_http.bpmn").read_text()
XML = {"content_type": "application/xml"}
OPERATOR = '<spiffworkflow:serviceTaskOperator id="oa_referral" resultVariable="oa_answer">'


@pytest.fixture
def owner(login):
    return login("process_owner")


def connector_problems(owner, xml: str) -> list[dict]:
    answer = owner.post("/studio/validate", data=xml.encode(), **XML)
    assert answer.status_code == 200
    return [p for p in answer.get_json()["problems"] if p["element_id"] == "Service_refer"]


def configure(db, enabled="on"):
    save_connector(db, {"name": "oa_referral", "kind": "http", "parameters": "subject, case_id",
                        "base_url": "https://oa.example.city", "enabled": enabled})
    db.commit()


def test_a_service_task_naming_an_unknown_connector_is_a_problem_on_it(owner):
    [problem] = connector_problems(owner, FIXTURE)
    assert problem["kind"] == "connector"
    assert "oa_referral" in problem["message_en"] and "not configured" in problem["message_en"]
    assert "اتصال" in problem["message_fa"] and "oa_referral" in problem["message_fa"]


def test_a_service_task_naming_no_connector_is_a_problem_said_once(owner, db):
    configure(db)
    [problem] = connector_problems(owner, FIXTURE.replace(OPERATOR, OPERATOR.replace(
        'id="oa_referral"', 'id=""')))
    assert problem["kind"] == "connector" and "names no connector" in problem["message_en"]
    assert "هیچ اتصالی" in problem["message_fa"]


def test_a_configured_connector_passes_and_a_parameter_it_does_not_take_is_named(owner, db):
    configure(db)
    assert connector_problems(owner, FIXTURE) == []
    [problem] = connector_problems(owner, FIXTURE.replace('id="case_id"', 'id="case_number"'))
    assert "case_number" in problem["message_en"] and "case_number" in problem["message_fa"]


def test_a_disabled_connector_is_not_offered(owner, db):
    configure(db, enabled="")
    [problem] = connector_problems(owner, FIXTURE)
    assert "not configured or is disabled" in problem["message_en"]


def test_a_message_throw_event_naming_an_unknown_connector_is_a_problem_on_it(owner, db):
    xml = (Path(__file__).resolve().parents[1] / "fixtures" / "connectors"
           / "message_throw_http.bpmn").read_text()
    [problem] = connector_problems(owner, xml)
    assert problem["kind"] == "connector" and "not configured" in problem["message_en"]
    configure(db)
    assert connector_problems(owner, xml) == []
