"""Decision tables over HTTP: validate (every problem on its cell), deploy (versions by content),
evaluate ("try it"), list and read versions; process owners write, auditors read."""
from pathlib import Path

import pytest

DEADLINE = (Path(__file__).resolve().parents[2] / "processes" / "decisions"
            / "message_137_deadline.dmn").read_bytes()
XML = {"Content-Type": "application/xml"}


@pytest.fixture
def owner(api):
    return api("process_owner")


def deploy(client, xml: bytes):
    return client.client.post("/api/v1/decisions/deploy", data=xml, headers={**client.headers, **XML})


def test_validate_lists_every_problem_on_its_cell(owner):
    broken = (DEADLINE.replace(b"<text>24</text>", b'<text>"soon"</text>')
              .replace(b'<text>"urban_planning"</text>', b"<text>urban planning</text>"))
    response = owner.client.post("/api/v1/decisions/validate", data=broken,
                                 headers={**owner.headers, **XML})
    assert response.status_code == 200
    problems = response.get_json()["problems"]
    assert {p["element_id"] for p in problems} == {"LiteralExpression_service", "UnaryTests_urban_planning"}
    wrong_type = next(p for p in problems if p["element_id"] == "LiteralExpression_service")
    assert "is not a number" in wrong_type["message_en"] and wrong_type["message_fa"] != wrong_type["message_en"]


def test_deploy_makes_a_version_once_per_content_and_evaluate_uses_the_newest(owner):
    first = deploy(owner, DEADLINE)
    assert first.status_code == 201 and first.get_json()["version"] == 1
    again = deploy(owner, DEADLINE)
    assert again.status_code == 200 and again.get_json()["version"] == 1
    changed = deploy(owner, DEADLINE.replace(b"<text>24</text>", b"<text>12</text>"))
    assert changed.status_code == 201 and changed.get_json()["version"] == 2
    newest = owner.post("/api/v1/decisions/message_137_deadline/evaluate", json={"inputs": {"category": "service"}})
    assert newest.get_json() == {"version": 2, "matched_rules": ["Rule_service"], "matched_indexes": [1],
                                 "output": {"deadline_hours": 12, "deputy_after_hours": 72, "manager_after_hours": 96}}
    old = owner.post("/api/v1/decisions/message_137_deadline/evaluate",
                     json={"inputs": {"category": "civil"}, "version": 1})
    assert old.get_json()["output"]["deadline_hours"] == 48 and old.get_json()["matched_indexes"] == [2]
    listed = owner.get("/api/v1/decisions").get_json()["decisions"]
    assert [(d["key"], d["version"], d["hit_policy"]) for d in listed] == [("message_137_deadline", 2, "FIRST")]
    xml = owner.get("/api/v1/decisions/message_137_deadline/versions/1")
    assert xml.status_code == 200 and b"<text>24</text>" in xml.data


def test_deploy_of_a_broken_table_is_400_with_the_problems_and_deploys_nothing(owner):
    response = deploy(owner, DEADLINE.replace(b'typeRef="number"', b'typeRef="money"', 1))
    assert response.status_code == 400
    assert [p["element_id"] for p in response.get_json()["problems"]] == ["Output_deadline_hours"]
    assert owner.get("/api/v1/decisions").get_json() == {"decisions": []}


def test_evaluate_with_a_missing_or_mistyped_input_is_400_with_a_clear_message(owner):
    deploy(owner, DEADLINE)
    missing = owner.post("/api/v1/decisions/message_137_deadline/evaluate", json={"inputs": {}})
    assert missing.status_code == 400 and "needs the input category" in missing.get_json()["details"]["inputs"]
    mistyped = owner.post("/api/v1/decisions/message_137_deadline/evaluate", json={"inputs": {"category": 3}})
    assert mistyped.status_code == 400 and "must be a string" in mistyped.get_json()["details"]["inputs"]
    unknown = owner.post("/api/v1/decisions/nope/evaluate", json={"inputs": {}})
    assert unknown.status_code == 404
    no_version = owner.get("/api/v1/decisions/message_137_deadline/versions/9")
    assert no_version.status_code == 404


def test_an_auditor_reads_and_tries_but_may_not_deploy(api, owner):
    deploy(owner, DEADLINE)
    auditor = api("auditor")
    assert deploy(auditor, DEADLINE).status_code == 403
    tried = auditor.post("/api/v1/decisions/message_137_deadline/evaluate", json={"inputs": {"category": "x"}})
    assert tried.status_code == 200 and tried.get_json()["matched_rules"] == ["Rule_other"]
    assert api("pr_expert_d1").get("/api/v1/decisions").status_code == 403


def test_the_studio_endpoints_serve_a_logged_in_process_owner(login):
    browser = login("process_owner")
    page = browser.client
    response = page.post("/studio/dmn/validate", data=DEADLINE, headers=XML)
    assert response.status_code == 200 and response.get_json() == {"ok": True, "problems": []}
