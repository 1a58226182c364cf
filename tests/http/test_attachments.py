"""Attachments through the pages: a file field on the task page (multipart), the citizen's photo
on the portal, who may download a file, refusals that keep nothing, retention that destroys
the files with their record, and the dossier's list with hashes."""
import hashlib
import io
import json
import re
from datetime import date, timedelta

import pytest
from portal_support import FILED, PNG_1PX, deploy_citizen_processes, file_on_portal, instance_of, request_row
from path_support import deploy, drive, html_form, ready_task, start_on_page, task_row
from http_support import EXAMINATION, REGISTER_SERVICE
from sqlalchemy import select

from models import Attachment, QualityRecord, User
from records.retention import approve_disposals, dispose_due_records

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PROGRAM = b"MZ\x90\x00\x03" + b"\x00" * 60  # a Windows program, whatever its name says


@pytest.fixture
def files_dir(app, tmp_path):
    """The document storage of this test: a directory of its own, to count what is kept."""
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    return tmp_path / "documents"


def stored_files(files_dir) -> list:
    return sorted(p for p in files_dir.rglob("*") if p.is_file()) if files_dir.exists() else []


def attachments(app, instance_id=None) -> list[Attachment]:
    with app.extensions["db_sessions"]() as s:
        query = select(Attachment).order_by(Attachment.id)
        if instance_id is not None:
            query = query.where(Attachment.instance_id == instance_id)
        rows = list(s.scalars(query))
        s.expunge_all()
        return rows


def complaint_at_examination(app, login):
    """A service complaint of district 1 registered through the pages; (expert, instance, task)."""
    deploy(app, "complaints")
    expert = login("pr_expert_d1")
    instance_id = start_on_page(expert, "complaints", "d1")
    drive(expert, instance_id, "Task_register_complaint", REGISTER_SERVICE)
    return expert, instance_id, ready_task(app, instance_id, "Task_examine_service_complaint")


def post_examination(browser, task_id, files, **changes):
    form = html_form({**EXAMINATION, **changes})
    for name, upload in files:
        form.add(name, upload)
    return browser.post(f"/tasks/{task_id}", data=form, content_type="multipart/form-data")


def test_a_file_attached_on_the_task_page_is_kept_outside_the_database_and_its_id_in_the_data(
        app, login, files_dir):
    expert, instance_id, task = complaint_at_examination(app, login)
    page = expert.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert re.search(r'<input class="form-control" type="file" id="[^"]+" name="evidence_files" '
                     r'accept="image/\*,.pdf" multiple', page)
    done = post_examination(expert, task.id, [("evidence_files", (io.BytesIO(PNG_1PX), "site.png")),
                                              ("evidence_files", (io.BytesIO(PDF), "minutes.pdf"))])
    assert done.status_code == 302, done.get_data(as_text=True)[-2000:]
    rows = attachments(app, instance_id)
    assert [(a.task_id, a.field_key, a.original_name, a.content_type, a.size) for a in rows] == [
        (task.id, "evidence_files", "site.png", "image/png", len(PNG_1PX)),
        (task.id, "evidence_files", "minutes.pdf", "application/pdf", len(PDF))]
    assert rows[0].sha256 == hashlib.sha256(PNG_1PX).hexdigest()
    assert [p.read_bytes() for p in stored_files(files_dir)] in ([PNG_1PX, PDF], [PDF, PNG_1PX])
    # The task's data holds references, never bytes.
    with app.extensions["db_sessions"]() as s:
        from engine import task_data
        from models import HumanTask
        data = task_data(s, s.get(HumanTask, task.id))
    assert data["evidence_files"] == [rows[0].id, rows[1].id]


def test_the_next_task_and_the_instance_show_the_files_with_previews(app, login, files_dir):
    expert, instance_id, task = complaint_at_examination(app, login)
    post_examination(expert, task.id, [("evidence_files", (io.BytesIO(PNG_1PX), "site.png")),
                                       ("evidence_files", (io.BytesIO(PDF), "minutes.pdf"))])
    image, pdf = attachments(app, instance_id)
    head = login("pr_head_d1")
    review = ready_task(app, instance_id, "Task_review_answer")
    for url in (f"/tasks/{review.id}", f"/instances/{instance_id}"):
        page = head.get(url).get_data(as_text=True)
        assert f'<img src="/attachments/{image.id}"' in page and 'data-testid="attachment-image"' in page
        assert f'href="/attachments/{pdf.id}"' in page and 'data-testid="attachment-pdf"' in page
        assert "پیوست‌ها" in page
    shown = head.get(f"/attachments/{image.id}")
    assert shown.status_code == 200 and shown.get_data() == PNG_1PX and shown.mimetype == "image/png"
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in shown.headers["Content-Security-Policy"]
    assert shown.headers["Content-Disposition"].startswith("inline")
    saved = head.get(f"/attachments/{pdf.id}?download=1")
    assert saved.get_data() == PDF and saved.headers["Content-Disposition"].startswith("attachment")


def test_a_rework_shows_the_kept_files_and_a_box_left_unticked_drops_one(app, login, files_dir):
    expert, instance_id, task = complaint_at_examination(app, login)
    post_examination(expert, task.id, [("evidence_files", (io.BytesIO(PNG_1PX), "site.png")),
                                       ("evidence_files", (io.BytesIO(PDF), "minutes.pdf"))])
    image, pdf = attachments(app, instance_id)
    drive(login("pr_head_d1"), instance_id, "Task_review_answer",
          {"decision": "return", "reason": "عکس دیگری لازم است."})
    again = ready_task(app, instance_id, "Task_examine_service_complaint")
    page = expert.get(f"/tasks/{again.id}").get_data(as_text=True)
    assert f'name="evidence_files" value="{image.id}" id="' in page and "site.png" in page
    # Keep the PDF only, add a new photo.
    form = html_form({**EXAMINATION, "evidence_files": [pdf.id]})
    form.add("evidence_files", (io.BytesIO(PNG_1PX), "second.png"))
    done = expert.post(f"/tasks/{again.id}", data=form, content_type="multipart/form-data")
    assert done.status_code == 302
    newest = attachments(app, instance_id)[-1]
    assert newest.task_id == again.id and newest.original_name == "second.png"
    with app.extensions["db_sessions"]() as s:
        from engine import task_data
        from models import HumanTask
        assert task_data(s, s.get(HumanTask, again.id))["evidence_files"] == [pdf.id, newest.id]


@pytest.fixture
def s3_app(app, s3_settings, tmp_path):
    """An app of its own whose documents go to a bucket of the S3 protocol server (moto's),
    on the test's database and transaction; its document directory stays empty."""
    from app import create_app
    from tests.database_support import TEST_CONFIG
    application = create_app({**TEST_CONFIG, "DATABASE_URL": app.config["DATABASE_URL"],
                              **s3_settings, "DOCUMENTS_DIR": str(tmp_path / "unused")})
    yield application
    application.extensions["db_engine"].dispose()


def test_with_s3_storage_a_file_attached_on_the_task_page_goes_to_the_bucket_and_comes_back(
        s3_app, s3_settings, tmp_path):
    from documents import store_of
    from tests.conftest import Browser
    expert, instance_id, task = complaint_at_examination(s3_app, lambda user: Browser(s3_app, user))
    done = post_examination(expert, task.id, [("evidence_files", (io.BytesIO(PDF), "minutes.pdf"))])
    assert done.status_code == 302, done.get_data(as_text=True)[-2000:]
    (pdf,) = attachments(s3_app, instance_id)
    with s3_app.extensions["db_sessions"]() as s:
        bucket = store_of(s).storage
    assert bucket.bucket == s3_settings["DOCUMENTS_S3_BUCKET"] and bucket.get(pdf.storage_key) == PDF
    assert not (tmp_path / "unused").exists()
    saved = Browser(s3_app, "pr_head_d1").get(f"/attachments/{pdf.id}?download=1")
    assert saved.status_code == 200 and saved.get_data() == PDF
    assert saved.headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("upload, words", [
    ((io.BytesIO(PROGRAM), "photo.png"), "این نوع پرونده پذیرفته نیست"),
    ((io.BytesIO(b"<svg onload=alert(1)>"), "x.svg"), "این نوع پرونده پذیرفته نیست"),
    ((io.BytesIO(PNG_1PX + b"\x00" * 400), "big.png"), "حجم پرونده بیش از")])
def test_a_refused_file_gives_a_persian_error_and_keeps_nothing(app, login, files_dir, upload, words):
    app.config["DOCUMENTS_MAX_BYTES"] = 300
    expert, instance_id, task = complaint_at_examination(app, login)
    refused = post_examination(expert, task.id, [("evidence_files", upload)])
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert words in page and 'id="f-evidence_files-err"' in page
    assert attachments(app, instance_id) == [] and stored_files(files_dir) == []
    assert task_row(app, task.id).status == "ready"


def test_a_file_the_virus_scan_refuses_is_not_kept(app, login, files_dir, tmp_path):
    scanner = tmp_path / "scan"
    scanner.write_text("#!/bin/sh\necho 'Eicar-Test-Signature FOUND'\nexit 1\n")
    scanner.chmod(0o755)
    app.config["DOCUMENTS_SCAN_COMMAND"] = str(scanner)
    expert, instance_id, task = complaint_at_examination(app, login)
    refused = post_examination(expert, task.id, [("evidence_files", (io.BytesIO(PNG_1PX), "a.png"))])
    assert refused.status_code == 400 and "بررسی ضدویروس" in refused.get_data(as_text=True)
    assert attachments(app, instance_id) == [] and stored_files(files_dir) == []


def test_a_good_file_in_a_post_refused_for_another_field_leaves_no_file_behind(app, login, files_dir):
    expert, instance_id, task = complaint_at_examination(app, login)
    refused = post_examination(expert, task.id, [("evidence_files", (io.BytesIO(PNG_1PX), "a.png"))],
                               findings="")
    assert refused.status_code == 400 and "این فیلد الزامی است." in refused.get_data(as_text=True)
    assert attachments(app, instance_id) == [] and stored_files(files_dir) == []
    # The page shown again offers no file that was not kept.
    assert "a.png" not in refused.get_data(as_text=True)


def test_a_file_field_holds_ids_required_and_one_unless_multiple():
    from formjs.validation import validate_submission
    schema = {"components": [{"type": "filepicker", "key": "scan", "label": "x", "validate": {"required": True}}]}
    assert validate_submission(schema, {"scan": ["4", "5"]})[1] == {"scan": "این فیلد فقط یک پرونده می‌پذیرد."}
    assert validate_submission(schema, {"scan": []})[1] == {"scan": "این فیلد الزامی است."}
    assert validate_submission(schema, {"scan": ["4"]}) == ({"scan": [4]}, {})
    assert validate_submission(schema, {"scan": ["../x"]})[1] == {"scan": "مقدار واردشده معتبر نیست."}


def test_another_districts_file_is_refused_and_a_missing_one_is_404(app, login, files_dir):
    expert, instance_id, task = complaint_at_examination(app, login)
    post_examination(expert, task.id, [("evidence_files", (io.BytesIO(PNG_1PX), "site.png"))])
    (image,) = attachments(app, instance_id)
    other = login("pr_expert_d2")
    assert other.get(f"/attachments/{image.id}").status_code == 403
    assert other.get(f"/attachments/{image.id + 1000}").status_code == 404
    assert login("pr_head_d1").get(f"/attachments/{image.id}").status_code == 200
    assert app.test_client().get(f"/attachments/{image.id}").status_code in (302, 401)


def test_a_forged_id_of_another_instances_file_is_not_taken_into_the_data(app, login, files_dir):
    expert, first_id, task = complaint_at_examination(app, login)
    post_examination(expert, task.id, [("evidence_files", (io.BytesIO(PNG_1PX), "site.png"))])
    (theirs,) = attachments(app, first_id)
    second_id = start_on_page(expert, "complaints", "d1")
    drive(expert, second_id, "Task_register_complaint", REGISTER_SERVICE)
    second = ready_task(app, second_id, "Task_examine_service_complaint")
    done = expert.post(f"/tasks/{second.id}", data=html_form({**EXAMINATION, "evidence_files": [theirs.id]}),
                       content_type="multipart/form-data")
    assert done.status_code == 302
    with app.extensions["db_sessions"]() as s:
        from engine import task_data
        from models import HumanTask
        assert task_data(s, s.get(HumanTask, second.id))["evidence_files"] == []


# ---------------------------------------------------------------- the portal

@pytest.fixture
def citizen(app):
    deploy_citizen_processes(app)
    return app.test_client()


def test_a_portal_photo_goes_to_the_document_storage_and_keeps_its_public_address(
        app, citizen, login, files_dir):
    code, _key = file_on_portal(citizen, service_code="complaint_service",
                                photo=(io.BytesIO(PNG_1PX), "lamp.png"))
    instance = instance_of(app, code)
    row = request_row(app, code)
    assert row.photo_type == "image/png" and row.media_token
    with app.extensions["db_sessions"]() as s:  # the bytes are not in the database
        from models import CitizenRequest
        assert s.scalar(select(CitizenRequest.photo).where(CitizenRequest.id == row.id)) is None
    (photo,) = attachments(app, instance.id)
    assert (photo.task_id, photo.field_key, photo.original_name) == (None, "photo", "lamp.png")
    assert [p.read_bytes() for p in stored_files(files_dir)] == [PNG_1PX]
    public = citizen.get(f"/p/media/{row.media_token}.png")
    assert public.status_code == 200 and public.get_data() == PNG_1PX
    staff = login("pr_expert_d1")
    assert staff.get(f"/instances/{instance.id}/photo").get_data() == PNG_1PX
    assert staff.get(f"/attachments/{photo.id}").get_data() == PNG_1PX
    register = ready_task(app, instance.id, "Task_register_complaint")
    assert f'<img src="/attachments/{photo.id}"' in staff.get(f"/tasks/{register.id}").get_data(as_text=True)
    assert login("pr_expert_d2").get(f"/attachments/{photo.id}").status_code == 403


def test_a_photo_filed_before_attachments_existed_is_still_served_from_its_row(app, citizen, login, files_dir):
    code, _key = file_on_portal(citizen, photo=(io.BytesIO(PNG_1PX), "lamp.png"))
    instance = instance_of(app, code)
    with app.extensions["db_sessions"]() as s:  # as 0015 left it: bytes in the row, no attachment
        for a in s.scalars(select(Attachment).where(Attachment.instance_id == instance.id)):
            s.delete(a)
        from models import CitizenRequest
        s.scalars(select(CitizenRequest).where(CitizenRequest.tracking_code == code)).one().photo = PNG_1PX
        s.commit()
    token = request_row(app, code).media_token
    assert citizen.get(f"/p/media/{token}.png").get_data() == PNG_1PX
    assert login("intake_operator_d1").get(f"/instances/{instance.id}/photo").get_data() == PNG_1PX


def test_a_refused_portal_photo_gives_a_persian_error_and_keeps_nothing(app, citizen, files_dir, tmp_path):
    before = len(attachments(app))
    fake = citizen.post("/p/requests/new", data={**FILED, "photo": (io.BytesIO(PROGRAM), "cat.png")},
                        content_type="multipart/form-data")
    assert fake.status_code == 400 and "عکس باید از نوع JPEG یا PNG باشد." in fake.get_data(as_text=True)
    scanner = tmp_path / "scan"
    scanner.write_text("#!/bin/sh\nexit 1\n")
    scanner.chmod(0o755)
    app.config["DOCUMENTS_SCAN_COMMAND"] = str(scanner)
    infected = citizen.post("/p/requests/new", data={**FILED, "photo": (io.BytesIO(PNG_1PX), "a.png")},
                            content_type="multipart/form-data")
    assert infected.status_code == 400 and "بررسی ضدویروس" in infected.get_data(as_text=True)
    assert len(attachments(app)) == before and stored_files(files_dir) == []


# ---------------------------------------------------------------- retention and the dossier

def complaint_with_files(app, citizen, login):
    """A complaint filed with a photo and examined with a PDF; (instance id, its record id)."""
    code, _key = file_on_portal(citizen, service_code="complaint_service",
                                photo=(io.BytesIO(PNG_1PX), "lamp.png"))
    instance_id = instance_of(app, code).id
    expert = login("pr_expert_d1")
    drive(expert, instance_id, "Task_register_complaint", {**REGISTER_SERVICE, "channel": "website"})
    task = ready_task(app, instance_id, "Task_examine_service_complaint")
    assert post_examination(expert, task.id, [("evidence_files", (io.BytesIO(PDF), "minutes.pdf"))]).status_code == 302
    with app.extensions["db_sessions"]() as s:
        record_id = s.scalars(select(QualityRecord.id).where(QualityRecord.instance_id == instance_id)).one()
    return instance_id, record_id


def expire(app, record_id, disposal_code=None):
    with app.extensions["db_sessions"]() as s:
        record = s.get(QualityRecord, record_id)
        record.retention_until = date.today() - timedelta(days=1)
        if disposal_code:
            record.code = disposal_code
        s.commit()


def test_retention_destroys_the_records_files_and_marks_their_rows(app, citizen, login, files_dir):
    instance_id, record_id = complaint_with_files(app, citizen, login)
    assert len(stored_files(files_dir)) == 2
    expire(app, record_id)  # F-__-0-5-01: destroyed at the end of its period, once approved
    with app.extensions["db_sessions"]() as s:
        assert dispose_due_records(s) == []
        committee = s.scalars(select(User).where(User.username == "records_committee")).one()
        approve_disposals(s, [record_id], committee)
        assert [d.action for d in dispose_due_records(s)] == ["destroyed"]
        assert len(stored_files(files_dir)) == 2  # nothing is deleted before the commit
        s.commit()
    assert stored_files(files_dir) == []
    rows = attachments(app, instance_id)
    assert len(rows) == 2 and all(a.disposed_at is not None for a in rows)
    gone = login("pr_head_d1").get(f"/attachments/{rows[0].id}")
    assert gone.status_code == 410 and "امحا" in gone.get_data(as_text=True)


def test_a_rolled_back_disposal_deletes_no_file(app, citizen, login, files_dir):
    _instance_id, record_id = complaint_with_files(app, citizen, login)
    expire(app, record_id)
    with app.extensions["db_sessions"]() as s:
        dispose_due_records(s)  # proposed, then approved: the next run would destroy it
        approve_disposals(s, [record_id], s.scalars(select(User).where(User.username == "records_committee")).one())
        s.commit()
        assert [d.action for d in dispose_due_records(s)] == ["destroyed"]
        s.rollback()
    assert len(stored_files(files_dir)) == 2


def test_an_archived_record_keeps_its_files(app, citizen, login, files_dir):
    instance_id, record_id = complaint_with_files(app, citizen, login)
    expire(app, record_id, disposal_code="F-__-0-2-16")  # a register code whose rule is archive
    with app.extensions["db_sessions"]() as s:
        assert [d.action for d in dispose_due_records(s)] == ["archived"]
        s.commit()
    assert len(stored_files(files_dir)) == 2
    assert all(a.disposed_at is None for a in attachments(app, instance_id))


def test_the_dossier_lists_the_files_with_their_hashes_and_the_record_carries_them(
        app, citizen, login, files_dir):
    instance_id, record_id = complaint_with_files(app, citizen, login)
    auditor = login("auditor")
    dossier = json.loads(auditor.get(f"/audit/instances/{instance_id}/dossier.json").get_data(as_text=True))
    photo, minutes = attachments(app, instance_id)
    assert [(a["name"], a["sha256"], a["size"]) for a in dossier["attachments"]] == [
        ("lamp.png", hashlib.sha256(PNG_1PX).hexdigest(), len(PNG_1PX)),
        ("minutes.pdf", hashlib.sha256(PDF).hexdigest(), len(PDF))]
    (record,) = dossier["records"]
    assert record["id"] == record_id and record["attachment_ids"] == [photo.id, minutes.id]
    pdf = auditor.get(f"/audit/instances/{instance_id}/dossier.pdf")
    assert pdf.status_code == 200 and pdf.get_data().startswith(b"%PDF")


def test_the_record_page_shows_the_files_the_record_carries(app, citizen, login, files_dir):
    instance_id, record_id = complaint_with_files(app, citizen, login)
    photo, minutes = attachments(app, instance_id)
    page = login("pr_head_d1").get(f"/records/{record_id}").get_data(as_text=True)
    assert f'<img src="/attachments/{photo.id}"' in page and f'href="/attachments/{minutes.id}"' in page


def test_the_api_completes_a_task_with_files_sent_multipart_and_drops_forged_ids(app, login, api, files_dir):
    expert, instance_id, task = complaint_at_examination(app, login)
    client = api("pr_expert_d1")
    refused = client.client.post(
        f"/api/v1/tasks/{task.id}/complete", headers=client.headers, content_type="multipart/form-data",
        data={"data": json.dumps(EXAMINATION), "evidence_files": (io.BytesIO(PROGRAM), "x.png")})
    assert refused.status_code == 400 and attachments(app, instance_id) == []
    assert "evidence_files" in refused.get_json()["details"]
    done = client.client.post(
        f"/api/v1/tasks/{task.id}/complete", headers=client.headers, content_type="multipart/form-data",
        data={"data": json.dumps({**EXAMINATION, "evidence_files": [999999]}),
              "evidence_files": (io.BytesIO(PNG_1PX), "site.png")})
    assert done.status_code == 200, done.get_json()
    (kept,) = attachments(app, instance_id)
    with app.extensions["db_sessions"]() as s:
        from engine import task_data
        from models import HumanTask
        assert task_data(s, s.get(HumanTask, task.id))["evidence_files"] == [kept.id]
