"""Several scheduler processes on one database: each cron job takes a PostgreSQL advisory lock,
so one of them runs it at a time, and the periodic writers' unique constraints make a second run
(or a run racing another) a no-op."""
import threading
from datetime import date, time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

import programmes.complaints.report as report
from app.job_locks import JOB_LOCK_KEYS
from app.scheduler import create_due_meetings, generate_complaint_reports, make_digest_job
from audit.digests import make_daily_digest
from mardom_salam_support import deploy_all
from models import ChainDigest, District, Instance, QualityRecord, RecordDisposal
from models.mardom_salam import MardomSalamMeeting
from programmes.mardom_salam.schedule import create_meeting, system_actor
from models.unique_writes import write_once


def report_rows(session_factory) -> list[tuple]:
    session = session_factory()
    try:
        return list(session.execute(select(QualityRecord.district_id, QualityRecord.period_key).where(
            QualityRecord.code == report.REPORT_CODE)).all())
    finally:
        session.close()


def district_count(session_factory) -> int:
    session = session_factory()
    try:
        return session.scalar(select(func.count()).select_from(District))
    finally:
        session.close()


# ---------------------------------------------------------------- unique constraints (any database)

def test_a_report_racing_another_schedulers_is_not_inserted_twice(app, monkeypatch, caplog):
    sessions = app.extensions["db_sessions"]
    districts = district_count(sessions)
    assert generate_complaint_reports(sessions) == districts
    # A second scheduler that checked before the first one's commit: it finds no report ...
    monkeypatch.setattr(report, "find_complaint_report", lambda *args: None)
    # ... and its insert hits the unique index: undone alone, nothing made, nothing failed.
    assert generate_complaint_reports(sessions) == 0
    assert not [r for r in caplog.records if r.levelname == "ERROR"]  # a no-op, not a failure
    rows = report_rows(sessions)
    assert len(rows) == districts == len(set(rows))
    assert all(key for _, key in rows)


def test_the_unique_index_refuses_a_second_kept_report_of_a_district_and_period(app, db):
    district = db.scalars(select(District)).first()
    first = report.generate_complaint_report(db, district.id, date(2026, 9, 23), date(2026, 10, 22))
    db.flush()
    assert first.period_key == "2026-09-23/2026-10-22"
    twin = QualityRecord(code=report.REPORT_CODE, district_id=district.id, data={},
                         period_key=first.period_key)
    assert write_once(db, lambda: (db.add(twin), db.flush()), "refused") == "refused"
    # A disposed-of report leaves its period free for a new one.
    first.disposed_at = first.created_at
    db.flush()
    again = QualityRecord(code=report.REPORT_CODE, district_id=district.id, data={},
                          period_key=first.period_key)
    db.add(again)
    db.flush()
    assert again.id


def test_a_record_is_disposed_of_once(app, db):
    record = QualityRecord(code=report.REPORT_CODE, data={})
    db.add(record)
    db.flush()
    row = dict(record_id=record.id, record_code=record.code, action="archived", rule="r", by="retention job")
    db.add(RecordDisposal(**row))
    db.flush()
    with pytest.raises(IntegrityError):
        with db.begin_nested():
            db.add(RecordDisposal(**row))
            db.flush()


def test_a_chain_digest_racing_another_returns_the_one_made_first(app, db, monkeypatch):
    first = make_daily_digest(db, date(2026, 12, 1))
    db.flush()

    class NoneFound:  # the check ran before the other scheduler's commit
        def first(self):
            return None
    real_scalars = db.scalars
    calls = []

    def scalars(statement, *args, **kwargs):
        calls.append(statement)
        return NoneFound() if len(calls) == 1 else real_scalars(statement, *args, **kwargs)
    monkeypatch.setattr(db, "scalars", scalars)
    assert make_daily_digest(db, date(2026, 12, 1)).id == first.id
    monkeypatch.undo()
    assert db.scalar(select(func.count()).select_from(ChainDigest)) == 1


def test_a_meeting_racing_another_schedulers_is_undone_with_its_instance(app, db):
    deploy_all(app)
    assert create_due_meetings(app.extensions["db_sessions"]).meetings == 1
    meeting = db.scalars(select(MardomSalamMeeting)).one()
    instances = db.scalar(select(func.count()).select_from(Instance))
    # The same date's meeting from a scheduler that checked before the first one's commit:
    duplicate = write_once(db, lambda: create_meeting(db, meeting.meeting_date, time(19, 30),
                                                      meeting.district, system_actor(db)))
    assert duplicate is None
    assert db.scalar(select(func.count()).select_from(MardomSalamMeeting)) == 1
    assert db.scalar(select(func.count()).select_from(Instance)) == instances


def test_every_cron_job_has_a_lock_key_of_its_own():
    keys = list(JOB_LOCK_KEYS.values())
    assert len(keys) == len(set(keys)) and 190_032 not in keys  # the city chain's lock


# ---------------------------------------------------------------- two schedulers (PostgreSQL)

@pytest.mark.postgres
@pytest.mark.committed
def test_two_schedulers_running_the_report_job_at_once_make_one_report_each(app, caplog):
    sessions = app.extensions["db_sessions"]
    districts = district_count(sessions)
    start = threading.Barrier(2)
    made = []

    def scheduler():
        start.wait()
        made.append(generate_complaint_reports(sessions))
    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(made) == [0, districts]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    rows = report_rows(sessions)
    assert len(rows) == districts == len(set(rows))


@pytest.mark.postgres
@pytest.mark.committed
def test_a_cron_job_whose_lock_another_scheduler_holds_is_skipped(app):
    sessions = app.extensions["db_sessions"]
    holder = app.extensions["db_engine"].connect()
    transaction = holder.begin()
    try:
        holder.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                       {"key": JOB_LOCK_KEYS["complaint_reports"]})
        assert generate_complaint_reports(sessions) == 0
        assert report_rows(sessions) == []
        assert make_digest_job(sessions, {**app.config, "AUDIT_DIGEST_DIR": ""}) is not None  # other lock
    finally:
        transaction.rollback()  # the other scheduler's transaction ends: the lock is free
        holder.close()
    assert generate_complaint_reports(sessions) == district_count(sessions)
