"""A process's own page (its latest diagram, no instance needed) and the form preview that
process owners and administrators use to see a form as a task would show it."""
import json

import pytest

from formjs.forms import FORMS_DIR
from http_support import location_path, page_text, translated


def test_process_page_shows_the_latest_version_with_its_diagram_and_forms(complaints, login):
    response = login("pr_expert_d1").get("/processes/complaints")
    assert response.status_code == 200
    body = page_text(response)
    assert "رسیدگی به شکایات" in body and f'<bdi dir="ltr">complaints</bdi> نسخه {complaints.version}'.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in body
    assert 'data-xml-url="/processes/complaints/diagram.bpmn"' in body
    assert "diagram.js" in body
    # Everyone sees which forms the process uses; only process owners get preview links.
    assert "complaint_register" in body and "/forms/complaint_register/preview" not in body
    owner = page_text(login("process_owner").get("/processes/complaints"))
    for key in set(complaints.forms.values()):
        assert f'href="/forms/{key}/preview"' in owner


def test_process_diagram_is_the_latest_versions_bpmn(complaints, login):
    response = login("pr_expert_d1").get("/processes/complaints/diagram.bpmn")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.get_data(as_text=True) == complaints.bpmn_xml


def test_start_page_links_each_process_to_its_page(complaints, login):
    body = page_text(login("pr_expert_d1").get("/processes"))
    assert 'href="/processes/complaints"' in body


def test_unknown_process_page_and_diagram_are_404(app, login):
    browser = login("pr_expert_d1")
    response = browser.get("/processes/nope")
    assert response.status_code == 404
    assert translated(app, "No process {key} is deployed.").replace("{key}", "nope") in page_text(response)
    assert browser.get("/processes/nope/diagram.bpmn").status_code == 404


@pytest.mark.parametrize("username", ["process_owner", "admin"])
def test_form_preview_renders_the_form_for_process_owners_and_admins(app, login, username):
    response = login(username).get("/forms/complaint_register/preview")
    assert response.status_code == 200
    body = page_text(response)
    assert translated(app, "Form preview") in body
    schema = json.loads((FORMS_DIR / "complaint_register.form.json").read_text(encoding="utf-8"))
    for component in schema["components"]:
        if component.get("key"):
            assert f'name="{component["key"]}"' in body, component["key"]
            assert component["label"] in body
    assert "<form" not in body.split('data-testid="form-preview"')[1]  # nothing to submit


@pytest.mark.parametrize("username", ["pr_expert_d1", "pr_head_d1", "central_pr", "auditor"])
def test_form_preview_is_refused_to_other_staff(login, username):
    assert login(username).get("/forms/complaint_register/preview").status_code == 403


def test_form_preview_needs_a_login(app):
    response = app.test_client().get("/forms/complaint_register/preview")
    assert response.status_code == 302
    assert location_path(response).startswith("/login")


@pytest.mark.parametrize("key", ["nope", "Bad-Key", "complaint_register.form"])
def test_form_preview_of_an_unknown_form_is_404_with_its_name(app, login, key):
    response = login("process_owner").get(f"/forms/{key}/preview")
    assert response.status_code == 404
    assert translated(app, "There is no form %(key)s.", key=key) in page_text(response)
