"""The form editor's pages and endpoints (app/forms): roles, validate, preview, save a new
version, the lists; and a running task that keeps the version of its form it started with,
through the task page and the API."""
import copy
import json
import re

import pytest

from formjs.forms import load_form_file
from http_support import REGISTER_SERVICE, location_path, page_text, translated

KEY = "complaint_register"
NEW_FIELD = {"type": "textfield", "key": "national_id", "label": "کد ملی شاکی",
             "id": "Field_national_id", "validate": {"required": True}}
REQUIRED_FA = "این فیلد الزامی است."


def with_new_field():
    schema = load_form_file(KEY)
    schema["components"].append(copy.deepcopy(NEW_FIELD))
    return schema


def post_json(browser, url, payload):
    body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload, ensure_ascii=False)
    return browser.post(url, data=body, content_type="application/json")


def save(browser, schema, key=KEY):
    return post_json(browser, f"/forms/{key}/versions", schema)


# --- roles ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/forms/", f"/forms/{KEY}/edit", f"/forms/{KEY}/versions",
                                 f"/forms/{KEY}/versions/1"])
def test_process_owners_and_admins_open_the_pages_others_get_403(login, url):
    assert login("process_owner").get(url).status_code == 200
    assert login("admin").get(url).status_code == 200
    for username in ("pr_expert_d1", "central_pr", "auditor"):
        assert login(username).get(url).status_code == 403, username


def test_pages_need_a_login(app):
    response = app.test_client().get(f"/forms/{KEY}/edit")
    assert response.status_code == 302 and location_path(response).startswith("/login")


def test_only_process_owners_save(app, login):
    for username in ("admin", "pr_expert_d1"):
        assert save(login(username), with_new_field()).status_code == 403, username
    assert save(login("process_owner"), with_new_field()).status_code == 201
    assert 'data-testid="save"' in page_text(login("process_owner").get(f"/forms/{KEY}/edit"))
    admin_page = page_text(login("admin").get(f"/forms/{KEY}/edit"))
    assert 'data-testid="save"' not in admin_page and 'data-testid="view-only"' in admin_page


def test_unknown_forms_are_404(login):
    owner = login("process_owner")
    assert owner.get("/forms/nope/edit").status_code == 404
    assert owner.get("/forms/nope/versions").status_code == 404
    assert save(owner, with_new_field(), key="nope").status_code == 404
    assert post_json(owner, "/forms/nope/validate", {"components": []}).status_code == 404
    assert owner.get(f"/forms/{KEY}/versions/7").status_code == 404


# --- the editor page -------------------------------------------------------------------------

def test_editor_page_loads_form_js_with_the_latest_schema_and_the_csrf_meta(app, login):
    owner = login("process_owner")
    save(owner, with_new_field())
    body = owner.get(f"/forms/{KEY}/edit").get_data(as_text=True)
    assert "vendor/form-js/form-editor.umd.js" in body and "form_editor.js" in body
    assert "vendor/form-js/assets/form-js-editor.css" in body
    assert re.search(r'<meta name="csrf-token" content="[^"]*">', body)
    embedded = re.search(r'<script type="application/json" id="form-schema">(.*?)</script>', body, re.S)
    assert json.loads(embedded.group(1)) == with_new_field()
    assert 'id="form-editor" dir="ltr"' in body
    assert '<html lang="fa" dir="rtl">' in body


# --- validate and preview ----------------------------------------------------------------------

def test_validate_answers_the_problems_in_persian(app, login):
    owner = login("process_owner")
    ok = post_json(owner, f"/forms/{KEY}/validate", load_form_file(KEY)).get_json()
    assert ok == {"ok": True, "problems": []}

    bad = post_json(owner, f"/forms/{KEY}/validate", "{not json").get_json()
    assert bad["ok"] is False and [p["code"] for p in bad["problems"]] == ["json"]
    assert bad["problems"][0]["message"].startswith("طرح")  # Persian

    schema = load_form_file(KEY)
    schema["components"] += [{"type": "textfield", "key": "subject", "label": "again"},
                             {"type": "iframe", "key": "page", "label": "page"},
                             {"type": "textfield", "key": "x", "conditional": {"hide": "=x > 1"}}]
    result = post_json(owner, f"/forms/{KEY}/validate", schema).get_json()
    assert result["ok"] is False
    assert sorted(p["code"] for p in result["problems"]) == ["condition", "key_duplicate", "type"]
    assert all(p["level"] == "error" for p in result["problems"])


def test_removing_a_key_the_diagram_uses_is_a_warning_only(app, login, complaints):
    owner = login("process_owner")
    schema = load_form_file(KEY)
    schema["components"] = [c for c in schema["components"] if c.get("key") != "complaint_type"]
    result = post_json(owner, f"/forms/{KEY}/validate", schema).get_json()
    assert result["ok"] is True
    assert [(p["level"], p["code"]) for p in result["problems"]] == [("warning", "key_used")]
    assert "complaint_type" in result["problems"][0]["message"]
    response = save(owner, schema)
    assert response.status_code == 201 and response.get_json()["problems"][0]["code"] == "key_used"


def test_preview_renders_the_posted_schema_with_the_task_pages_renderer(login):
    owner = login("process_owner")
    response = post_json(owner, f"/forms/{KEY}/preview", with_new_field())
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'name="national_id"' in body and "کد ملی شاکی" in body
    assert 'name="complainant_name"' in body and "<form" not in body
    assert post_json(owner, f"/forms/{KEY}/preview", "[1, 2]").status_code == 400
    assert post_json(login("pr_expert_d1"), f"/forms/{KEY}/preview", with_new_field()).status_code == 403


# --- save and the lists --------------------------------------------------------------------------

def test_save_makes_version_n_plus_1_and_nothing_when_unchanged(app, login):
    owner = login("process_owner")
    response = save(owner, with_new_field())
    assert response.status_code == 201
    result = response.get_json()
    assert (result["version"], result["created"], result["url"]) == (2, True, f"/forms/{KEY}/versions/2")
    assert result["message"] == translated(app, "Version %(n)s of the form is saved.", n="۲")
    again = save(owner, with_new_field())
    assert again.status_code == 200 and again.get_json()["created"] is False
    # The latest is read everywhere at once in this process (the preview uses load_form).
    assert 'name="national_id"' in page_text(owner.get(f"/forms/{KEY}/preview"))


def test_an_invalid_schema_is_not_saved(app, login):
    owner = login("process_owner")
    response = save(owner, {"components": [{"type": "textfield", "key": "bad key"}]})
    assert response.status_code == 400
    assert [p["code"] for p in response.get_json()["problems"]] == ["key_invalid"]
    assert save(owner, "{oops").status_code == 400
    body = page_text(owner.get(f"/forms/{KEY}/versions"))
    assert 'data-version="1"' in body and 'data-version="2"' not in body


def test_save_needs_the_csrf_header_when_csrf_is_on(app, login):
    owner = login("process_owner")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert save(owner, with_new_field()).status_code == 400
        page = owner.get(f"/forms/{KEY}/edit").get_data(as_text=True)
        token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)
        response = owner.post(f"/forms/{KEY}/versions", data=json.dumps(with_new_field()),
                              content_type="application/json", headers={"X-CSRFToken": token})
        assert response.status_code == 201
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_lists_show_the_latest_version_and_who_saved_it(app, arrange, login):
    owner = login("process_owner")
    save(owner, with_new_field())
    listing = page_text(owner.get("/forms/"))
    row = re.search(r'<tr data-form="%s">(.*?)</tr>' % KEY, listing, re.S).group(1)
    assert 'data-testid="latest-version">۲<' in row
    assert arrange.display_name("process_owner") in row
    other = re.search(r'<tr data-form="complaint_review">(.*?)</tr>', listing, re.S).group(1)
    assert 'data-testid="latest-version">۱<' in other
    assert translated(app, "Built-in file") in other

    versions = page_text(owner.get(f"/forms/{KEY}/versions"))
    assert versions.index('data-version="2"') < versions.index('data-version="1"')
    one = page_text(owner.get(f"/forms/{KEY}/versions/1"))
    assert 'name="national_id"' not in one and 'name="complainant_name"' in one
    two = page_text(owner.get(f"/forms/{KEY}/versions/2"))
    assert 'name="national_id"' in two and "<form" not in two.split('data-testid="form-preview"')[1]


# --- a running task keeps its version --------------------------------------------------------

def test_a_ready_task_keeps_the_version_it_started_with_and_new_tasks_get_the_new_one(
        app, arrange, login, api):
    instance_id = arrange.start("d1")
    old_task = arrange.only_open_task(instance_id)
    assert old_task.form_key == KEY and old_task.form_version == 1

    assert save(login("process_owner"), with_new_field()).status_code == 201

    clerk = login("pr_expert_d1")
    page = page_text(clerk.get(f"/tasks/{old_task.id}"))
    assert 'name="complainant_name"' in page and 'name="national_id"' not in page
    assert [c.get("key") for c in api("pr_expert_d1").get(f"/api/v1/tasks/{old_task.id}")
            .get_json()["form"]["components"]].count("national_id") == 0
    # A refused post shows the old version again.
    refused = clerk.post(f"/tasks/{old_task.id}", data={"subject": "x"})
    assert refused.status_code == 400 and 'name="national_id"' not in page_text(refused)
    # It completes with the old required fields only.
    response = clerk.post(f"/tasks/{old_task.id}", data=REGISTER_SERVICE)
    assert response.status_code == 302, page_text(response)
    assert arrange.task(old_task.id).status == "completed"

    new_instance = arrange.start("d1")
    new_task = arrange.only_open_task(new_instance)
    assert new_task.form_version == 2
    page = page_text(clerk.get(f"/tasks/{new_task.id}"))
    assert 'name="national_id"' in page and "کد ملی شاکی" in page
    refused = clerk.post(f"/tasks/{new_task.id}", data=REGISTER_SERVICE)
    assert refused.status_code == 400
    assert re.search(r'id="f-national_id-err"[^>]*>\s*%s' % REQUIRED_FA, refused.get_data(as_text=True))
    # Through the API too: the new task's form has the field and requires it.
    client = api("pr_expert_d1")
    assert "national_id" in [c.get("key") for c in client.get(f"/api/v1/tasks/{new_task.id}")
                             .get_json()["form"]["components"]]
    done = client.post(f"/api/v1/tasks/{new_task.id}/complete",
                       json={"data": {**REGISTER_SERVICE, "national_id": "0012345678"}})
    assert done.status_code == 200, done.get_json()
    assert arrange.instance(new_instance).data["national_id"] == "0012345678"


def test_an_api_client_completes_an_old_task_with_the_old_fields(app, arrange, login, api):
    old_task = arrange.only_open_task(arrange.start("d1"))
    save(login("process_owner"), with_new_field())
    done = api("pr_expert_d1").post(f"/api/v1/tasks/{old_task.id}/complete",
                                    json={"data": REGISTER_SERVICE})
    assert done.status_code == 200, done.get_json()
