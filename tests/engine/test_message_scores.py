"""District scores of the 137 cycle (programmes/messages137/scores.py) over the fixture set of
message_scores_support (messages A..F, dates and working hours counted there by hand)."""
from datetime import datetime, timezone

from message_scores_support import NOW, PERIOD, build_messages

from programmes.messages137.scores import district_scores


def figures(score):
    return {"received": score.received, "on_spot": score.answered_on_spot,
            "on_time": score.answered_on_time, "late": score.answered_late, "open": score.open,
            "overdue": score.open_overdue, "closed": score.closed,
            "median_hours": score.median_hours_to_close, "calls": score.feedback_calls,
            "satisfied": score.satisfied, "days_late": score.working_days_late, "score": score.score}


def test_scores_and_ranking_of_two_districts_computed_by_hand(app, db):
    build_messages(app, db)
    d1, d2 = sorted(district_scores(db, *PERIOD, now=NOW), key=lambda s: s.code)
    # d1: A on the spot (0 h), B on time (25 h), C open and 4 working days overdue; F is of the
    # month before. Median of 0 and 25 = 12.5; one call, satisfied: 100 %; score -1 x 4 = -4.
    assert figures(d1) == {"received": 3, "on_spot": 1, "on_time": 1, "late": 0, "open": 1,
                           "overdue": 1, "closed": 2, "median_hours": 12.5, "calls": 1,
                           "satisfied": 1, "days_late": 4, "score": -4.0}
    assert d1.satisfaction_rate == 1.0 and d1.on_time_rate == 1.0
    # d2: D answered 3 working days late (145 h to close), E on the spot (0 h): median 72.5;
    # one call, not satisfied: 0 %; score -1 x 3 = -3.
    assert figures(d2) == {"received": 2, "on_spot": 1, "on_time": 0, "late": 1, "open": 0,
                           "overdue": 0, "closed": 2, "median_hours": 72.5, "calls": 1,
                           "satisfied": 0, "days_late": 3, "score": -3.0}
    assert d2.satisfaction_rate == 0.0 and d2.on_time_rate == 0.5
    # Ranking: the higher (less negative) score first.
    assert [(s.code, s.rank) for s in district_scores(db, *PERIOD, now=NOW)] == [("d2", 1), ("d1", 2)]
    # The drill-down: exactly the late replies, with their tracking codes.
    assert [(r.still_open, r.working_days_late) for r in d1.late_replies] == [(True, 4)]
    assert [(r.still_open, r.replied_at, r.working_days_late) for r in d2.late_replies] == \
        [(False, datetime(2026, 12, 19, 5, 30), 3)]  # Saturday 09:00 Tehran, naive UTC
    assert d1.late_replies[0].tracking_code.startswith("137-050922-")


def test_the_penalty_per_day_is_a_setting_and_ties_fall_back_to_the_on_time_share(app, db):
    build_messages(app, db)
    scores = district_scores(db, *PERIOD, now=NOW, penalty_per_day=2)
    assert [(s.code, s.score) for s in scores] == [("d2", -6.0), ("d1", -8.0)]
    # No penalty: both score 0; d1 answered 2 of 2 on time or on the spot, d2 1 of 2.
    assert [(s.code, s.score, s.rank) for s in district_scores(db, *PERIOD, now=NOW,
                                                                penalty_per_day=0)] == \
        [("d1", 0.0, 1), ("d2", 0.0, 2)]


def test_outcomes_are_read_at_the_end_of_a_period_already_over(app, db):
    build_messages(app, db)
    # Up to Sunday 1405/09/22 (2026-12-13): B, C and D are open, due Monday 10:00: not yet overdue.
    d1, d2 = sorted(district_scores(db, PERIOD[0], datetime(2026, 12, 13).date(), now=NOW),
                    key=lambda s: s.code)
    assert (d1.received, d1.open, d1.open_overdue, d1.answered_on_time, d1.score) == (3, 2, 0, 0, 0.0)
    assert (d2.received, d2.open, d2.open_overdue, d2.answered_on_spot, d2.score) == (1, 1, 0, 0, 0.0)
    # The month before: only F, never registered: open, and its intake overdue by 1 working day.
    [d1_before] = district_scores(db, datetime(2026, 10, 23).date(), datetime(2026, 11, 21).date(),
                                  now=NOW, district_id=d1.district_id)
    assert (d1_before.received, d1_before.open, d1_before.open_overdue, d1_before.score,
            d1_before.rank) == (1, 1, 1, -1.0, 1)


def test_a_message_left_at_intake_past_its_deadline_counts_against_its_district(app, db):
    """d1's only message is never registered for 15 days; d2 answers one message a day late:
    d1 must not rank first, and the dashboard counts its intake as overdue work."""
    from datetime import date, timedelta
    from message_137_support import REFERRED, complete, deploy_messages, fire_at, start_message
    from models import clock
    from programmes.oversight.dashboard import open_work
    deploy_messages(app)
    clock.set_now(REFERRED)
    untouched = start_message(db, "d1")
    late = start_message(db, "d2")
    complete(db, late.id, "Task_register_message",
             {"channel": "phone", "category": "service", "description": "چاله در خیابان.",
              "location": "خیابان گل", "outcome": "referred"}, username="intake_operator_d2")
    fire_at(app, db, REFERRED + timedelta(hours=47))
    complete(db, late.id, "Task_executive_reply", {"reply_text": "ترمیم شد."}, username="department_head_d2")
    now = REFERRED + timedelta(days=15)
    d1, d2 = sorted(district_scores(db, date(2026, 12, 13), date(2026, 12, 28), now=now),
                    key=lambda s: s.code)
    assert (d1.open, d1.open_overdue, d1.intake_overdue) == (1, 1, 1)
    assert d1.working_days_late > d2.working_days_late == 1
    assert [s.code for s in district_scores(db, date(2026, 12, 13), date(2026, 12, 28), now=now)] == ["d2", "d1"]
    assert [r.instance_id for r in d1.late_replies] == [untouched.id]
    rows = {(w.keys["district"], w.keys["role"]): w.overdue
            for w in open_work(db, now.astimezone(timezone.utc).replace(tzinfo=None))}
    assert rows[(d1.district_id, "intake_operator")] == 1
