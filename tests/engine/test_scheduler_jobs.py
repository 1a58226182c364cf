"""Scheduler jobs go through app.scheduler.run_job: each runs in a session of its own and commits
once, at the end; a job whose work raises leaves nothing written, is logged, and the next job
still runs; the session is closed either way."""
import logging

import pytest
from sqlalchemy import select

import app.scheduler as scheduler
from app.scheduler import (create_due_meetings, fire_due_timers, generate_complaint_reports,
                           make_digest_job, run_job)
from models import ChainDigest, District


class Sessions:
    """A session factory that counts the sessions it opened and those closed."""

    def __init__(self, factory):
        self.factory, self.opened, self.closed = factory, 0, 0

    def __call__(self):
        session = self.factory()
        self.opened += 1
        close = session.close

        def counted_close():
            self.closed += 1
            close()

        session.close = counted_close
        return session


def _write_then_fail(code):
    """Work that writes a district (flushed: in the transaction) and then raises."""
    def work(session, *args, **kwargs):
        session.add(District(code=code, name_fa="ناحیه آزمایشی", name_en="Test district"))
        session.flush()
        raise RuntimeError("the database went away")
    return work


def _district_codes(app, *codes):
    """Which of these districts are stored (read in a short session of its own)."""
    with app.extensions["db_sessions"]() as session:
        return sorted(session.scalars(select(District.code).where(District.code.in_(codes))))


def test_a_job_whose_work_raises_leaves_nothing_written_and_the_next_job_runs(app, caplog):
    sessions = Sessions(app.extensions["db_sessions"])
    with caplog.at_level(logging.ERROR, logger="app.scheduler"):
        assert run_job(sessions, "the broken job", _write_then_fail("broken"), failed=0) == 0
    assert "the broken job failed" in caplog.text and "the database went away" in caplog.text

    def works(session):
        session.add(District(code="works", name_fa="ناحیه سالم", name_en="Working district"))
        return "done"

    assert run_job(sessions, "the next job", works) == "done"
    assert _district_codes(app, "broken", "works") == ["works"]
    assert sessions.opened == sessions.closed == 2


def test_a_failing_report_job_writes_nothing_and_the_digest_job_still_runs(app, monkeypatch):
    sessions = Sessions(app.extensions["db_sessions"])
    monkeypatch.setattr(scheduler, "generate_monthly_reports", _write_then_fail("report"))
    assert generate_complaint_reports(sessions) == 0
    assert _district_codes(app, "report") == []
    sha = make_digest_job(sessions, app.config)
    assert sha is not None
    with app.extensions["db_sessions"]() as session:
        assert session.scalar(select(ChainDigest.digest_sha256)) == sha
    assert sessions.opened == sessions.closed == 2


def test_the_mardom_salam_job_rolls_back_and_gives_its_error_to_the_caller(app, monkeypatch):
    sessions = Sessions(app.extensions["db_sessions"])
    monkeypatch.setattr(scheduler, "run_meeting_schedule", _write_then_fail("meeting"))
    with pytest.raises(RuntimeError, match="the database went away"):
        create_due_meetings(sessions)
    assert _district_codes(app, "meeting") == []
    assert sessions.opened == sessions.closed == 1


def test_a_failed_batch_of_timers_is_fired_again_instance_by_instance(app, monkeypatch):
    sessions, calls = Sessions(app.extensions["db_sessions"]), []
    fast_path = _write_then_fail("timers")

    def batch(session, limit, skip_instance_ids, isolate):
        calls.append(isolate)
        if not isolate:
            fast_path(session)
        return ([7], []) if len(calls) == 2 else ([], [])

    monkeypatch.setattr(scheduler, "fire_due_timer_batch", batch)
    assert fire_due_timers(sessions) == 1
    assert calls == [False, True, True]
    assert _district_codes(app, "timers") == []
    assert sessions.opened == sessions.closed == 3
