"""Every problem at once through HTTP, the API and the CLI: the studio's validate, save and
deploy, `POST /api/v1/processes/...` and `flask processes deploy` say the same list (one
validation, modeling.validation), each on its element, in English and Persian; never a 500."""
import pytest
from sqlalchemy import select

from models import ProcessVersion
from tests.engine.diagram_problems_support import SNIPPETS, diagram

EVERYTHING, EXPECTED = diagram(*SNIPPETS, bad_form=True)
XML = {"content_type": "application/xml"}


@pytest.fixture
def owner(login):
    return login("process_owner")


def pinned(problems) -> set:
    return {(p["kind"], p["element_id"]) for p in problems}


def versions(db):
    return db.scalars(select(ProcessVersion).where(ProcessVersion.process_key == "studio_demo")).all()


def test_validate_and_save_list_every_problem_in_english_and_persian(owner):
    for url in ("/studio/validate", "/studio/studio_demo/draft"):
        answer = owner.post(url, data=EVERYTHING, **XML)
        assert answer.status_code == 200, url  # a draft is saved with its problems
        problems = answer.get_json()["problems"]
        assert pinned(problems) == EXPECTED, url
        for problem in problems:
            assert problem["message"] == problem["message_fa"] != problem["message_en"]
        assert {p["category"] for p in problems} == {"timers", "roles", "forms", "sandbox",
                                                      "reachability", "engine"}
    timer = next(p for p in problems if p["element_id"] == "Timer_bare")
    assert "P1D" in timer["message_en"] and "در گیومه نیست" in timer["message_fa"]


@pytest.mark.parametrize("names", [("bare P1D",), ('quoted "P1X"',), ("empty timer",), tuple(SNIPPETS)])
def test_deploy_is_refused_with_the_whole_list_never_a_500(owner, db, names):
    xml, expected = diagram(*names)
    answer = owner.post("/studio/studio_demo/deploy", data=xml, **XML)
    assert answer.status_code == 400
    assert pinned(answer.get_json()["problems"]) == expected
    assert versions(db) == []


def test_the_api_validates_and_refuses_a_deploy_with_the_same_list(api, owner, db):
    client = api("process_owner")
    owner.post("/lang/en")
    studio_said = owner.post("/studio/validate", data=EVERYTHING, **XML).get_json()
    said = client.post("/api/v1/processes/validate", json={"xml": EVERYTHING})
    assert said.status_code == 200 and said.get_json()["ok"] is False
    assert [(p["element_id"], p["message_en"]) for p in said.get_json()["problems"]] == \
        [(p["element_id"], p["message_en"]) for p in studio_said["problems"]]
    refused = client.post("/api/v1/processes/studio_demo/deploy", json={"xml": EVERYTHING})
    assert refused.status_code == 400
    assert pinned(refused.get_json()["details"]["problems"]) == EXPECTED
    assert versions(db) == []
    good, _ = diagram()
    deployed = client.post("/api/v1/processes/studio_demo/deploy", json={"xml": good})
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 1


def test_the_api_lets_only_process_owners_deploy_and_refuses_a_missing_xml(api, db):
    good, _ = diagram()
    assert api("pr_expert_d1").post("/api/v1/processes/studio_demo/deploy", json={"xml": good}).status_code == 403
    assert api("auditor").post("/api/v1/processes/validate", json={"xml": good}).get_json()["ok"] is True
    assert api("process_owner").post("/api/v1/processes/validate", json={"xml": 3}).status_code == 400
    assert versions(db) == []


def test_the_cli_prints_the_same_list_as_the_studio_and_deploys_nothing(app, owner, db, tmp_path):
    path = tmp_path / "studio_demo.bpmn"
    path.write_text(EVERYTHING, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["processes", "deploy", str(path)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    owner.post("/lang/en")
    english = owner.post("/studio/validate", data=EVERYTHING, **XML).get_json()["problems"]
    lines = [line for line in result.output.splitlines() if line.startswith("[")]
    assert lines == [f"[{p['kind']}] {p['element_id'] or '-'}" + (f" (line {p['line']})" if p["line"] else "")
                     + f": {p['message_en']}" for p in english]
    for problem in english:
        assert problem["message_fa"] in result.output
    assert f"{len(english)} problem(s); nothing was deployed" in result.output
    assert "ایراد؛ چیزی به کار گرفته نشد" in result.output
    assert versions(db) == []


def test_validate_shows_what_each_timer_means(owner):
    xml, _ = diagram("hostile script", "parse error")
    xml = xml.replace('"P2D"', "add_working_days(now(), 2)")
    timers = {t["element_id"]: t for t in owner.post("/studio/validate", data=xml, **XML).get_json()["timers"]}
    assert timers["Timer_script"]["meaning"] == "۱ روز" and timers["Timer_script"]["meaning_en"] == "1 day"
    assert timers["Timer_call"]["meaning"] == "۲ روز کاری"
    owner.post("/lang/en")
    timers = owner.post("/studio/studio_demo/draft", data=xml, **XML).get_json()["timers"]
    assert [t["meaning"] for t in timers] == ["1 day", "2 working days"]
