"""The studio's modeler page (app/studio/pages.py): who may open it, read-only for those who
only look, 404 for a process that is neither deployed nor drafted, and what the page hands to
its script (the endpoints, the forms, the roles, the CSRF token)."""
import json
import re

import pytest

from formjs.forms import list_forms
from http_support import page_text, translated
from people.roles import ROLES


def studio_config(body: str) -> dict:
    found = re.search(r'<script type="application/json" id="studio-config">(.*?)</script>', body, re.S)
    return json.loads(found.group(1))


def test_process_owner_gets_the_modeler_with_everything_its_script_needs(app, complaints, login):
    response = login("process_owner").get("/studio/complaints/edit")
    assert response.status_code == 200
    body = page_text(response)
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', body)
    assert "vendor/studio/studio.js" in body and "vendor/studio/studio.css" in body
    for action in ("studio-save", "studio-validate", "studio-deploy"):
        assert f'data-testid="{action}"' in body
    assert 'href="/studio/complaints/export.bpmn"' in body
    assert 'href="/studio/complaints/versions"' in body
    config = studio_config(body)
    assert config["urls"] == {
        "source": "/studio/complaints/source.bpmn", "draft": "/studio/complaints/draft",
        "deploy": "/studio/complaints/deploy", "validate": "/studio/validate",
        "export": "/studio/complaints/export.bpmn", "versions": "/studio/complaints/versions"}
    assert config["forms"] == list_forms() and "complaint_register" in config["forms"]
    assert [r["title_fa"] for r in config["roles"]] == [r.title_fa for r in ROLES]
    assert config["readOnly"] is False and config["lang"] == "fa"
    assert config["labels"]["group"] == translated(app, "This system")


@pytest.mark.parametrize("username", ["admin", "auditor"])
def test_admin_and_auditor_look_without_save_or_deploy(complaints, login, username):
    response = login(username).get("/studio/complaints/edit")
    assert response.status_code == 200
    body = page_text(response)
    assert 'data-testid="studio-save"' not in body and 'data-testid="studio-deploy"' not in body
    assert 'data-testid="studio-validate"' in body and 'data-testid="read-only"' in body
    assert studio_config(body)["readOnly"] is True


@pytest.mark.parametrize("username", ["pr_expert_d1", "pr_head_d1", "central_pr", "district_mayor_d2"])
def test_other_staff_are_refused(complaints, login, username):
    assert login(username).get("/studio/complaints/edit").status_code == 403


def test_anonymous_visitor_is_sent_to_the_login_page(app, complaints):
    response = app.test_client().get("/studio/complaints/edit")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_unknown_process_is_404_but_a_drafted_one_opens(app, complaints, login):
    owner = login("process_owner")
    assert owner.get("/studio/nope/edit").status_code == 404
    assert owner.get("/studio/bad%20key/edit").status_code == 404
    # A process that exists only as a draft (begun or imported in the studio) opens.
    xml = complaints.bpmn_xml.replace('id="complaints"', 'id="complaints_copy"').replace(
        'processRef="complaints"', 'processRef="complaints_copy"')
    saved = owner.post("/studio/complaints_copy/draft", data=xml.encode("utf-8"),
                       content_type="application/xml")
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert owner.get("/studio/complaints_copy/edit").status_code == 200


def test_page_speaks_english_when_asked(app, complaints, login):
    owner = login("process_owner")
    owner.post("/lang/en", data={"next": "/studio/complaints/edit"})
    config = studio_config(page_text(owner.get("/studio/complaints/edit")))
    assert config["lang"] == "en" and config["labels"]["group"] == "This system"
