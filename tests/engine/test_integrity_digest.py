"""The daily digest of chain heads: made once a day, exported, and a kept copy checked later
against the database: a rewritten head is caught, events appended since are not a change."""
import json
from datetime import date

import click
import pytest
from sqlalchemy import func, select

from app.audit.integrity_cli import register
from app.scheduler import make_digest_job
import engine as runtime
from engine.runtime import task_actions
from engine.events import event_digest
from audit.digests import canonical_sha256, compare_with_digest, digest_export, make_daily_digest
from audit.event_chain import check_instance
from models import Event, HumanTask, Instance, clock
from models.audit import ChainDigest
from test_integrity_chain import _user, run_instance, sql

DAY = date(2026, 11, 25)


@pytest.fixture
def instances(app, complaints):
    return [run_instance(app, "d1"), run_instance(app, "d2")]


def kept_file(db, day=DAY) -> str:
    """The digest as an auditor downloads and keeps it."""
    return json.dumps(digest_export(make_daily_digest(db, day)))


def test_the_digest_hashes_the_sorted_heads_of_every_instance(db, instances):
    digest = make_daily_digest(db, DAY)
    db.commit()
    heads = [[i.id, i.last_event_seq, i.last_event_sha256]
             for i in db.scalars(select(Instance).order_by(Instance.id))]
    assert digest.heads == heads and digest.instance_count == 2
    assert digest.digest_sha256 == canonical_sha256(heads)
    body = json.dumps(heads, separators=(",", ":"), sort_keys=True)
    import hashlib
    assert digest.digest_sha256 == hashlib.sha256(body.encode()).hexdigest()


def test_a_digest_made_twice_for_a_day_is_one_row(app, db, instances):
    first = make_daily_digest(db, DAY).digest_sha256
    db.commit()
    run_instance(app, "d1")  # the heads move; the day's digest stays what it was
    assert make_daily_digest(db, DAY).digest_sha256 == first
    db.commit()
    assert db.scalar(select(func.count()).select_from(ChainDigest)) == 1


def test_the_job_makes_todays_digest_in_its_own_transaction(app, db, instances):
    clock.set_now(clock.now().replace(year=2026, month=11, day=25, hour=21, minute=0))  # 00:30 Tehran
    sha = make_digest_job(app.extensions["db_sessions"], app.config)
    assert make_digest_job(app.extensions["db_sessions"], app.config) == sha
    row = db.scalars(select(ChainDigest)).one()
    assert row.day == date(2026, 11, 26) and row.digest_sha256 == sha  # Tehran's date, not UTC's


def test_a_kept_digest_holds_after_events_are_appended_legitimately(app, db, instances):
    kept = kept_file(db)
    db.commit()
    session = app.extensions["db_sessions"]()
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instances[0],
                                                   HumanTask.status == "ready")).first()
    task_actions.claim_task(session, task.id, _user(session, f"{task.role}_d1"))
    session.commit()
    session.close()
    assert compare_with_digest(db, kept) == []


def test_a_kept_digest_catches_a_head_event_rewritten_with_a_consistent_chain(db, instances):
    kept = kept_file(db)
    db.commit()
    target = instances[1]
    head = db.scalars(select(Event).where(Event.instance_id == target).order_by(Event.seq.desc())).first()
    forged = event_digest(head.prev_sha256, target, head.seq, head.type, head.task_spec,
                          head.spiff_task_id, head.actor_id, head.at, {"answer": "forged"})
    sql(db, "UPDATE events SET data = :d, sha256 = :s WHERE id = :id",
        d='{"answer": "forged"}', s=forged, id=head.id)
    sql(db, "UPDATE instances SET last_event_sha256 = :s WHERE id = :i", s=forged, i=target)
    assert check_instance(db, target) == []  # a perfect forgery: only the kept digest shows it
    problems = compare_with_digest(db, kept)
    assert [(p.instance_id, p.kind, p.seq) for p in problems] == [(target, "changed", head.seq)]


def test_a_kept_digest_catches_a_head_event_deleted(db, instances):
    kept = kept_file(db)
    db.commit()
    seq = db.get(Instance, instances[0]).last_event_seq
    sql(db, "DELETE FROM events WHERE instance_id = :i AND seq = :s", i=instances[0], s=seq)
    assert [(p.kind, p.seq) for p in compare_with_digest(db, kept)] == [("missing", seq)]


def test_an_edited_digest_file_or_a_replaced_stored_digest_is_reported(db, instances):
    kept = kept_file(db)
    db.commit()
    edited = json.loads(kept)
    edited["heads"] = edited["heads"][:1]  # an instance dropped from the file, hash left alone
    assert [p.kind for p in compare_with_digest(db, json.dumps(edited))] == ["digest"]
    sql(db, "UPDATE chain_digests SET digest_sha256 = :s", s="0" * 64)
    problems = compare_with_digest(db, kept)
    assert [p.kind for p in problems] == ["digest"] and "stored digest" in problems[0].explanation


def test_the_cli_checks_the_chains_and_makes_the_digest(app, db, instances):
    group = click.Group("audit")
    register(group)
    runner = app.test_cli_runner()
    result = runner.invoke(group, ["digest", "--day", "2026-11-25"])
    assert result.exit_code == 0, result.output
    assert db.scalars(select(ChainDigest)).one().digest_sha256 in result.output
    db.commit()  # SQLite: let go of the test's transaction before the command reads
    assert runner.invoke(group, ["chain"]).exit_code == 0
    sql(db, "DELETE FROM events WHERE instance_id = :i AND seq = 2", i=instances[0])
    result = runner.invoke(group, ["chain", "--instance", str(instances[0])])
    assert result.exit_code == 1 and "deleted" in result.output
    assert runner.invoke(group, ["chain", "--instance", str(instances[1])]).exit_code == 0
