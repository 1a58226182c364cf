"""Retention of quality records: archive or destroy them when their period ends, legal holds,
the records committee's approval of each destruction.

The register (records.quality.REGISTER) gives each record type its period (Solar Hijri months)
and what happens at its end. An archived record keeps everything, read-only, and needs no
approval. A record to be destroyed is first proposed: the job that finds it due puts it to the
records committee (DisposalProposal), and only a record a member approved is destroyed by a
later run. A destroyed record keeps its code, dates and ids (the register shows it existed) and
loses its data and its files (documents.attachments_of_record: deleted from the storage, their
rows marked disposed); when no other record of its case is kept, the case's key goes too
(engine.shred_case): the citizen's personal data is then unreadable everywhere, event log
included. A record under legal hold is never disposed of until an auditor releases it.
Each proposal, approval, archiving, destruction and legal hold change is also written into the
city-wide chain of operator actions (engine.append_operator_event) with who, when and why.
"""
import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from documents import attachments_of_record, dispose_attachments
from models import QualityRecord, utcnow
from engine import append_operator_event, shred_case
from models.messages import Message
from models.audit import DisposalProposal, LegalHoldChange, RecordDisposal
from people.permissions import may

from workcal.jalali import format_solar_date, local_date
from workcal.store import local_today
from models.errors import Conflict, Forbidden, InvalidData, NotFound
from models.unique_writes import write_once
from records.quality import RECORDS_BY_CODE, record_revisions

log = logging.getLogger(__name__)

JOB = "retention job"
ACTIONS = {"archive": "archived", "destroy": "destroyed"}
MAX_RECORD_ID = 2**31 - 1  # a larger number is no record's (and would overflow the query)


def disposal_sentence(disposal: RecordDisposal, tz=None) -> Message:
    """A disposal in the past tense: "Record F-__-0-2-07 #12 was destroyed on 1405/09/15."
    (Persian: «پرونده … در تاریخ … امحا شد»); the day is Solar Hijri, local (tz)."""
    template = ("Record {record} was destroyed on {day}." if disposal.action == "destroyed"
                else "Record {record} was archived on {day}.")
    return Message(template, record=f"{disposal.record_code} #{disposal.record_id}",
                   day=format_solar_date(local_date(disposal.disposed_at, tz)))


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
    """Archive every record due before today, destroy those of them the records committee
    approved and propose the others to it; one logged disposal per record.

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
            if action == "destroyed" and not _approved(session, record, now):
                skipped.add(record.id)  # proposed to the committee: destroyed once approved
                continue
            disposal = RecordDisposal(
                record_id=record.id, record_code=record.code, district_id=record.district_id,
                action=action, rule=rule_text(record.code), retention_until=record.retention_until,
                disposed_at=now, by=JOB if by is None else f"user {by.id}",
                by_id=None if by is None else by.id)
            # The disposal row first, alone in a savepoint: if another run disposed of the record
            # meanwhile (record_disposals.record_id is unique), nothing of it is done twice.
            if not write_once(session, lambda disposal=disposal: _insert(session, disposal), False):
                skipped.add(record.id)
                continue
            record.disposed_at, record.disposal = now, action
            if action == "destroyed":
                record.data = {}  # a new value: the JSON column must see the change
                # its files go too: rows marked, bytes deleted once this commits (documents)
                dispose_attachments(session, attachments_of_record(session, record), now)
                if record.instance_id is not None and not _case_keeps_records(session, record):
                    session.flush()  # the record counts as destroyed from here on
                    shred_case(session, record.instance_id, now)
            append_operator_event(session, f"record_{action}", actor=by,
                                  reason=disposal.rule or "", data=_record_data(record))
            done.append(disposal)
        session.flush()  # the batch drops out of the next query


def _insert(session, row) -> bool:
    session.add(row)
    session.flush()
    return True


def _approved(session, record: QualityRecord, now) -> bool:
    """True if the committee approved destroying the record; proposes it when not yet."""
    proposal = session.scalars(select(DisposalProposal).where(
        DisposalProposal.record_id == record.id)).first()
    if proposal is None:
        session.add(DisposalProposal(record_id=record.id, proposed_at=now))
        append_operator_event(session, "disposal_proposed", reason=rule_text(record.code) or "",
                              data=_record_data(record))
        return False
    return proposal.approved_at is not None


def _case_keeps_records(session, record: QualityRecord) -> bool:
    """True if another record of the record's case is still kept (not destroyed): the case's
    key, which its personal data needs, stays while one is."""
    return session.scalar(select(func.count()).select_from(QualityRecord).where(
        QualityRecord.instance_id == record.instance_id, QualityRecord.id != record.id,
        (QualityRecord.disposal.is_(None)) | (QualityRecord.disposal != "destroyed"))) > 0


def awaiting_approval(session, limit: int = 500) -> list[QualityRecord]:
    """Records proposed for destruction that no committee member approved yet, oldest first."""
    return list(session.scalars(
        select(QualityRecord).join(DisposalProposal, DisposalProposal.record_id == QualityRecord.id)
        .where(DisposalProposal.approved_at.is_(None), QualityRecord.disposed_at.is_(None))
        .order_by(QualityRecord.retention_until, QualityRecord.id).limit(limit)))


def proposals_of(session, records) -> dict[int, DisposalProposal]:
    """The committee's proposals of these records, by record id (a record never proposed: absent)."""
    ids = [record.id for record in records]
    if not ids:
        return {}
    return {p.record_id: p for p in session.scalars(
        select(DisposalProposal).where(DisposalProposal.record_id.in_(ids)))}


def approve_disposals(session, record_ids, user, reason: str = "") -> list[DisposalProposal]:
    """A committee member approves destroying some of the proposed records (the next run of the
    retention job destroys them). Every id must be of a record awaiting approval, or nothing is
    approved. reason: the committee's note (the register's rule when none is given)."""
    if not may(user, "approve_disposals"):
        raise Forbidden("Only a member of the records committee may approve the destruction of records.")
    ids = []
    for raw in record_ids or ():
        text = str(raw).strip()
        if not text.isdigit() or int(text) > MAX_RECORD_ID:
            raise InvalidData("{record_id} is not the number of a record awaiting approval.",
                              {"records": "invalid"}, record_id=text or "—")
        ids.append(int(text))
    if not ids:
        raise InvalidData("Choose the records whose destruction you approve.", {"records": "required"})
    pending = {p.record_id: p for p in session.scalars(
        select(DisposalProposal).join(QualityRecord, QualityRecord.id == DisposalProposal.record_id)
        .where(DisposalProposal.record_id.in_(ids), DisposalProposal.approved_at.is_(None),
               QualityRecord.disposed_at.is_(None)))}
    missing = [i for i in ids if i not in pending]
    if missing:
        raise InvalidData("{record_id} is not the number of a record awaiting approval.",
                          {"records": "invalid"}, record_id=missing[0])
    now = utcnow()
    records = {r.id: r for r in session.scalars(select(QualityRecord).where(QualityRecord.id.in_(ids)))}
    for proposal in pending.values():
        proposal.approved_at, proposal.approved_by_id = now, user.id
        record = records[proposal.record_id]
        append_operator_event(session, "disposal_approved", actor=user,
                              reason=(reason or "").strip() or rule_text(record.code) or "",
                              data=_record_data(record))
    session.flush()
    return list(pending.values())


def _record_data(record: QualityRecord) -> dict:
    """What an operator action on a record names: the record, never its content."""
    record_type = RECORDS_BY_CODE.get(record.code)
    return {"record_id": record.id, "record_code": record.code, "district_id": record.district_id,
            "instance_id": record.instance_id,
            "retention_months": record_type.retention_months if record_type else None}


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
    append_operator_event(session, "legal_hold_placed" if on else "legal_hold_released",
                          actor=user, reason=reason, data=_record_data(record))
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
