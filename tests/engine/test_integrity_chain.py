"""Tamper evidence: rows of a real instance's event log changed, deleted, inserted, reordered or
cut off directly in the database are each reported with their kind and seq."""
import pytest
from sqlalchemy import select, text

import engine as runtime

from engine.runtime import task_actions
from engine.events import GENESIS_SHA256, event_digest, verify_chain
from audit.event_chain import check_all, check_chain, check_instance
from models import Event, HumanTask, Instance, User

REGISTER = {"complainant_name": "مریم احمدی", "phone": "09123456789", "channel": "phone",
            "subject": "چاله در خیابان", "complaint_type": "service",
            "description": "چاله‌ای بزرگ جلوی پلاک ۱۲ مانده است.", "address": "خیابان بهار"}


def _user(session, username):
    return session.scalars(select(User).where(User.username == username)).one()


EXAMINATION = {"findings": "بازدید میدانی انجام شد.", "justified": "yes",
               "answer_text": "چاله تا پایان هفته ترمیم می‌شود."}


def run_instance(app, district="d1") -> int:
    """A complaint started, registered and examined (each task claimed first); return its id."""
    session = app.extensions["db_sessions"]()
    try:
        from people.accounts import find_district
        starter = _user(session, f"pr_expert_{district}")
        instance = runtime.start_instance(session, "complaints", starter,
                                          find_district(session, district).id)
        session.commit()
        for data in (REGISTER, EXAMINATION):
            task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                           HumanTask.status == "ready")).one()
            user = _user(session, f"{task.role}_{district}")
            task_actions.claim_task(session, task.id, user)
            session.commit()
            runtime.complete_task(session, task.id, user, data)
            session.commit()
        return instance.id
    finally:
        session.close()


def sql(db, statement, **params):
    db.execute(text(statement), params)
    db.commit()


def events_of(db, instance_id):
    return db.scalars(select(Event).where(Event.instance_id == instance_id).order_by(Event.seq)).all()


def kinds(problems):
    return [(p.kind, p.seq) for p in problems]


@pytest.fixture
def instance_id(app, complaints):
    return run_instance(app)


def test_an_untouched_chain_has_no_problem(db, instance_id):
    assert len(events_of(db, instance_id)) >= 5
    assert check_instance(db, instance_id) == []
    assert list(check_all(db)) == []


def test_an_event_whose_content_was_changed_is_reported_as_changed(db, instance_id):
    sql(db, "UPDATE events SET data = :data WHERE instance_id = :i AND seq = 3",
        data='{"forged": true}', i=instance_id)
    problems = check_instance(db, instance_id)
    assert kinds(problems) == [("changed", 3)]
    assert problems[0].instance_id == instance_id
    assert "no longer matches its hash" in problems[0].explanation
    assert verify_chain(events_of(db, instance_id)) == 3  # the old check still works


def test_an_event_changed_and_rehashed_is_reported_as_changed(db, instance_id):
    ev = events_of(db, instance_id)[2]
    forged = event_digest(ev.prev_sha256, ev.instance_id, ev.seq, "forged", ev.task_spec,
                          ev.spiff_task_id, ev.actor_id, ev.at, ev.data)
    sql(db, "UPDATE events SET type = 'forged', sha256 = :s WHERE id = :id", s=forged, id=ev.id)
    assert kinds(check_instance(db, instance_id)) == [("changed", 3)]


def test_an_event_deleted_from_the_middle_is_reported_as_deleted(db, instance_id):
    sql(db, "DELETE FROM events WHERE instance_id = :i AND seq = 3", i=instance_id)
    problems = check_instance(db, instance_id)
    assert kinds(problems) == [("deleted", 3)]
    assert "missing" in problems[0].explanation


def test_a_deleted_event_with_the_later_ones_renumbered_is_reported_as_deleted(db, instance_id):
    sql(db, "DELETE FROM events WHERE instance_id = :i AND seq = 3", i=instance_id)
    sql(db, "UPDATE events SET seq = seq + 1000 WHERE instance_id = :i AND seq > 3", i=instance_id)
    sql(db, "UPDATE events SET seq = seq - 1001 WHERE instance_id = :i AND seq > 1000", i=instance_id)
    sql(db, "UPDATE instances SET last_event_seq = last_event_seq - 1 WHERE id = :i", i=instance_id)
    assert kinds(check_instance(db, instance_id)) == [("deleted", 3)]


def _forged_event(prev, instance_id, seq, at):
    sha = event_digest(prev, instance_id, seq, "task_completed", None, None, None, at, {})
    return {"i": instance_id, "seq": seq, "at": at, "prev": prev, "sha": sha}


INSERT = ("INSERT INTO events (instance_id, seq, type, task_spec, spiff_task_id, actor_id, at, data, "
          "prev_sha256, sha256) VALUES (:i, :seq, 'task_completed', NULL, NULL, NULL, :at, '{}', :prev, :sha)")


def test_an_event_appended_outside_the_engine_is_reported_as_inserted(db, instance_id):
    last = events_of(db, instance_id)[-1]
    sql(db, INSERT, **_forged_event(last.sha256, instance_id, last.seq + 1, last.at))
    problems = check_instance(db, instance_id)
    assert kinds(problems) == [("inserted", last.seq + 1)]


def test_an_event_inserted_in_the_middle_is_reported_as_inserted(db, instance_id):
    rows = events_of(db, instance_id)
    sql(db, "UPDATE events SET seq = seq + 1000 WHERE instance_id = :i AND seq >= 3", i=instance_id)
    sql(db, "UPDATE events SET seq = seq - 999 WHERE instance_id = :i AND seq > 1000", i=instance_id)
    sql(db, INSERT, **_forged_event(rows[1].sha256, instance_id, 3, rows[1].at))
    sql(db, "UPDATE instances SET last_event_seq = last_event_seq + 1 WHERE id = :i", i=instance_id)
    assert kinds(check_instance(db, instance_id)) == [("inserted", 3)]


def test_an_event_linked_to_a_hash_that_is_not_its_predecessor_is_reported_as_inserted(db, instance_id):
    last = events_of(db, instance_id)[-1]
    sql(db, INSERT, **_forged_event("ab" * 32, instance_id, last.seq + 1, last.at))
    assert kinds(check_instance(db, instance_id)) == [("inserted", last.seq + 1)]


def test_two_events_swapped_are_reported_as_reordered(db, instance_id):
    rows = events_of(db, instance_id)
    a, b = rows[2], rows[3]
    sql(db, "UPDATE events SET seq = 1000 WHERE id = :id", id=a.id)
    sql(db, "UPDATE events SET seq = :s WHERE id = :id", s=a.seq, id=b.id)
    sql(db, "UPDATE events SET seq = :s WHERE id = :id", s=b.seq, id=a.id)
    problems = check_instance(db, instance_id)
    assert kinds(problems) == [("reordered", 3), ("reordered", 4)]


def test_events_removed_from_the_end_are_reported_as_truncated(db, instance_id):
    head = db.get(Instance, instance_id).last_event_seq
    sql(db, "DELETE FROM events WHERE instance_id = :i AND seq >= :s", i=instance_id, s=head - 1)
    problems = check_instance(db, instance_id)
    assert kinds(problems) == [("truncated", head - 1)]
    assert f"records {head} events" in problems[0].explanation


def test_every_event_removed_is_truncated_from_the_first(db, instance_id):
    sql(db, "DELETE FROM events WHERE instance_id = :i", i=instance_id)
    assert kinds(list(check_all(db))) == [("truncated", 1)]


def test_check_all_names_the_instance_of_each_problem(app, db, instance_id):
    other = run_instance(app, "d2")
    sql(db, "UPDATE events SET data = '{\"x\": 1}' WHERE instance_id = :i AND seq = 2", i=other)
    problems = list(check_all(db))
    assert [(p.instance_id, p.kind, p.seq) for p in problems] == [(other, "changed", 2)]


def test_check_chain_reports_a_duplicate_seq_in_a_list_of_events(db, instance_id):
    rows = events_of(db, instance_id)
    problems = check_chain([*rows[:3], rows[2], *rows[3:]])
    assert ("inserted", 3) in kinds(problems)


def test_a_chain_without_head_is_checked_on_its_links_only():
    assert check_chain([]) == []
    assert GENESIS_SHA256 == "0" * 64
