"""The studio's JSON endpoints: drafts, validation, deploy; who may do what."""
import re
from pathlib import Path

import pytest
from sqlalchemy import select

import engine as runtime
from models import District, Instance, ProcessVersion, User
from models.studio import ProcessDraft

STUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "studio"
VALID = (STUDIO / "valid.bpmn").read_bytes()
XML = {"content_type": "application/xml"}


@pytest.fixture
def owner(login):
    return login("process_owner")


def post_xml(browser, url, xml, content_type="application/xml"):
    return browser.post(url, data=xml, content_type=content_type)


def test_anonymous_users_are_sent_to_the_login_page(app):
    client = app.test_client()
    for response in (client.get("/studio/"), client.post("/studio/validate", data=VALID, **XML),
                     client.post("/studio/studio_demo/draft", data=VALID, **XML)):
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_only_a_process_owner_writes_and_admin_and_auditor_read(app, login, owner, db):
    assert post_xml(owner, "/studio/studio_demo/deploy", VALID).status_code == 200
    expert = login("pr_expert_d1")
    for url in ("/studio/", "/studio/studio_demo/source.bpmn", "/studio/studio_demo/versions"):
        assert expert.get(url).status_code == 403
    for url in ("/studio/validate", "/studio/studio_demo/draft", "/studio/studio_demo/deploy"):
        assert post_xml(expert, url, VALID).status_code == 403
    for reader in (login("admin"), login("auditor")):
        assert reader.get("/studio/").status_code == 200
        assert reader.get("/studio/studio_demo/source.bpmn").status_code == 200
        assert post_xml(reader, "/studio/validate", VALID).get_json()["ok"] is True
        assert post_xml(reader, "/studio/studio_demo/draft", VALID).status_code == 403
        assert post_xml(reader, "/studio/studio_demo/deploy", VALID).status_code == 403
    assert db.scalar(select(ProcessDraft.id)) is None


def test_a_draft_is_saved_with_its_problems_and_read_back(owner, db):
    invalid = (STUDIO / "missing_form.bpmn").read_bytes()
    response = post_xml(owner, "/studio/studio_demo/draft", invalid, "text/xml")
    assert response.status_code == 200
    body = response.get_json()
    assert body["saved_at"] and body["problems"][0]["element_id"] == "Task_register"
    assert body["problems"][0]["message"] == "وظیفه «\u2066Register the request\u2069» فرمی به نام \u2066no_such_form\u2069 ندارد"
    assert owner.get("/studio/studio_demo/source.bpmn").get_data() == invalid
    assert owner.get("/studio/studio_demo/source.bpmn?draft=1").headers["Content-Type"].startswith("application/xml")
    # the form field works too, and the older save stays as history
    assert owner.post("/studio/studio_demo/draft", data={"xml": VALID.decode()}).get_json()["problems"] == []
    assert owner.get("/studio/studio_demo/source.bpmn").get_data() == VALID
    drafts = db.scalars(select(ProcessDraft).order_by(ProcessDraft.id)).all()
    assert [d.is_current for d in drafts] == [False, True]
    assert drafts[1].saved_by.username == "process_owner"


def test_a_draft_of_another_process_id_says_so(owner):
    problems = post_xml(owner, "/studio/other_key/draft", VALID).get_json()["problems"]
    assert [p["kind"] for p in problems] == ["process_key"]


def test_sources_that_do_not_exist_are_404(owner):
    assert owner.get("/studio/nothing_here/source.bpmn").status_code == 404
    post_xml(owner, "/studio/studio_demo/deploy", VALID)
    assert owner.get("/studio/studio_demo/source.bpmn?version=7").status_code == 404
    assert owner.get("/studio/studio_demo/source.bpmn?draft=1").status_code == 404
    assert owner.get("/studio/studio_demo/source.bpmn?version=1").get_data() == VALID


@pytest.mark.parametrize("fixture, kind, element_id", [
    ("missing_form.bpmn", "form", "Task_register"), ("unknown_lane.bpmn", "lane", "Lane_expert"),
    ("bad_timer.bpmn", "timer", "Timer_deadline"), ("unreachable_task.bpmn", "unreachable", "Task_orphan"),
    ("sandbox_escape.bpmn", "sandbox", "Script_escape"), ("missing_reference.bpmn", "reference", "Flow_2"),
    ("not_well_formed.bpmn", "xml", None),
])
def test_validate_lists_each_problem_on_its_element(owner, fixture, kind, element_id):
    body = post_xml(owner, "/studio/validate", (STUDIO / fixture).read_bytes()).get_json()
    assert body["ok"] is False
    [problem] = body["problems"]
    assert (problem["kind"], problem["element_id"]) == (kind, element_id)
    assert problem["line"] and problem["message"]


def test_validate_accepts_a_valid_diagram_and_speaks_english_when_asked(owner):
    assert post_xml(owner, "/studio/validate", VALID).get_json() == {"ok": True, "problems": [], "timers": []}
    owner.post("/lang/en")
    body = post_xml(owner, "/studio/validate", (STUDIO / "unknown_lane.bpmn").read_bytes()).get_json()
    assert body["problems"][0]["message"].startswith('Lane "Somebody" names no role')


def test_deploy_makes_a_new_version_and_running_instances_keep_theirs(app, owner, db):
    first = post_xml(owner, "/studio/studio_demo/deploy", VALID)
    assert first.get_json() == {"version": 1, "created": True, "key": "studio_demo"}
    expert = db.scalar(select(User).where(User.username == "pr_expert_d1"))
    d1 = db.scalar(select(District).where(District.code == "d1"))
    instance = runtime.start_instance(db, "studio_demo", expert, d1.id, title="before v2")
    db.commit()
    renamed = VALID.replace(b"Register the request", b"Register the complaint")
    post_xml(owner, "/studio/studio_demo/draft", renamed)
    second = owner.post("/studio/studio_demo/deploy")  # empty body: the current draft
    assert second.get_json() == {"version": 2, "created": True, "key": "studio_demo"}
    db.expire_all()
    assert db.get(Instance, instance.id).version.version == 1
    v2 = db.scalar(select(ProcessVersion).where(ProcessVersion.version == 2))
    assert v2.deployed_by.username == "process_owner" and v2.deployed_at is not None
    assert db.scalar(select(ProcessDraft).where(ProcessDraft.is_current.is_(True))) is None
    assert db.scalar(select(ProcessDraft.deployed_version_id)) == v2.id
    db.rollback()  # SQLite: the test's read transaction would hold the write lock the app needs
    again = post_xml(owner, "/studio/studio_demo/deploy", renamed).get_json()
    assert again == {"version": 2, "created": False, "key": "studio_demo"}
    page = owner.get("/studio/studio_demo/versions").get_data(as_text=True)
    assert 'data-testid="running-1">۱<' in page and 'data-testid="running-2">۰<' in page


def test_deploy_refuses_problems_another_key_and_a_missing_draft(owner, db):
    refused = post_xml(owner, "/studio/studio_demo/deploy", (STUDIO / "bad_timer.bpmn").read_bytes())
    assert refused.status_code == 400
    assert [p["element_id"] for p in refused.get_json()["problems"]] == ["Timer_deadline"]
    wrong_key = post_xml(owner, "/studio/another/deploy", VALID)
    assert wrong_key.status_code == 400
    assert wrong_key.get_json()["problems"][0]["message"] == \
        "شناسهٔ فرآیند در نمودار «\u2066studio_demo\u2069» است، اما این فرآیند «\u2066another\u2069» است"
    no_draft = owner.post("/studio/studio_demo/deploy")
    assert no_draft.status_code == 404 and "پیش‌نویسی" in no_draft.get_json()["error"]
    assert db.scalar(select(ProcessVersion.id)) is None


def test_an_oversized_body_is_refused(owner):
    assert post_xml(owner, "/studio/validate", b" " * 5_000_001).status_code == 413


def test_csrf_is_checked_and_the_header_is_accepted(app, owner):
    page = owner.get("/studio/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert post_xml(owner, "/studio/studio_demo/draft", VALID).status_code == 400
        ok = owner.post("/studio/studio_demo/draft", data=VALID, content_type="application/xml",
                        headers={"X-CSRFToken": token})
        assert ok.status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_an_empty_draft_is_refused_and_a_utf16_file_is_kept_as_text(owner):
    assert owner.post("/studio/studio_demo/draft", data=b"", content_type="application/xml").status_code == 400
    utf16 = VALID.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert post_xml(owner, "/studio/studio_demo/draft", utf16).get_json()["problems"] == []
    assert b"Register the request" in owner.get("/studio/studio_demo/source.bpmn").get_data()
    assert owner.post("/studio/studio_demo/deploy").get_json()["version"] == 1


@pytest.mark.parametrize("time, said", [
    ('"P1X"', "'P1X'"),
    ("P1D", "The timer's time P1D is not in quotes"),
])
def test_a_timer_time_that_would_fail_every_instance_is_a_problem_not_a_500(owner, db, time, said):
    xml = (STUDIO / "bad_timer.bpmn").read_bytes().replace(b'"ten days"', time.encode())
    owner.post("/lang/en")
    for url in ("/studio/validate", "/studio/studio_demo/draft"):
        answer = post_xml(owner, url, xml)
        assert answer.status_code == 200, url
        [problem] = answer.get_json()["problems"]
        assert problem["element_id"] == "Timer_deadline" and said in problem["message"]
    deployed = post_xml(owner, "/studio/studio_demo/deploy", xml)
    assert deployed.status_code in (400, 422) and said in deployed.get_data(as_text=True)
    assert db.scalars(select(ProcessVersion).where(ProcessVersion.process_key == "studio_demo")).all() == []


def test_an_unquoted_timer_duration_is_explained_in_persian(owner):
    xml = (STUDIO / "bad_timer.bpmn").read_bytes().replace(b'"ten days"', b"P1D")
    [problem] = post_xml(owner, "/studio/validate", xml).get_json()["problems"]
    assert "در گیومه نیست" in problem["message"] and "P1D" in problem["message"]
