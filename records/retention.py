"""Retention of quality records: archive or destroy them when their period ends, legal holds.

The register (records.quality.REGISTER) gives each record type its period and what happens at
its end. A destroyed record keeps its code, dates and ids (the register shows it existed) and
loses its data and its files (documents.attachments_of_record: deleted from the storage, their
rows marked disposed); an archived one keeps everything, read-only. A record under legal hold is
never disposed of until an auditor releases it.
"""
import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from documents import attachments_of_record, dispose_attachments
from models import QualityRecord, utcnow
from models.audit import LegalHoldChange, RecordDisposal
from people.permissions import may

from workcal.store import local_today
from models.errors import Conflict, Forbidden, InvalidData, NotFound
from records.quality import RECORDS_BY_CODE, record_revisions

log = logging.getLogger(__name__)

JOB = "retention job"
ACTIONS = {"archive": "archived", "destroy": "destroyed"}


def rule_text(code: str) -> str | None:
    """The register rule applied to a record type, e.g. "F-__-0-2-07: 6 months, destroy"."""
    record_type = RECORDS_BY_CODE.get(code)
    if record_type is None:
        return None
    return f"{code}: {record_type.retention_months} months, {record_type.disposal}"


def _due(today: date):
    return (QualityRecord.retention_until.isnot(None), QualityRecord.retention_until < today,
            QualityRecord.disposed_at.is_(None))


def due_records_query(today: date | None = None):
    """Records whose period is over, not yet disposed of and not under hold, oldest first."""
    return (select(QualityRecord).where(*_due(today or local_today()),
                                        QualityRecord.legal_hold.isnot(True))
            .order_by(QualityRecord.retention_until, QualityRecord.id))


def held_due_count(session, today: date | None = None) -> int:
    """Records that would be disposed of but for a legal hold."""
    return session.scalar(select(func.count()).select_from(QualityRecord).where(
        *_due(today or local_today(session)), QualityRecord.legal_hold.is_(True))) or 0


def dispose_due_records(session, today: date | None = None, by=None,
                        batch_size: int = 500) -> list[RecordDisposal]:
    """Archive or destroy every record due before today; one logged disposal per record.

    by: the user who ran it (None: the retention job). Records of a code missing from the
    register are left alone: without a rule nothing may be destroyed.
    """
    today, now, done, skipped = today or local_today(session), utcnow(), [], set()
    while True:
        query = due_records_query(today)
        if skipped:
            query = query.where(QualityRecord.id.notin_(skipped))
        batch = list(session.scalars(query.limit(batch_size)))
        if not batch:
            return done
        for record in batch:
            record_type = RECORDS_BY_CODE.get(record.code)
            if record_type is None:
                log.warning("record %s: code %s is not in the register; not disposed of",
                            record.id, record.code)
                skipped.add(record.id)
                continue
            action = ACTIONS[record_type.disposal]
            if action == "destroyed":
                record.data = {}  # a new value: the JSON column must see the change
                # its files go too: rows marked, bytes deleted once this commits (documents)
                dispose_attachments(session, attachments_of_record(session, record), now)
            record.disposed_at, record.disposal = now, action
            disposal = RecordDisposal(
                record_id=record.id, record_code=record.code, district_id=record.district_id,
                action=action, rule=rule_text(record.code), retention_until=record.retention_until,
                disposed_at=now, by=JOB if by is None else f"user {by.id}",
                by_id=None if by is None else by.id)
            session.add(disposal)
            done.append(disposal)
        session.flush()  # the batch drops out of the next query


def set_legal_hold(session, record_id: int, user, on: bool, reason: str) -> QualityRecord:
    """Place (on) or release a legal hold on a record; logged with who, when and why."""
    if not may(user, "place_legal_holds"):
        raise Forbidden("Only an auditor may place or release a legal hold.")
    record = session.get(QualityRecord, record_id)
    if record is None:
        raise NotFound("Record {record_id} does not exist.", record_id=record_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidData("Give the reason for the legal hold.", {"reason": "required"})
    if on and record.disposed_at is not None and record.disposal == "destroyed":
        raise Conflict("This record was already destroyed.")
    if on and record.legal_hold:
        raise Conflict("This record is already under legal hold.")
    if not on and not record.legal_hold:
        raise Conflict("This record is not under legal hold.")
    now = utcnow()
    note = (f"{'Legal hold placed' if on else 'Legal hold released'} by "
            f"{user.username} at {now.isoformat(timespec='seconds')}: {reason}")
    # A hold is on the record: its earlier (superseded) revisions are kept or released with it.
    for revision in record_revisions(session, record):
        if revision is record or not (on and revision.disposal == "destroyed"):
            revision.legal_hold, revision.disposal_note = on, note
    session.add(LegalHoldChange(record_id=record.id, hold=on, reason=reason, at=now, by_id=user.id))
    session.flush()
    return record


# --- What the retention page shows -----------------------------------------------------------

def due_records(session, today: date | None = None, limit: int = 200) -> list[QualityRecord]:
    """The records the next run will dispose of (at most limit)."""
    return list(session.scalars(due_records_query(today or local_today(session)).limit(limit)))


def held_records(session, limit: int = 200) -> list[QualityRecord]:
    """Records under legal hold, by when their period ends."""
    return list(session.scalars(select(QualityRecord).where(QualityRecord.legal_hold.is_(True))
                                .order_by(QualityRecord.retention_until, QualityRecord.id)
                                .limit(limit)))


def disposal_log(session, code: str | None = None, since: date | None = None,
                 until: date | None = None, limit: int = 500) -> list[RecordDisposal]:
    """Disposals, newest first, of one register code and between two days (inclusive, UTC)."""
    query = select(RecordDisposal).order_by(RecordDisposal.disposed_at.desc(), RecordDisposal.id.desc())
    if code:
        query = query.where(RecordDisposal.record_code == code)
    if since:
        query = query.where(RecordDisposal.disposed_at >= datetime.combine(since, time()))
    if until:
        query = query.where(RecordDisposal.disposed_at < datetime.combine(until + timedelta(days=1), time()))
    return list(session.scalars(query.limit(limit)))


def hold_history(session, limit: int = 200) -> list[LegalHoldChange]:
    """The latest legal hold changes, newest first."""
    return list(session.scalars(select(LegalHoldChange).order_by(LegalHoldChange.id.desc())
                                .limit(limit)))
