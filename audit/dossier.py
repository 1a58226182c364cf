"""An instance's dossier for auditors: facts, hash-chained history, quality records, diagram."""
import re
from datetime import date, datetime, timezone

from sqlalchemy import select

from cases import case_of
from formjs.forms import FormNotFound, FormSchemaError, load_form
from formjs.readable import readable_fields
from documents import attachments_of_instance, attachments_of_record
from models import QualityRecord, User, utcnow

from engine import instance_overview, list_events, revealed_data, verify_chain
from records.quality import RECORDS_BY_CODE, district_code


def iso(value: datetime | date | None, timespec: str = "seconds") -> str | None:
    """A stored naive-UTC datetime as ISO 8601 with its offset; a date as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return aware.astimezone(timezone.utc).isoformat(timespec=timespec)
    return value.isoformat()


def _person(user: User | None) -> dict | None:
    return {"username": user.username, "name": user.display_name} if user else None


def instance_dossier(session, instance) -> dict:
    """Everything an auditor exports about one instance, JSON-ready (read-only)."""
    overview = instance_overview(session, instance)
    # The chain is checked on the rows as stored (personal data sealed); each event also
    # carries its payload as shown (opened, or "destroyed" once the case's key is gone).
    events, shown = list_events(session, instance.id), {e.seq: e for e in overview["events"]}
    records = list(session.scalars(select(QualityRecord).where(
        QualityRecord.instance_id == instance.id).order_by(QualityRecord.created_at,
                                                           QualityRecord.id)))
    authors = {u.id: u for u in session.scalars(select(User).where(
        User.id.in_({r.created_by_id for r in records if r.created_by_id})))} if records else {}
    version, district = instance.version, instance.district
    return {
        "format": "city-workflow-dossier/1",
        "exported_at": iso(utcnow()),
        "instance": {
            "id": instance.id,
            "title": instance.title,
            "process_key": instance.process_key,
            "process_name": version.name,
            "version": version.version,
            "content_sha256": version.content_sha256,
            "district": {"code": district.code, "name_fa": district.name_fa,
                         "name_en": district.name_en},
            "tracking_code": instance.tracking_code,
            "status": instance.status,
            "error_message": instance.error_message,
            "started_at": iso(instance.started_at),
            "completed_at": iso(instance.completed_at),
            "started_by": _person(instance.started_by),
        },
        "chain": {
            "events": len(events),
            "head_sha256": events[-1].sha256 if events else None,
            # The dossier states whether the history it carries still matches its hashes.
            "first_mismatch_seq": verify_chain(events),
        },
        # Every hashed field is here (microseconds too), so the chain can be checked from the file.
        "events": [{
            "seq": e.seq, "type": e.type, "at": iso(e.at, "microseconds"),
            "actor_id": e.actor_id, "actor": _person(e.actor), "task": e.task_spec,
            "spiff_task_id": e.spiff_task_id,
            "task_name": (e.data or {}).get("task") if isinstance(e.data, dict) else None,
            "data": e.data, "shown_data": shown[e.seq].data if e.seq in shown else e.data,
            "sha256": e.sha256, "prev_sha256": e.prev_sha256,
        } for e in events],
        # What each step submitted, with its form's labels, as the task pages show it.
        "case": case_of(session, instance).as_dict(),
        "records": [{**_record(r, district.code, authors.get(r.created_by_id), session),
                     "attachment_ids": [a.id for a in attachments_of_record(session, r)]}
                    for r in records],
        # The files of the case: what proves each one is its SHA-256 (the bytes stay in the
        # document storage; a destroyed one keeps its row and hash).
        "attachments": [_attachment(a) for a in attachments_of_instance(session, instance.id)],
        "diagram": {
            "bpmn_xml": version.bpmn_xml,
            "completed_elements": overview["completed_elements"],
            "active_elements": overview["active_elements"],
        },
    }


def _attachment(attachment) -> dict:
    return {
        "id": attachment.id, "task_id": attachment.task_id, "field_key": attachment.field_key,
        "name": attachment.original_name, "content_type": attachment.content_type,
        "size": attachment.size, "sha256": attachment.sha256,
        "uploaded_at": iso(attachment.uploaded_at), "uploaded_by": _person(attachment.uploaded_by),
        "disposed_at": iso(attachment.disposed_at),
    }


def _record_fields(session, record_type, data) -> list[dict]:
    """The record's values with its form's labels ([] when its form is gone)."""
    try:
        schema = load_form(record_type.form_key, session=session) if record_type else None
    except (FormNotFound, FormSchemaError):
        schema = None
    return [f.as_dict() for f in readable_fields(schema, data)]


def _record(record: QualityRecord, district: str, author: User | None, session=None) -> dict:
    record_type = RECORDS_BY_CODE.get(record.code)
    data = revealed_data(session, record.instance_id, record.data)
    number = re.sub(r"\D", "", district)  # district d3 → F-03-… as the records pages show it
    return {
        "id": record.id,
        "code": record.code,
        "district_code": district_code(record.code, number or district),
        "title_fa": record_type.title_fa if record_type else None,
        "title_en": record_type.title_en if record_type else None,
        "created_at": iso(record.created_at),
        "created_by": _person(author),
        "data": data,
        "fields": _record_fields(session, record_type, data),
        "retention_until": iso(record.retention_until),
        "legal_hold": bool(record.legal_hold),
        "disposal": record.disposal,
        "disposed_at": iso(record.disposed_at),
    }
