"""A new blank process, earlier versions and drafts opened and restored, and the guard that
refuses saving a diagram the modeler did not load whole (app/studio/draft_views.py)."""
import hashlib
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from modeling import drafting
from models import ProcessVersion
from models.studio import ProcessDraft

STUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "studio"
VALID = (STUDIO / "valid.bpmn").read_bytes()
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
# What a modeler that failed half-way would send: the process with its start event only.
PARTIAL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="studio_demo" isExecutable="true"><bpmn:startEvent id="StartEvent_1" /></bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def owner(login):
    return login("process_owner")


def save(browser, xml, **headers):
    return browser.post("/studio/studio_demo/draft", data=xml, content_type="application/xml",
                        headers=headers)


def drafts(db, key="studio_demo"):
    db.expire_all()
    return db.scalars(select(ProcessDraft).where(ProcessDraft.process_key == key).order_by(ProcessDraft.id)).all()


def test_a_new_process_is_a_draft_with_a_start_event_in_a_pool_without_lanes(owner, db):
    response = owner.post("/studio/new", data={"key": "street_lights", "name": "روشنایی معابر"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/studio/street_lights/edit")
    root = etree.fromstring(owner.get("/studio/street_lights/source.bpmn").get_data())
    process = root.find(f"{BPMN}process")
    assert process.get("id") == "street_lights" and process.get("name") == "روشنایی معابر"
    assert [e.tag for e in process] == [f"{BPMN}startEvent"]
    assert root.find(f".//{BPMN}participant").get("processRef") == "street_lights"
    assert root.find(f".//{BPMN}lane") is None
    assert [d.source for d in drafts(db, "street_lights")] == ["new"]
    assert owner.get("/studio/street_lights/edit").status_code == 200
    assert "street_lights" in owner.get("/studio/").get_data(as_text=True)


@pytest.mark.parametrize("key, name, status, said", [
    ("studio_demo", "دوباره", 409, "از پیش"),          # a key with a draft
    ("complaints", "شکایات", 409, "از پیش"),           # a deployed key
    ("1bad key", "نام", 400, "قابل استفاده نیست"),
    ("", "نام", 400, "قابل استفاده نیست"),
    ("good_key", "   ", 400, "نامی"),
])
def test_a_new_process_is_refused_clearly_for_a_key_in_use_or_malformed(owner, db, complaints, key, name,
                                                                       status, said):
    save(owner, VALID)
    response = owner.post("/studio/new", data={"key": key, "name": name})
    assert response.status_code == status
    assert said in response.get_data(as_text=True)
    assert len(drafts(db, key or "x")) == (1 if key == "studio_demo" else 0)


def test_only_a_process_owner_may_begin_a_process(login, db):
    assert login("auditor").post("/studio/new", data={"key": "k1", "name": "n"}).status_code == 403
    assert db.scalar(select(ProcessDraft.id)) is None


def test_an_earlier_draft_opens_read_only_and_is_restored_as_a_new_current_draft(owner, db):
    save(owner, VALID)
    first = drafts(db)[0]
    changed = VALID.replace(b"Register the request", b"Changed name")
    assert save(owner, changed).status_code == 200
    assert owner.get(f"/studio/studio_demo/drafts/{first.id}/source.bpmn").get_data() == VALID
    page = owner.get(f"/studio/studio_demo/open?draft={first.id}").get_data(as_text=True)
    assert f"/studio/studio_demo/drafts/{first.id}/source.bpmn" in page
    assert 'data-testid="read-only"' in page and 'data-testid="studio-restore"' in page
    assert "۱۴" in page  # its Solar Hijri date (14xx)

    response = owner.post(f"/studio/studio_demo/drafts/{first.id}/restore")
    assert response.status_code == 303 and response.headers["Location"].endswith("/studio/studio_demo/edit")
    rows = drafts(db)
    assert len(rows) == 3 and [r.is_current for r in rows] == [False, False, True]
    assert rows[-1].source == "restore"
    assert owner.get("/studio/studio_demo/source.bpmn").get_data() == VALID


def test_a_deployed_version_opens_read_only_and_is_restored_as_the_draft(owner, db):
    owner.post("/studio/studio_demo/deploy", data=VALID, content_type="application/xml")
    save(owner, VALID.replace(b"Register the request", b"Later"))
    page = owner.get("/studio/studio_demo/open?version=1").get_data(as_text=True)
    assert "/studio/studio_demo/source.bpmn?version=1" in page and "نسخه ۱" in page
    assert owner.post("/studio/studio_demo/versions/1/restore").status_code == 303
    assert owner.get("/studio/studio_demo/source.bpmn").get_data() == VALID
    versions = owner.get("/studio/studio_demo/versions").get_data(as_text=True)
    assert "/studio/studio_demo/open?version=1" in versions
    assert f"/studio/studio_demo/open?draft={drafts(db)[0].id}" in versions


def test_opening_or_restoring_what_does_not_exist_is_a_clear_404(owner, login, db):
    save(owner, VALID)
    other = drafts(db)[0].id
    assert owner.get("/studio/studio_demo/open?version=9").status_code == 404
    assert owner.get("/studio/studio_demo/open?draft=999").status_code == 404
    assert owner.get("/studio/studio_demo/open").status_code == 400
    assert owner.get(f"/studio/another/drafts/{other}/source.bpmn").status_code == 404
    assert owner.post("/studio/studio_demo/drafts/999/restore").status_code == 404
    assert login("auditor").post(f"/studio/studio_demo/drafts/{other}/restore").status_code == 403
    assert login("auditor").get(f"/studio/studio_demo/open?draft={other}").status_code == 200
    assert len(drafts(db)) == 1


def test_a_save_from_a_modeler_whose_import_failed_is_refused_and_nothing_changes(owner, db):
    save(owner, VALID)
    response = save(owner, VALID, **{"X-Studio-Import": "failed"})
    assert response.status_code == 409 and response.get_json()["refused"] == "import"
    assert "بارگذاری" in response.get_json()["error"]
    assert len(drafts(db)) == 1


def test_a_save_that_lost_most_of_the_opened_diagram_is_refused_until_confirmed(owner, db):
    save(owner, VALID)
    base = hashlib.sha256(VALID).hexdigest()
    response = save(owner, PARTIAL, **{"X-Studio-Import": "ok", "X-Studio-Base": base})
    assert response.status_code == 409
    body = response.get_json()
    assert body["refused"] == "shrink" and "Task_register" in body["error"]
    assert owner.get("/studio/studio_demo/source.bpmn").get_data() == VALID
    # Without the headers (an API client) the current draft is what it is compared with.
    assert save(owner, PARTIAL).status_code == 409
    confirmed = save(owner, PARTIAL, **{"X-Studio-Base": base, "X-Studio-Confirm": "shrink"})
    assert confirmed.status_code == 200
    assert owner.get("/studio/studio_demo/source.bpmn").get_data() == PARTIAL


def test_an_ordinary_edit_that_deletes_a_few_elements_is_saved(owner):
    save(owner, VALID)
    fewer = VALID.replace(b'<bpmn:sequenceFlow id="Flow_2" sourceRef="Task_register" targetRef="EndEvent_1" />', b"")
    assert save(owner, fewer, **{"X-Studio-Base": hashlib.sha256(VALID).hexdigest()}).status_code == 200


def test_the_base_hash_names_an_earlier_version_the_modeler_opened(owner, db):
    owner.post("/studio/studio_demo/deploy", data=VALID, content_type="application/xml")
    save(owner, PARTIAL, **{"X-Studio-Confirm": "shrink"})
    # The modeler opened version 1 (not the current draft): a save of it whole is fine,
    # a save that lost its task is refused.
    base = hashlib.sha256(db.scalar(select(ProcessVersion.bpmn_xml)).encode()).hexdigest()
    assert save(owner, PARTIAL, **{"X-Studio-Base": base}).status_code == 409
    assert save(owner, VALID, **{"X-Studio-Base": base}).status_code == 200


def test_a_save_that_loses_a_whole_process_is_refused(db, owner):
    two = VALID.replace(b"</bpmn:definitions>", b'<bpmn:process id="Second" isExecutable="false">'
                        b'<bpmn:startEvent id="S2" /></bpmn:process></bpmn:definitions>')
    save(owner, two, **{"X-Studio-Confirm": "shrink"})
    response = save(owner, VALID)
    assert response.status_code == 409 and "Second" in response.get_json()["error"]
    assert drafting.save_refusal(db, "studio_demo", VALID, confirmed=True) is None
