"""The oversight dashboard's figures (programmes/oversight/dashboard.py) against the hand-computed
fixture of tests/http/dashboard_support.py (its docstring gives every moment and outcome)."""
from datetime import date, datetime, timezone

import pytest
from dashboard_support import NOW, at, build_dashboard_fixture

from models import utcnow
from people.accounts import find_district
from programmes.oversight.dashboard import (age_boundaries, build_dashboard, open_work,
                                            week_starts, working_moment_before)
from workcal.jalali import TEHRAN
from workcal.store import calendar_for


def _ids(db):
    return find_district(db, "d1").id, find_district(db, "d2").id


def test_working_days_back_from_a_sunday_morning_skip_thursday_and_friday(app, db):
    d1, _ = _ids(db)
    calendar = calendar_for(db, d1)
    now = NOW.astimezone(timezone.utc)
    assert working_moment_before(calendar, now, 7) == at(12, 19, 10)    # Sat 10:00
    assert working_moment_before(calendar, now, 21) == at(12, 15, 10)   # Tue 10:00
    assert working_moment_before(calendar, now, 70) == at(12, 6, 10)    # Sun 12-06 10:00
    assert working_moment_before(calendar, now, 2.5) == at(12, 20, 7, 30)  # this morning's opening
    assert working_moment_before(calendar, now, 3) == at(12, 19, 14)    # half an hour before Saturday's close
    assert age_boundaries(db, NOW, {d1}) == {d1: (at(12, 19, 10), at(12, 15, 10), at(12, 6, 10))}


def test_open_work_per_district_and_role_counts_age_and_overdue_as_computed_by_hand(app, db):
    build_dashboard_fixture(db)
    d1, d2 = _ids(db)
    rows = {(w.keys["district"], w.keys["role"]): (w.open, w.overdue, w.age) for w in open_work(db, utcnow())}
    age = lambda lt1, a, b, gt10: {"lt1": lt1, "1to3": a, "3to10": b, "gt10": gt10}
    assert rows == {
        (d1, "pr_expert"): (2, 1, age(1, 1, 0, 0)),              # C1, C2 (overdue)
        (d1, "department_head"): (2, 2, age(0, 0, 1, 1)),        # M3, C4, both overdue
        (d2, "pr_expert"): (1, 0, age(0, 1, 0, 0)),              # C6: exactly one working day old
        (d2, "complaints_expert"): (1, 1, age(0, 0, 1, 0)),      # C7
        (d2, "department_head"): (1, 0, age(1, 0, 0, 0)),        # M5's reply
    }
    only_d2 = open_work(db, utcnow(), {d2}, group_by=("district",))
    assert [(w.keys, w.open, w.overdue, w.age) for w in only_d2] == [({"district": d2}, 3, 1, age(1, 1, 1, 0))]


def test_the_137_shares_by_district_and_by_week_are_those_computed_by_hand(app, db):
    build_dashboard_fixture(db)
    d1, d2 = _ids(db)
    board = build_dashboard(db, utcnow())
    assert board.weeks == [date(2026, 10, 31), date(2026, 11, 7), date(2026, 11, 14), date(2026, 11, 21),
                           date(2026, 11, 28), date(2026, 12, 5), date(2026, 12, 12), date(2026, 12, 19)]
    first = board.messages_by_district[d1]
    assert (first.received, first.answered, first.closed) == (4, 3, 3)          # M1 M2 M3 M7
    assert (first.within, first.judged) == ({24: 1, 48: 2, 72: 2}, {24: 4, 48: 4, 72: 4})
    assert (first.closed_within, first.close_judged) == (2, 4)
    second = board.messages_by_district[d2]
    assert (second.received, second.answered, second.closed) == (3, 2, 2)      # M4 M5 M6
    assert (second.within, second.judged) == ({24: 1, 48: 1, 72: 2}, {24: 2, 48: 2, 72: 2})  # M5 too young
    assert (second.closed_within, second.close_judged) == (1, 2)
    total = board.messages_total.as_dict()
    assert total["received"] == 7 and total["answered"] == 5 and total["closed"] == 5
    assert total["answered_within"] == {"24h": {"count": 2, "of": 6, "percent": 33.3},
                                        "48h": {"count": 3, "of": 6, "percent": 50.0},
                                        "72h": {"count": 4, "of": 6, "percent": 66.7}}
    assert total["closed_within_3_days"] == {"count": 3, "of": 6, "percent": 50.0}
    weekly = [(w.received, w.within[24], w.judged[24], w.within[72], w.judged[72], w.closed_within,
               w.close_judged) for w in board.messages_by_week]
    assert weekly == [(1, 0, 1, 0, 1, 0, 1)] + [(0, 0, 0, 0, 0, 0, 0)] * 5 + [
        (4, 1, 4, 3, 4, 2, 4),   # M1 M2 M3 M4
        (2, 1, 1, 1, 1, 1, 1)]   # M5 (too young) M6
    assert board.messages_by_week[1].answered_rate(24) is None
    assert (board.open_total.open, board.open_total.overdue) == (7, 4)
    assert {d: (w.open, w.overdue) for d, w in board.open_by_district.items()} == {d1: (4, 3), d2: (3, 1)}


def test_one_district_shows_only_its_own_figures(app, db):
    build_dashboard_fixture(db)
    d1, d2 = _ids(db)
    board = build_dashboard(db, utcnow(), {d2})
    assert [d.code for d in board.districts] == ["d2"]
    assert board.messages_total.received == 3 and set(board.messages_by_district) == {d2}
    assert board.open_total.open == 3 and {w.keys["district"] for w in board.open_work} == {d2}


def test_a_solar_week_begins_on_saturday_in_tehran(app):
    friday_night = datetime(2026, 12, 18, 20, 45)  # UTC: Saturday 12-19 00:15 in Tehran
    assert week_starts(friday_night, TEHRAN, 2) == [date(2026, 12, 12), date(2026, 12, 19)]


def test_no_working_time_back_is_now_itself(app, db):
    d1, _ = _ids(db)
    assert working_moment_before(calendar_for(db, d1), NOW, 0) == at(12, 20, 10)


def test_open_work_refuses_a_grouping_it_does_not_know(app, db):
    with pytest.raises(ValueError):
        open_work(db, utcnow(), group_by=("team",))


def test_messages_driven_through_the_real_137_process_give_the_figures_computed_by_hand(app, db):
    """tests/engine/message_scores_support.py (same NOW): A and E answered on the spot, B replied
    after 23 h and closed after 25 h, C still waiting for its reply (due Mon 12-14 10:00; its
    deputy, manager and inspection office asked on Saturday 12-19), D replied after 143 h and
    closed after 145 h, F's intake never done (received 11-19, overdue 2 hours later)."""
    from message_scores_support import build_messages
    build_messages(app, db)
    d1, d2 = _ids(db)
    board = build_dashboard(db, utcnow())
    first, second = board.messages_by_district[d1], board.messages_by_district[d2]
    assert (first.received, first.answered, first.closed) == (4, 2, 2)       # F A B C
    assert (first.within, first.judged) == ({24: 2, 48: 2, 72: 2}, {24: 4, 48: 4, 72: 4})
    assert (first.closed_within, first.close_judged) == (2, 4)
    assert (second.received, second.answered, second.closed) == (2, 2, 2)   # D E
    assert (second.within, second.closed_within, second.close_judged) == ({24: 1, 48: 1, 72: 1}, 1, 2)
    rows = {(w.keys["district"], w.keys["role"]): (w.open, w.overdue, w.age) for w in open_work(db, utcnow())}
    escalated = (1, 0, {"lt1": 0, "1to3": 1, "3to10": 0, "gt10": 0})  # Saturday 09:00, no due date
    assert rows == {(d1, "intake_operator"): (1, 1, {"lt1": 0, "1to3": 0, "3to10": 0, "gt10": 1}),    # F
                    (d1, "department_head"): (1, 1, {"lt1": 0, "1to3": 0, "3to10": 1, "gt10": 0}),    # C
                    (d1, "deputy"): escalated, (d1, "manager"): escalated,
                    (d1, "central_inspection"): escalated}


def test_a_districts_own_closure_moves_its_tasks_ages_and_no_other_districts(app, db):
    """d2 closed on Saturday 1405/09/28 (12-19): one working day back from NOW in d2 is
    Wednesday 12-16 10:00, so C6 (created Saturday 10:00) is under a day old there; d1 keeps its
    bounds, and the one query holds both (a CASE on the district)."""
    from people.accounts import find_user
    from workcal.store import add_entry, store_of
    build_dashboard_fixture(db)
    d1, d2 = _ids(db)
    try:
        add_entry(db, find_user(db, "admin"), "1405/09/28", "closure", district_id=d2)
        db.commit()
        assert age_boundaries(db, NOW, {d2}) == {d2: (at(12, 16, 10), at(12, 14, 10), at(12, 5, 10))}
        ages = {(w.keys["district"], w.keys["role"]): w.age for w in open_work(db, utcnow())}
        assert ages[(d2, "pr_expert")] == {"lt1": 1, "1to3": 0, "3to10": 0, "gt10": 0}          # C6
        assert ages[(d2, "complaints_expert")] == {"lt1": 0, "1to3": 0, "3to10": 1, "gt10": 0}  # C7
        assert ages[(d1, "pr_expert")] == {"lt1": 1, "1to3": 1, "3to10": 0, "gt10": 0}          # C1, C2
    finally:
        db.rollback()
        store_of(db).invalidate()  # the cache would keep the closure after the test's rollback
