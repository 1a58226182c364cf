"""A process owner makes a new form in the browser (formjs/catalog.py): it gets a key and a
title, opens in the editor, takes fields as its next version, and a process deployed with it
shows it on its task page. Bad keys, taken keys and other roles change nothing."""
import json
from pathlib import Path

import pytest

from http_support import location_path, page_text

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "invalid_form_missing.bpmn"
KEY = "site_visit_report"
FIELD = {"type": "textfield", "key": "visit_findings", "label": "یافته‌های بازدید",
         "id": "Field_visit_findings", "validate": {"required": True}}


def create(browser, key=KEY, title="گزارش بازدید میدانی"):
    return browser.post("/forms/", data={"key": key, "title": title})


def test_a_new_form_is_made_filled_in_the_editor_and_used_by_a_deployed_process(app, login, arrange, tmp_path):
    owner = login("process_owner")
    made = create(owner)
    assert made.status_code == 303 and location_path(made) == f"/forms/{KEY}/edit"
    assert owner.get(f"/forms/{KEY}/edit").status_code == 200
    listing = owner.get("/forms/").get_data(as_text=True)
    assert f'data-form="{KEY}"' in listing and "گزارش بازدید میدانی" in listing
    assert owner.get(f"/forms/{KEY}/preview").status_code == 200
    # The modeler offers it for user tasks.
    assert f'"{KEY}"' in owner.get("/studio/complaints/edit").get_data(as_text=True)

    # The editor posts the whole schema with the field added.
    schema = {"type": "default", "id": KEY, "schemaVersion": 16, "components": [
        {"type": "text", "id": f"Text_{KEY}_header", "text": "#### گزارش بازدید میدانی"}, FIELD]}
    saved = owner.post(f"/forms/{KEY}/versions", data=json.dumps(schema, ensure_ascii=False),
                       content_type="application/json")
    assert saved.status_code in (200, 201), saved.get_data(as_text=True)

    # A process whose task names the new form deploys, and its task shows the field.
    bpmn = tmp_path / "site_visit.bpmn"
    bpmn.write_text(FIXTURE.read_text(encoding="utf-8").replace("no_such_form", KEY), encoding="utf-8")
    arrange.deploy(bpmn)
    task = arrange.only_open_task(arrange.start(process="t_form_missing"))
    expert = login("pr_expert_d1")
    page = page_text(expert.get(f"/tasks/{task.id}"))
    assert "یافته‌های بازدید" in page
    assert expert.post(f"/tasks/{task.id}", data={}).status_code == 400
    assert expert.post(f"/tasks/{task.id}", data={"visit_findings": "پیاده‌رو خراب است."}).status_code == 302


@pytest.mark.parametrize("key, field", [("Site Visit", "key"), ("../forms", "key"), ("x" * 121, "key"),
                                        ("ok_key", "title")])
def test_a_bad_key_or_title_is_refused_with_what_was_typed_kept(login, key, field):
    owner = login("process_owner")
    refused = owner.post("/forms/", data={"key": key, "title": "" if field == "title" else "عنوان"})
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert 'data-testid="new-form-error"' in body and "is-invalid" in body
    assert f'data-form="{key}"' not in owner.get("/forms/").get_data(as_text=True)


def test_a_taken_key_is_refused_whether_a_file_or_a_made_form(login):
    owner = login("process_owner")
    assert create(owner, key="complaint_register").status_code == 409
    assert create(owner).status_code == 303
    again = create(owner, title="دیگر")
    assert again.status_code == 409 and "site_visit_report" in page_text(again)


def test_only_process_owners_make_forms(login):
    for username in ("admin", "pr_expert_d1", "auditor"):
        assert create(login(username)).status_code == 403, username
    assert f'data-form="{KEY}"' not in login("process_owner").get("/forms/").get_data(as_text=True)
