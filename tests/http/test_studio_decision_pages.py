"""The studio's decision-table pages (app/studio/decision_pages.py): the list and the dmn-js
editor in Persian and English, each process owner's own drafts, deploy with the draft closed,
"try it" on the table as edited, versions and their rule differences; others are refused and
bad input gets a clear message, never a 500."""
from pathlib import Path

import pytest
from sqlalchemy import select

from app.demo import DEMO_PASSWORD
from modeling import decisions
from models.studio import ProcessDraft
from people.accounts import create_user, grant_role

DEADLINE = (Path(__file__).resolve().parents[1] / "fixtures" / "decisions" / "studio_deadline.dmn").read_bytes()
KEY = "studio_deadline"
BASE = f"/studio/decisions/{KEY}"
XML = "application/xml"


@pytest.fixture
def owner(login):
    return login("process_owner")


def post_xml(client, url, xml):
    return client.post(url, data=xml, content_type=XML)


def post_json(client, url, payload):
    return client.client.post(url, json=payload)


def deploy(client, xml=DEADLINE):
    return post_xml(client, f"{BASE}/deploy", xml)


def drafts(db, key=KEY):
    db.expire_all()
    return db.scalars(select(ProcessDraft).where(ProcessDraft.process_key == f"dmn:{key}")
                      .order_by(ProcessDraft.id)).all()


def test_the_list_and_the_editor_render_in_persian_and_english(owner):
    assert deploy(owner).status_code == 200
    listed = owner.get("/studio/decisions/").get_data(as_text=True)
    assert "جدول‌های تصمیم" in listed and KEY in listed and "مهلت پاسخ ۱۳۷" in listed
    assert 'href="/studio/decisions/"' in owner.get("/studio/").get_data(as_text=True)
    page = owner.get(f"{BASE}/edit").get_data(as_text=True)
    assert "vendor/studio/decisions.js" in page and "vendor/studio/decisions.css" in page
    assert '"lang": "fa"' in page and "آزمایش کنید" in page and 'dir="rtl"' in page
    owner.post("/lang/en", data={"next": f"{BASE}/edit"})
    english = owner.get(f"{BASE}/edit").get_data(as_text=True)
    assert '"lang": "en"' in english and "Try it" in english
    assert "Decision tables" in owner.get("/studio/decisions/").get_data(as_text=True)


def test_others_are_refused_and_readers_only_look(login, owner):
    deploy(owner)
    clerk = login("pr_expert_d1")
    for url in ("/studio/decisions/", f"{BASE}/edit", f"{BASE}/source.dmn", f"{BASE}/versions"):
        assert clerk.get(url).status_code == 403, url
    for url in (f"{BASE}/draft", f"{BASE}/deploy", f"{BASE}/try"):
        assert post_xml(clerk, url, DEADLINE).status_code == 403, url
    auditor = login("auditor")
    page = auditor.get(f"{BASE}/edit").get_data(as_text=True)
    assert '"readOnly": true' in page and 'data-testid="decision-save"' not in page
    assert 'data-testid="decision-try-box"' not in page
    assert post_xml(auditor, f"{BASE}/draft", DEADLINE).status_code == 403
    assert post_xml(auditor, f"{BASE}/deploy", DEADLINE).status_code == 403
    assert auditor.post("/studio/decisions/new", data={"key": "k", "name": "n"}).status_code == 403


def test_a_draft_is_each_owners_own_and_opens_until_deployed(login, owner, db):
    deploy(owner)
    changed = DEADLINE.replace(b"<text>24</text>", b"<text>12</text>")
    saved = post_xml(owner, f"{BASE}/draft", changed)
    assert saved.status_code == 200 and saved.get_json()["problems"] == []
    assert owner.get(f"{BASE}/source.dmn").get_data() == changed
    assert "پیش‌نویس شما" in owner.get("/studio/decisions/").get_data(as_text=True)
    # A draft is not deployed: the table in force is unchanged.
    assert decisions.evaluate_decision(db, KEY, {"category": "service"})["output"] == {"deadline_hours": 24}
    assert drafts(db)[0].saved_by.username == "process_owner"
    grant_role(db, create_user(db, "second_owner", DEMO_PASSWORD, full_name="Second owner"), "process_owner", None)
    db.commit()
    other = login("second_owner")
    assert other.get(f"{BASE}/source.dmn").get_data() == DEADLINE
    assert "پیش‌نویس شما" not in other.get("/studio/decisions/").get_data(as_text=True)
    deployed = deploy(owner, changed)
    assert deployed.status_code == 200
    assert deployed.get_json() == {"version": 2, "version_display": "۲", "created": True, "key": KEY}
    assert [d.is_current for d in drafts(db)] == [False]
    assert owner.get(f"{BASE}/source.dmn").get_data() == changed
    assert owner.get(f"{BASE}/source.dmn?version=1").get_data() == DEADLINE
    assert deploy(owner, changed).get_json()["created"] is False


def test_a_draft_with_problems_is_kept_and_its_problems_pinned_on_cells(owner, db):
    broken = DEADLINE.replace(b"<text>24</text>", b'<text>"soon"</text>')
    saved = post_xml(owner, f"{BASE}/draft", broken)
    assert saved.status_code == 200
    assert [p["element_id"] for p in saved.get_json()["problems"]] == ["LiteralExpression_service"]
    assert saved.get_json()["problems"][0]["message"] != saved.get_json()["problems"][0]["message_en"]
    assert drafts(db)[0].problem_count == 1
    validated = post_xml(owner, "/studio/dmn/validate", broken).get_json()
    assert [p["element_id"] for p in validated["problems"]] == ["LiteralExpression_service"]
    refused = deploy(owner, broken)
    assert refused.status_code == 400
    assert [p["element_id"] for p in refused.get_json()["problems"]] == ["LiteralExpression_service"]
    assert [v for v in decisions.list_decisions(db) if v.decision_key == KEY] == []


def test_a_new_table_begins_as_a_draft_and_a_taken_or_bad_key_is_refused(login, owner, db):
    response = owner.post("/studio/decisions/new", data={"key": "complaint_route", "name": "مسیر شکایت"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/studio/decisions/complaint_route/edit")
    xml = owner.get("/studio/decisions/complaint_route/source.dmn").get_data()
    assert decisions.check_decisions(xml) == [] and '<decision id="complaint_route" name="مسیر شکایت">'.encode() in xml
    assert owner.get("/studio/decisions/complaint_route/edit").status_code == 200
    again = owner.post("/studio/decisions/new", data={"key": "complaint_route", "name": "دوباره"})
    assert again.status_code == 409 and "از پیش" in again.get_data(as_text=True)
    bad = owner.post("/studio/decisions/new", data={"key": "1 bad", "name": "x"})
    assert bad.status_code == 400 and "قابل استفاده نیست" in bad.get_data(as_text=True)
    assert len(drafts(db, "complaint_route")) == 1
    # Not deployed yet: another reader opens the draft it was begun as.
    assert login("auditor").get("/studio/decisions/complaint_route/source.dmn").get_data() == xml
    # The processes' list does not show a decision table's draft.
    assert "complaint_route" not in owner.get("/studio/").get_data(as_text=True)


def test_try_it_runs_the_table_as_edited_and_says_which_rule_matched(owner, db):
    edited = DEADLINE.replace(b"<text>48</text>", b"<text>36</text>").decode()
    answer = post_json(owner, f"{BASE}/try", {"xml": edited, "decision_id": KEY, "inputs": {"category": "civil"}})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["matched_rules"] == ["Rule_technical"] and body["output"] == {"deadline_hours": 36}
    assert body["matched_display"] == "قاعدهٔ برقرار: ۲" and body["output_rows"] == [["deadline_hours", "۳۶"]]
    none = post_json(owner, f"{BASE}/try", {"xml": edited.replace('<text>-</text>', '<text>"x"</text>'),
                                           "decision_id": KEY, "inputs": {"category": "water"}}).get_json()
    assert none["matched_rules"] == [] and none["matched_display"] == "هیچ قاعده‌ای برقرار نشد."
    assert [v for v in decisions.list_decisions(db) if v.decision_key == KEY] == [] and drafts(db) == []  # nothing stored


@pytest.mark.parametrize("payload, status, said", [
    ({"xml": DEADLINE.decode(), "decision_id": KEY, "inputs": {}}, 400, "category"),
    ({"xml": DEADLINE.decode(), "decision_id": KEY, "inputs": {"category": 5}}, 400, "category"),
    ({"xml": DEADLINE.decode(), "decision_id": "nope", "inputs": {"category": "x"}}, 404, "nope"),
    ({"xml": "<not-xml", "decision_id": KEY, "inputs": {}}, 400, ""),
    ({"xml": DEADLINE.decode(), "inputs": ["a"]}, 400, ""),
    ("not an object", 400, ""),
])
def test_try_it_answers_bad_input_clearly(owner, payload, status, said):
    response = post_json(owner, f"{BASE}/try", payload)
    assert response.status_code == status
    assert response.get_json()["error"] and said in response.get_json()["error"]


@pytest.mark.parametrize("body", [b"", b"<not xml", b"\x00\x01", b'<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>',
                                  b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><definitions>&e;</definitions>'])
def test_bad_xml_is_a_clear_message_never_a_500(owner, db, body):
    for url in (f"{BASE}/draft", f"{BASE}/deploy", "/studio/dmn/validate"):
        response = post_xml(owner, url, body)
        assert response.status_code in (200, 400), (url, response.status_code)
        answer = response.get_json()
        assert answer.get("error") or answer.get("problems"), (url, answer)
    assert drafts(db) == [] and [v for v in decisions.list_decisions(db) if v.decision_key == KEY] == []
    assert owner.get("/studio/decisions/nothing_here/edit").status_code == 404
    assert owner.get(f"{BASE}/diff?a=1&b=2").status_code == 404
    assert owner.get(f"{BASE}/diff?a=x").status_code == 400
    assert owner.get("/studio/decisions/bad%20key/edit").status_code == 404


def test_versions_and_their_differences_list_rules_added_removed_and_changed(owner):
    deploy(owner)
    second = (DEADLINE.replace(b"<text>24</text>", b"<text>12</text>")
              .replace(b"""      <rule id="Rule_urban_planning">""", b"""      <rule id="Rule_water">
        <inputEntry id="UnaryTests_water"><text>"water"</text></inputEntry>
        <outputEntry id="LiteralExpression_water"><text>6</text></outputEntry>
      </rule>
      <rule id="Rule_urban_planning">"""))
    second = second.replace(second[second.index(b'      <rule id="Rule_other">'):second.index(b"    </decisionTable>")], b"")
    assert deploy(owner, second).get_json()["version"] == 2
    versions = owner.get(f"{BASE}/versions").get_data(as_text=True)
    assert 'data-testid="decision-version-2"' in versions and 'data-testid="decision-version-1"' in versions
    earlier = owner.get(f"{BASE}/edit?version=1").get_data(as_text=True)
    assert f"{BASE}/source.dmn?version=1" in earlier and '"readOnly": true' in earlier and "نسخه ۱" in earlier
    assert owner.get(f"{BASE}/edit?version=9").status_code == 404
    page = owner.get(f"{BASE}/diff?a=1&b=2").get_data(as_text=True)
    assert 'data-testid="rule-Rule_service" data-change="changed"' in page
    assert 'data-testid="rule-Rule_water" data-change="added"' in page
    assert 'data-testid="rule-Rule_other" data-change="removed"' in page
    assert "Rule_technical" not in page
    assert "<del class=\"text-danger\" dir=\"ltr\">24</del>" in page and "<ins class=\"text-success\" dir=\"ltr\">12</ins>" in page


def test_a_body_over_the_size_limit_is_refused_with_a_message(owner, db):
    huge = DEADLINE.replace(b"<text>24</text>", b"<text>24</text><!--" + b"x" * 2_100_000 + b"-->")
    for url in (f"{BASE}/draft", f"{BASE}/deploy"):
        response = post_xml(owner, url, huge)
        assert response.status_code == 400 and "۲ مگابایت" in response.get_json()["error"]
    tried = post_json(owner, f"{BASE}/try", {"xml": huge.decode(), "decision_id": KEY, "inputs": {}})
    assert tried.status_code == 400 and "۲ مگابایت" in tried.get_json()["error"]
    assert drafts(db) == []
