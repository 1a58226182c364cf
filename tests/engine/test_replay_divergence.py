"""What re-execution reports when the stored state or the history was tampered with, and what
it leaves alone (the session, the clock)."""
import json
from datetime import datetime, timezone

from sqlalchemy import delete, select, update

from engine.replay.verify import replay_instance, verify_all
from message_137_support import complete, deploy_messages, referred_message, reply
from models import Event, Instance, clock
from replay_support import assert_replays, deploy, do, start, verified

NOT_SATISFIED = {"satisfied": "no", "feedback_note": "چراغ هنوز خاموش است."}


def replied_message(db, text="لامپ تعویض شد."):
    """A 137 message referred and replied: the feedback call is open."""
    message = referred_message(db)
    reply(db, message.id, text)
    return message.id


def events_of(db, instance_id, type_=None, spec=None) -> list[Event]:
    db.expire_all()
    query = select(Event).where(Event.instance_id == instance_id).order_by(Event.seq)
    rows = db.scalars(query).all()
    return [e for e in rows if (type_ is None or e.type == type_) and (spec is None or e.task_spec == spec)]


def set_event_data(db, event: Event, data: dict) -> None:
    db.execute(update(Event.__table__).where(Event.__table__.c.id == event.id).values(data=data))
    db.commit()


def test_each_step_tells_who_did_what_and_which_data_it_changed(app, db):
    deploy_messages(app)
    message = replied_message(db)
    replay = assert_replays(db, message)
    types = [s.type for s in replay.steps]
    assert types[:3] == ["instance_started", "tracking_code_issued", "task_completed"]
    started, _, registered, replied = replay.steps[:4]
    assert started.ran_element and started.active == ["Task_register_message"]
    assert registered.actor.username == "intake_operator_d1" and registered.actor_name
    assert registered.task_spec == registered.ran_element == "Task_register_message"
    assert registered.submitted["outcome"] == "referred"
    assert replied.task_name and replied.submitted == {"reply_kind": "resolved", "planned_work": "",
                                                       "planned_date": None,
                                                       "reply_text": "لامپ تعویض شد."}
    assert ("reply_text", None, "لامپ تعویض شد.") in replied.changes
    assert replied.data_after["reply_text"] == "لامپ تعویض شد."
    assert replied.element_counts["Task_register_message"] == 1
    assert replay.steps[1].changes == [] and replay.steps[1].ran_element is None


def test_instance_data_altered_in_the_database_is_a_mismatch_naming_the_key(app, db):
    deploy_messages(app)
    message = replied_message(db)
    data = dict(db.get(Instance, message).data, reply_text="پاسخ دیگر")
    db.execute(update(Instance.__table__).where(Instance.__table__.c.id == message).values(data=data))
    db.commit()
    replay = verified(db, message)
    assert not replay.matches
    assert "data differ: key reply_text is 'پاسخ دیگر' in the stored instance data, " \
           "'لامپ تعویض شد.' on re-execution" in replay.reason
    [reply_event] = events_of(db, message, "task_completed", "Task_executive_reply")
    assert replay.first_divergence == reply_event.seq  # the event that set the key on re-execution


def test_a_stored_state_whose_data_was_altered_is_a_mismatch(app, db):
    deploy_messages(app)
    message = replied_message(db)
    instance = db.get(Instance, message)
    state = json.loads(instance.state_json)
    # SpiffWorkflow 3.2 stores each task's data as a delta from its parent's.
    state["tasks"][state["last_task"]]["delta"].setdefault("updates", {})["category"] = "technical"
    db.execute(update(Instance.__table__).where(Instance.__table__.c.id == message)
               .values(state_json=json.dumps(state)))
    db.commit()
    replay = verified(db, message)
    assert not replay.matches
    assert replay.reason.startswith("After the last event the data differ: key category is "
                                    "'technical' in the stored state, 'service' on re-execution")


def test_a_completion_whose_recorded_data_was_altered_diverges_at_that_event(app, db):
    deploy_messages(app)
    message = replied_message(db)
    complete(db, message, "Task_feedback_call", NOT_SATISFIED)
    [reply_event] = events_of(db, message, "task_completed", "Task_executive_reply")
    set_event_data(db, reply_event, {**reply_event.data,
                                     "data": {**reply_event.data["data"], "reply_text": "جعلی"}})
    replay = verified(db, message)
    assert not replay.matches
    assert replay.first_divergence == reply_event.seq
    assert "key reply_text is 'لامپ تعویض شد.' in the stored state, 'جعلی' on re-execution" in replay.reason


def test_a_forged_review_decision_takes_another_path_and_the_next_completion_finds_no_task(app, db):
    deploy(app, "website_update")
    from pr_processes_support import INFORM_REQUEST
    instance = start(db, "website_update")
    do(db, instance, "Task_register_inform_request", INFORM_REQUEST)
    do(db, instance, "Task_review_inform_request", {"review_decision": "return", "review_reason": "ناقص"})
    do(db, instance, "Task_register_inform_request", INFORM_REQUEST)
    review, again = events_of(db, instance, "task_completed")[1:3]
    set_event_data(db, review, {**review.data, "data": {"review_decision": "approve", "review_reason": ""}})
    replay = verified(db, instance)
    assert (replay.matches, replay.first_divergence) == (False, again.seq)
    assert replay.reason == (f"Event {again.seq} completes Task_register_inform_request, but no "
                             "such task is ready at that point.")
    assert replay.steps[-1].seq == review.seq  # the steps stop before the one that cannot apply


def test_an_event_removed_from_the_middle_makes_the_replay_diverge_at_the_next_one(app, db):
    deploy_messages(app)
    message = replied_message(db)
    complete(db, message, "Task_feedback_call", NOT_SATISFIED)
    complete(db, message, "Task_field_investigation",
             {"answer_confirmed": "no", "investigation_findings": "تعمیر نشده."})
    [call] = events_of(db, message, "task_completed", "Task_feedback_call")
    [check] = events_of(db, message, "task_completed", "Task_field_investigation")
    db.execute(delete(Event).where(Event.id == call.id))
    db.commit()
    replay = verified(db, message)
    assert replay.first_divergence == check.seq
    assert replay.reason == (f"Event {check.seq} completes Task_field_investigation, but no such "
                             "task is ready at that point.")


def test_a_history_without_its_start_cannot_be_replayed(app, db):
    deploy(app, "news")
    instance = start(db, "news")
    [first] = events_of(db, instance, "instance_started")
    db.execute(delete(Event).where(Event.id == first.id))
    db.commit()
    replay = verified(db, instance)
    assert not replay.matches
    assert replay.reason == "The history does not begin with the start of the instance."


def test_replay_flushes_nothing_of_the_callers_and_puts_a_set_clock_back(app, db):
    deploy(app, "news")
    instance_id = start(db, "news")
    moment = clock.set_now(datetime(2027, 2, 2, 9, 0, tzinfo=timezone.utc))
    instance = db.get(Instance, instance_id)
    instance.title = "changed by the caller, not flushed"
    replay = replay_instance(db, instance)
    assert replay.matches and clock.now() == moment
    assert set(db.dirty) == {instance}  # still pending: the replay neither flushed nor dropped it
    db.rollback()
    assert db.get(Instance, instance_id).title != "changed by the caller, not flushed"
    clock.reset()
    assert_replays(db, instance_id)
    assert not clock.is_set()  # real time stays real time


def test_verify_all_reports_each_instance_of_a_process_in_id_order(app, db):
    deploy(app, "news")
    deploy(app, "website_update")
    first, second = start(db, "news"), start(db, "news")
    other = start(db, "website_update")
    data = dict(db.get(Instance, second).data, forged=True)
    db.execute(update(Instance.__table__).where(Instance.__table__.c.id == second).values(data=data))
    db.commit()
    results = verify_all(db, "news")
    assert [(i, r.matches) for i, r in results] == [(first, True), (second, False)]
    assert results[1][1].steps == []  # verify_all keeps no steps
    assert [i for i, _ in verify_all(db)] == [first, second, other]
    assert not (db.new or db.dirty or db.deleted)


def test_an_event_whose_data_is_not_an_object_or_names_another_version_is_a_mismatch(app, db):
    deploy(app, "news")
    from pr_processes_support import NEWS
    instance = start(db, "news")
    do(db, instance, "Task_prepare_news", NEWS)
    [prepared] = events_of(db, instance, "task_completed")
    set_event_data(db, prepared, None)
    assert verified(db, instance).first_divergence == prepared.seq
    [first] = events_of(db, instance, "instance_started")
    set_event_data(db, first, {**first.data, "version": 7, "content_sha256": "f" * 64})
    replay = verified(db, instance)
    assert (replay.first_divergence, replay.reason) == (first.seq, (
        f"Event {first.seq} started version 7 of the process, but the instance is pinned to version 1."))
