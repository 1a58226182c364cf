"""An instance's dossier: JSON with the whole history and the records, a Persian PDF, access."""
import io
import json
from datetime import datetime

import jdatetime
import pytest
from pypdf import PdfReader
from sqlalchemy import select

import engine as runtime

from engine.runtime import task_actions
from engine.events import event_digest
from http_support import ANNOUNCEMENT, EXAMINATION, REGISTER_SERVICE, REVIEW_APPROVE, REVIEW_RETURN
from models import ProcessVersion, User

PROCESS_TITLE = "رسیدگی به شکایات"
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def finished_complaint(arrange, district="d1") -> int:
    """A service complaint with one return, run to its end; its instance id."""
    expert, head = f"pr_expert_{district}", f"pr_head_{district}"
    instance_id = arrange.start(district, expert)
    for user, data in ((expert, REGISTER_SERVICE), (expert, EXAMINATION), (head, REVIEW_RETURN),
                       (expert, {**EXAMINATION, "answer_text": "پاسخ اصلاح‌شده"}),
                       (head, REVIEW_APPROVE), (expert, ANNOUNCEMENT)):
        arrange.complete(arrange.only_open_task(instance_id).id, user, data)
    return instance_id


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.get_data()))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_font_names(response) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(response.get_data())).pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            names.add(str(ref.get_object().get("/BaseFont")))
    return names


def test_json_dossier_carries_every_event_and_record_with_persian_intact(app, arrange, login):
    instance_id = finished_complaint(arrange)
    response = login("pr_head_d1").get(f"/audit/instances/{instance_id}/dossier.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="dossier-{instance_id}.json"'
    raw = response.get_data()
    assert "مریم احمدی".encode() in raw and b"\\u06" not in raw  # UTF-8, not \u escapes
    dossier = json.loads(raw)
    facts = dossier["instance"]
    assert (facts["id"], facts["process_key"], facts["process_name"], facts["status"]) == \
        (instance_id, "complaints", PROCESS_TITLE, "completed")
    assert facts["district"]["code"] == "d1" and facts["started_by"]["username"] == "pr_expert_d1"
    assert [e["seq"] for e in dossier["events"]] == list(range(1, arrange.event_count(instance_id) + 1))
    assert [(e["type"], e["task"], e["actor"]["username"] if e["actor"] else None)
            for e in dossier["events"]] == arrange.events(instance_id)
    assert dossier["chain"]["head_sha256"] == dossier["events"][-1]["sha256"]
    assert dossier["chain"]["first_mismatch_seq"] is None
    [record] = dossier["records"]
    assert (record["code"], record["district_code"], record["title_fa"]) == \
        ("F-__-0-5-01", "F-01-0-5-01", "فرم پیگیری شکایت شهروندان")
    assert record["data"]["complainant_name"] == "مریم احمدی"
    assert [step["data"].get("answer_text") for step in record["data"]["followup"]][-3] == \
        "پاسخ اصلاح‌شده"
    assert record["created_by"]["username"] == "pr_expert_d1" and record["retention_until"]
    with app.extensions["db_sessions"]() as s:
        xml = s.scalars(select(ProcessVersion.bpmn_xml).where(
            ProcessVersion.content_sha256 == facts["content_sha256"])).one()
    assert dossier["diagram"]["bpmn_xml"] == xml
    assert dossier["diagram"]["completed_elements"]["Task_examine_service_complaint"] == 2
    assert dossier["diagram"]["active_elements"] == []
    assert datetime.fromisoformat(dossier["exported_at"]).tzinfo is not None


def test_json_dossier_lets_anyone_recompute_the_hash_chain(app, arrange, login):
    instance_id = finished_complaint(arrange)
    dossier = login("auditor").get(f"/audit/instances/{instance_id}/dossier.json").get_json()
    prev = "0" * 64
    for e in dossier["events"]:
        at = datetime.fromisoformat(e["at"]).replace(tzinfo=None)
        assert e["prev_sha256"] == prev
        assert event_digest(prev, instance_id, e["seq"], e["type"], e["task"], e["spiff_task_id"],
                            e["actor_id"], at, e["data"]) == e["sha256"]
        prev = e["sha256"]


@pytest.mark.slow
def test_pdf_dossier_is_persian_with_vazirmatn_and_solar_hijri_dates(app, arrange, login):
    instance_id = finished_complaint(arrange)
    response = login("pr_head_d1").get(f"/audit/instances/{instance_id}/dossier.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="dossier-{instance_id}.pdf"'
    assert response.get_data().startswith(b"%PDF")
    text = pdf_text(response)
    assert PROCESS_TITLE in text
    started = arrange.instance(instance_id).started_at
    solar = jdatetime.datetime.fromgregorian(datetime=started + jdatetime.timedelta(hours=3, minutes=30))
    assert solar.strftime("%Y/%m/%d").translate(PERSIAN_DIGITS) in text
    assert "مریم احمدی" in text  # a record's data
    assert any("Vazirmatn" in name for name in pdf_font_names(response))


def test_pdf_footer_carries_the_chain_head(app, arrange, login):
    instance_id = finished_complaint(arrange)
    head = login("auditor").get(f"/audit/instances/{instance_id}/dossier.json").get_json()["chain"]
    text = pdf_text(login("auditor").get(f"/audit/instances/{instance_id}/dossier.pdf"))
    assert head["head_sha256"] in text.replace("\n", "")


@pytest.mark.parametrize("kind", ["json", "pdf"])
def test_other_districts_staff_are_refused_the_dossier(app, arrange, login, kind):
    instance_id = arrange.start("d1", "pr_expert_d1")
    assert login("pr_expert_d2").get(f"/audit/instances/{instance_id}/dossier.{kind}").status_code == 403
    assert login("pr_head_d2").get(f"/audit/instances/{instance_id}/dossier.{kind}").status_code == 403


@pytest.mark.parametrize("username", ["auditor", "central_inspection", "pr_expert_d1"])
def test_auditors_city_wide_roles_and_the_districts_staff_get_the_dossier(app, arrange, login,
                                                                          username):
    instance_id = arrange.start("d1", "pr_expert_d1")
    assert login(username).get(f"/audit/instances/{instance_id}/dossier.json").status_code == 200


def test_dossier_needs_a_login_and_an_existing_instance(app, arrange, login):
    instance_id = arrange.start("d1", "pr_expert_d1")
    anonymous = app.test_client().get(f"/audit/instances/{instance_id}/dossier.pdf")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert login("auditor").get("/audit/instances/999999/dossier.json").status_code == 404


@pytest.mark.slow
def test_pdf_of_an_instance_with_fifty_events_lists_them_all(app, arrange, login):
    instance_id = finished_complaint(arrange)
    second = arrange.start("d1", "pr_expert_d1")  # a running one: claims leave events on it
    task_id = arrange.only_open_task(second).id
    with app.extensions["db_sessions"]() as s:
        user = s.scalars(select(User).where(User.username == "pr_expert_d1")).one()
        for _ in range(25):
            task_actions.claim_task(s, task_id, user)
            task_actions.unclaim_task(s, task_id, user)
        s.commit()
    assert arrange.event_count(second) >= 50
    auditor = login("auditor")
    assert auditor.get(f"/audit/instances/{instance_id}/dossier.pdf").status_code == 200
    response = auditor.get(f"/audit/instances/{second}/dossier.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    # How long it takes is measured by bench/dossier_pdf.py, not here (tests never time anything).
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert text.count("کار برداشته") == 25 and text.count("کار رها شد") == 25  # claimed, released



def test_the_dossier_shows_what_each_step_submitted_with_its_forms_labels(app, arrange, login):
    instance_id = finished_complaint(arrange)
    browser = login("pr_head_d1")
    text = pdf_text(browser.get(f"/audit/instances/{instance_id}/dossier.pdf"))
    assert "نتایج بررسی" in text and "موضوع شکایت" in text  # labels of the forms' fields
    for key in ("answer_text", "complainant_name", "Task_register_complaint", "approve"):
        assert key not in text  # never an internal key or a choice's value

    case = browser.get(f"/audit/instances/{instance_id}/dossier.json").get_json()["case"]
    review = [s for s in case["steps"] if s["task"] == "Task_review_answer"]
    assert [s["round"] for s in review] == [2, 1]
    assert {"key": "decision", "label": "تصمیم", "text": "تأیید"} in review[0]["fields"]
