"""Retention: records past their period are archived or destroyed by their register rule,
each disposal logged with the rule; a destruction waits for the records committee's approval;
legal holds keep a record until an auditor releases it."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.scheduler import dispose_records_job
from models.errors import Conflict, Forbidden, InvalidData
from records.retention import (approve_disposals, awaiting_approval, disposal_sentence,
                               dispose_due_records, held_due_count, set_legal_hold)
from models import QualityRecord, User, clock
from models.audit import LegalHoldChange, RecordDisposal
from people.accounts import find_district

TODAY = date(2026, 11, 25)
ARCHIVE, DESTROY = "F-__-0-2-03", "F-__-0-2-07"  # 60 months archive; 6 months destroy


def add_record(db, code, until, data=None, district="d1") -> int:
    record = QualityRecord(code=code, district_id=find_district(db, district).id,
                           data=data or {"subject": "ملاقات با شهردار"},
                           created_at=datetime(2020, 1, 1), retention_until=until)
    db.add(record)
    db.commit()
    return record.id


def user(db, username) -> User:
    return db.scalars(select(User).where(User.username == username)).one()


def propose_and_approve(db, today=TODAY):
    """A run that proposes what is due, and the committee approving all of it."""
    done = dispose_due_records(db, today=today)
    proposed = [r.id for r in awaiting_approval(db)]
    if proposed:
        approve_disposals(db, proposed, user(db, "records_committee"))
    return done


def test_an_archive_rule_keeps_the_data_and_marks_the_record_archived(db):
    record_id = add_record(db, ARCHIVE, TODAY - timedelta(days=1))
    disposals = dispose_due_records(db, today=TODAY)
    db.commit()
    record = db.get(QualityRecord, record_id)
    assert record.disposal == "archived" and record.disposed_at is not None
    assert record.data == {"subject": "ملاقات با شهردار"}
    [logged] = disposals
    assert (logged.record_id, logged.record_code, logged.action, logged.rule, logged.by) == (
        record_id, ARCHIVE, "archived", "F-__-0-2-03: 60 months, archive", "retention job")
    assert logged.retention_until == TODAY - timedelta(days=1)


def test_a_destroy_rule_empties_the_data_and_keeps_code_dates_and_ids(db):
    record_id = add_record(db, DESTROY, TODAY - timedelta(days=30))
    propose_and_approve(db)
    dispose_due_records(db, today=TODAY)
    db.commit()
    record = db.get(QualityRecord, record_id)
    assert record.data == {} and record.disposal == "destroyed"
    assert (record.code, record.retention_until, record.created_at) == (
        DESTROY, TODAY - timedelta(days=30), datetime(2020, 1, 1))
    logged = db.scalars(select(RecordDisposal)).one()
    assert (logged.action, logged.rule) == ("destroyed", "F-__-0-2-07: 6 months, destroy")


def test_records_not_yet_due_and_unknown_codes_are_left_alone(db):
    today_id = add_record(db, DESTROY, TODAY)  # kept until the end of today
    later_id = add_record(db, DESTROY, TODAY + timedelta(days=1))
    unknown_id = add_record(db, "F-__-9-9-99", TODAY - timedelta(days=1))
    assert dispose_due_records(db, today=TODAY) == []
    db.commit()
    for record_id in (today_id, later_id, unknown_id):
        assert db.get(QualityRecord, record_id).disposed_at is None


def test_a_legal_hold_is_skipped_then_disposed_after_release(db):
    record_id = add_record(db, DESTROY, TODAY - timedelta(days=1))
    auditor = user(db, "auditor")
    set_legal_hold(db, record_id, auditor, True, "پرونده قضایی شماره ۱۲")
    db.commit()
    assert dispose_due_records(db, today=TODAY) == []
    assert held_due_count(db, today=TODAY) == 1
    db.commit()
    record = db.get(QualityRecord, record_id)
    assert record.data != {} and record.disposed_at is None
    assert "پرونده قضایی" in record.disposal_note and "auditor" in record.disposal_note
    set_legal_hold(db, record_id, auditor, False, "پرونده بسته شد")
    db.commit()
    assert propose_and_approve(db) == []
    [logged] = dispose_due_records(db, today=TODAY)
    db.commit()
    assert logged.record_id == record_id and db.get(QualityRecord, record_id).data == {}
    changes = db.scalars(select(LegalHoldChange).order_by(LegalHoldChange.id)).all()
    assert [(c.hold, c.reason, c.by_id) for c in changes] == [
        (True, "پرونده قضایی شماره ۱۲", auditor.id), (False, "پرونده بسته شد", auditor.id)]
    assert all(c.at is not None for c in changes)


def test_running_twice_disposes_nothing_twice(db):
    for code in (ARCHIVE, DESTROY, DESTROY):
        add_record(db, code, TODAY - timedelta(days=2))
    assert len(propose_and_approve(db)) == 1  # the archive needs no approval
    assert len(dispose_due_records(db, today=TODAY)) == 2
    db.commit()
    assert dispose_due_records(db, today=TODAY) == []
    db.commit()
    assert db.scalar(select(func.count()).select_from(RecordDisposal)) == 3


def test_only_an_auditor_may_hold_and_only_with_a_reason(db):
    record_id = add_record(db, DESTROY, TODAY - timedelta(days=1))
    for username in ("admin", "pr_head_d1", "central_inspection"):
        with pytest.raises(Forbidden):
            set_legal_hold(db, record_id, user(db, username), True, "دلیل")
    with pytest.raises(InvalidData):
        set_legal_hold(db, record_id, user(db, "auditor"), True, "  ")
    with pytest.raises(Conflict):
        set_legal_hold(db, record_id, user(db, "auditor"), False, "نیست")
    db.rollback()
    assert db.scalar(select(func.count()).select_from(LegalHoldChange)) == 0


def test_the_job_disposes_by_the_clocks_date_in_one_transaction(app, db):
    record_id = add_record(db, DESTROY, date(2026, 11, 24))
    clock.set_now(datetime(2026, 11, 24, 12, 0))
    assert dispose_records_job(app.extensions["db_sessions"]) == 0
    assert awaiting_approval(db) == []
    clock.set_now(datetime(2026, 11, 25, 0, 0))
    assert dispose_records_job(app.extensions["db_sessions"]) == 0  # proposed to the committee
    approve_disposals(db, [record_id], user(db, "records_committee"))
    db.commit()
    assert dispose_records_job(app.extensions["db_sessions"]) == 1
    assert dispose_records_job(app.extensions["db_sessions"]) == 0
    db.expire_all()
    assert db.get(QualityRecord, record_id).disposal == "destroyed"


def test_a_destruction_waits_for_the_committee_and_only_approved_records_go(db):
    first, second = (add_record(db, DESTROY, TODAY - timedelta(days=3)) for _ in range(2))
    assert dispose_due_records(db, today=TODAY) == []
    assert [r.id for r in awaiting_approval(db)] == [first, second]
    approve_disposals(db, [second], user(db, "records_committee"))
    [logged] = dispose_due_records(db, today=TODAY)
    db.commit()
    assert logged.record_id == second and db.get(QualityRecord, second).disposal == "destroyed"
    assert db.get(QualityRecord, first).disposed_at is None
    assert [r.id for r in awaiting_approval(db)] == [first]


def test_only_the_records_committee_approves_and_only_records_awaiting_it(db):
    record_id = add_record(db, DESTROY, TODAY - timedelta(days=3))
    not_proposed = add_record(db, DESTROY, TODAY + timedelta(days=3))
    dispose_due_records(db, today=TODAY)
    for username in ("auditor", "admin"):
        with pytest.raises(Forbidden):
            approve_disposals(db, [record_id], user(db, username))
    for bad in (["x"], [not_proposed], [record_id, 99999], []):
        with pytest.raises(InvalidData):
            approve_disposals(db, bad, user(db, "records_committee"))
    assert [r.id for r in awaiting_approval(db)] == [record_id]  # nothing was approved


def test_a_disposal_is_told_in_the_past_tense_with_its_solar_hijri_day(db):
    logged = RecordDisposal(record_id=12, record_code=DESTROY, action="destroyed", rule="",
                            disposed_at=datetime(2026, 12, 5, 23, 0), by="retention job")
    assert disposal_sentence(logged) == "Record F-__-0-2-07 #12 was destroyed on 1405/09/15."
