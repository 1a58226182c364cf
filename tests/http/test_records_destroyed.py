"""A destroyed record destroys its case's personal data: the citizen's name, phone and address
are sealed under the case's key wherever they are kept, and once the records committee approved
the destruction and the job ran, nothing shows them (event log rows, replay, dossier JSON and
PDF, instance page, API) while the hash chain and the re-execution still verify."""
import json
from datetime import date, timedelta

from sqlalchemy import select

from sqlalchemy import text

from engine import shred_case
from models import CaseKey, CitizenRequest, Event, Instance, QualityRecord
from models.notifications import OutboxMessage
from models.shredding import DESTROYED
from portal_support import FILED, deploy_citizen_processes, file_on_portal
from records.retention import dispose_due_records
from test_audit_dossier import finished_complaint, pdf_text

PERSONAL = ("مریم احمدی", "09123456789", "خیابان بهار")  # http_support.REGISTER_SERVICE's


def shows_personal(text: str) -> list[str]:
    return [value for value in PERSONAL if value in text]


def pages(login, api, instance_id) -> dict[str, str]:
    auditor, client = login("auditor"), api("auditor")

    def text(response):
        assert response.status_code == 200, response.request.path
        return response.get_data(as_text=True)

    base = f"/audit/instances/{instance_id}"
    return {
        "replay": "".join(text(auditor.get(f"{base}/replay?step={n}")) for n in range(1, 8)),
        "dossier.json": text(auditor.get(f"{base}/dossier.json")),
        "dossier.pdf": pdf_text(auditor.get(f"{base}/dossier.pdf")),
        "instance page": text(auditor.get(f"/instances/{instance_id}")),
        "API events": text(client.get(f"/api/v1/instances/{instance_id}/events")),
        "API instance": text(client.get(f"/api/v1/instances/{instance_id}")),
    }


def stored_rows(db, instance_id) -> str:
    """Everything the database keeps of the case's history and state, as text."""
    db.expire_all()
    instance = db.get(Instance, instance_id)
    events = db.scalars(select(Event.data).where(Event.instance_id == instance_id)).all()
    records = db.scalars(select(QualityRecord.data).where(QualityRecord.instance_id == instance_id)).all()
    return json.dumps([events, records, instance.data, instance.state_json], ensure_ascii=False)


def test_personal_data_is_sealed_in_the_event_log_and_shown_opened(app, arrange, login, api, db):
    instance_id = finished_complaint(arrange)
    events = json.dumps(db.scalars(select(Event.data).where(Event.instance_id == instance_id)).all(),
                        ensure_ascii=False)
    assert shows_personal(events) == [] and "sealed:v1:" in events
    shown = pages(login, api, instance_id)
    assert "مریم احمدی" in shown["dossier.json"] and "مریم احمدی" in shown["replay"]


def test_a_destroyed_record_leaves_no_personal_data_anywhere_and_the_chain_verifies(
        app, arrange, login, api, db):
    instance_id = finished_complaint(arrange)
    record = db.scalars(select(QualityRecord).where(QualityRecord.instance_id == instance_id)).one()
    record.retention_until = date.today() - timedelta(days=1)
    db.commit()
    assert dispose_due_records(db) == []  # proposed to the records committee
    db.commit()
    assert login("records_committee").post("/audit/disposals", data={"all": "1"}).status_code == 303
    assert [d.record_id for d in dispose_due_records(db)] == [record.id]
    db.commit()

    assert db.get(CaseKey, instance_id).wrapped_key is None
    assert shows_personal(stored_rows(db, instance_id)) == []
    for where, text in pages(login, api, instance_id).items():
        assert shows_personal(text) == [], where
    dossier = login("auditor").get(f"/audit/instances/{instance_id}/dossier.json").get_json()
    assert dossier["chain"]["first_mismatch_seq"] is None
    registered = next(e for e in dossier["events"] if e["task"] == "Task_register_complaint")
    assert registered["shown_data"]["data"]["complainant_name"] == DESTROYED
    assert registered["shown_data"]["data"]["subject"] == "چاله در خیابان"  # not personal: kept

    runner = app.test_cli_runner()
    chain = runner.invoke(args=["audit", "chain", "--instance", str(instance_id)])
    assert chain.exit_code == 0 and "every chain is intact" in chain.output
    verify = runner.invoke(args=["audit", "verify", "--instance", str(instance_id)])
    assert verify.exit_code == 0 and f"instance {instance_id} (complaints): OK" in verify.output, verify.output


def test_a_citizen_requests_contact_is_stored_sealed_and_goes_with_its_cases_key(app, login, db):
    deploy_citizen_processes(app)
    code, _key = file_on_portal(app.test_client())
    request = db.scalars(select(CitizenRequest).where(CitizenRequest.tracking_code == code)).one()
    raw = db.execute(text("SELECT address, contact_name, contact_phone, contact_email "
                          "FROM citizen_requests WHERE id = :id"), {"id": request.id}).one()
    assert all(value.startswith("sealed:v1:") for value in raw)
    assert (request.contact_name, request.contact_phone, request.address) == (
        "مریم احمدی", "09123456789", FILED["address"])
    assert "مریم احمدی" in login("auditor").get(f"/instances/{request.instance_id}").get_data(as_text=True)

    shred_case(db, request.instance_id)
    db.commit()
    db.expire_all()
    assert (request.contact_name, request.address) == (DESTROYED, DESTROYED)
    assert (request.contact_phone, request.contact_email) == (None, None)  # nothing is sent again
    sent = db.execute(select(OutboxMessage.recipient, OutboxMessage.subject, OutboxMessage.body,
                             OutboxMessage.status).where(OutboxMessage.instance_id == request.instance_id)).all()
    assert sent and shows_personal(json.dumps([list(row) for row in sent], ensure_ascii=False)) == []
    assert all(row.status == "failed" for row in sent if row.recipient == DESTROYED)
    page = login("auditor").get(f"/instances/{request.instance_id}").get_data(as_text=True)
    assert shows_personal(page) == [] and "maryam@example.org" not in page and DESTROYED in page
