"""The studio's pages and files: the process list, import, export, versions and their differences."""
import io
from pathlib import Path

from sqlalchemy import select

import modeling.repair
from models.studio import ProcessDraft

STUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "studio"
VALID = (STUDIO / "valid.bpmn").read_bytes()
RENAMED = VALID.replace(b"Register the request", b"Register the complaint")


def deploy(browser, xml=VALID, key="studio_demo"):
    response = browser.post(f"/studio/{key}/deploy", data=xml, content_type="application/xml")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["version"]


def upload(browser, data, filename="diagram.bpmn"):
    return browser.post("/studio/import", data={"file": (io.BytesIO(data), filename)},
                        content_type="multipart/form-data")


def test_the_index_lists_processes_versions_deployers_and_drafts(login, complaints):
    owner = login("process_owner")
    deploy(owner)
    owner.post("/studio/new_process/draft", data=VALID.replace(b'id="studio_demo"', b'id="new_process"'),
               content_type="application/xml")
    page = owner.get("/studio/").get_data(as_text=True)
    assert 'data-testid="studio-row-complaints"' in page and 'data-testid="studio-row-new_process"' in page
    assert "مالک فرآیند" in page  # the deployer of studio_demo
    assert "/studio/studio_demo/edit" in page or "/studio/studio_demo" in page
    assert 'data-testid="studio-import"' in page
    assert 'data-testid="studio-import"' not in login("auditor").get("/studio/").get_data(as_text=True)


def test_import_saves_the_draft_of_the_process_in_the_file_and_flashes_what_was_fixed(login, db, monkeypatch):
    owner = login("process_owner")

    def repair(xml):
        return modeling.repair.RepairResult(xml, [("Task_register", "The task had no lane.")])
    monkeypatch.setattr(modeling.repair, "repair_bpmn", repair)
    response = upload(owner, (STUDIO / "missing_form.bpmn").read_bytes())
    assert response.status_code == 303 and response.headers["Location"].startswith("/studio/studio_demo")
    draft = db.scalar(select(ProcessDraft))
    assert (draft.process_key, draft.source, draft.problem_count) == ("studio_demo", "import", 1)
    db.rollback()  # SQLite: the test's read transaction would hold the write lock the app needs
    page = owner.get("/studio/").get_data(as_text=True)
    assert "The task had no lane." in page and "no_such_form" in page


def test_import_of_a_new_process_key_is_allowed(login, db):
    owner = login("process_owner")
    response = upload(owner, VALID.replace(b'id="studio_demo"', b'id="brand_new"'), "x.xml")
    assert response.status_code == 303
    assert db.scalar(select(ProcessDraft.process_key)) == "brand_new"


def test_import_refuses_bad_files_with_a_clear_message(login):
    owner = login("process_owner")
    broken = upload(owner, (STUDIO / "not_well_formed.bpmn").read_bytes())
    assert broken.status_code == 400 and "(سطر ۲۲)" in broken.get_data(as_text=True)
    assert upload(owner, VALID, "diagram.txt").status_code == 400
    assert upload(owner, b" " * 5_000_001).status_code == 413
    assert upload(login("pr_expert_d1"), VALID).status_code == 403


def test_export_gives_a_version_as_an_attachment(login):
    owner = login("process_owner")
    deploy(owner)
    deploy(owner, RENAMED)
    latest = owner.get("/studio/studio_demo/export.bpmn")
    assert latest.headers["Content-Disposition"] == 'attachment; filename="studio_demo-v2.bpmn"'
    assert latest.get_data() == RENAMED
    assert owner.get("/studio/studio_demo/export.bpmn?version=1").get_data() == VALID
    assert owner.get("/studio/studio_demo/export.bpmn?version=9").status_code == 404
    assert owner.get("/studio/studio_demo/export.bpmn?draft=1").status_code == 404


def test_versions_and_the_difference_of_two_versions(login):
    owner = login("process_owner")
    deploy(owner)
    deploy(owner, RENAMED)
    versions = owner.get("/studio/studio_demo/versions").get_data(as_text=True)
    assert 'data-testid="version-1"' in versions and 'data-testid="version-2"' in versions
    diff = owner.get("/studio/studio_demo/diff?a=1&b=2").get_data(as_text=True)
    assert 'data-testid="change-Task_register" data-change="changed"' in diff
    assert "Register the request" in diff and "Register the complaint" in diff
    assert 'data-testid="text-diff"' in diff
    assert owner.get("/studio/studio_demo/diff?a=1").status_code == 400
    assert owner.get("/studio/studio_demo/diff?a=1&b=5").status_code == 404
    assert owner.get("/studio/unknown/versions").status_code == 404
    assert login("admin").get("/studio/studio_demo/diff?a=1&b=2").status_code == 200
    assert login("pr_expert_d1").get("/studio/studio_demo/diff?a=1&b=2").status_code == 403
