"""Per-element statistics of a process version (the heat map's figures): exact counts and times
from a history made at controlled times (element_statistics_support), on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import select

from element_statistics_support import HOUR, PROCESS, build_history
from engine_support import deploy, user
from models import Timer
from models.errors import Forbidden, NotFound
from programmes.oversight.element_statistics import element_statistics


def figures(stats) -> dict:
    return {row.element_id: (row.kind, row.passed, row.waiting, row.timed,
                             None if row.average_seconds is None else round(row.average_seconds, 3),
                             None if row.p90_seconds is None else round(row.p90_seconds, 3))
            for row in stats.elements}


def test_a_district_head_sees_passes_waits_average_and_p90_of_each_element_in_their_district(app, db):
    build_history(app, db)
    stats = element_statistics(db, user(db, "district_mayor_d1"), PROCESS, 1)
    assert (stats.instances, stats.running, stats.completed) == (5, 3, 2)
    assert figures(stats) == {
        # check: 1, 2, 4, 3 hours; E waits. p90 at rank 2.7 of [1, 2, 3, 4]: 3.7 h.
        "Task_check": ("task", 4, 1, 4, 2.5 * HOUR, 3.7 * HOUR),
        # reply: 30 min (A), 1 h (D); B waits. p90 at rank 0.9: 30 + 0.9 * 30 min.
        "Task_reply": ("task", 2, 1, 2, 0.75 * HOUR, 0.95 * HOUR),
        # timer: 3 h (A, fired late), 2 h (B), 2 h (D); C waits. p90 at rank 1.8: 2.8 h.
        "Timer_wait": ("timer", 3, 1, 3, round(7 / 3 * HOUR, 3), 2.8 * HOUR),
    }
    names = {row.element_id: row.name for row in stats.elements}
    assert names == {"Task_check": "Check the message", "Task_reply": "Reply",
                     "Timer_wait": "Wait two hours"}


def test_a_city_wide_reader_sees_every_district_but_not_a_confidential_case(app, db):
    build_history(app, db)
    stats = element_statistics(db, user(db, "process_owner"), PROCESS, 1)
    assert stats.instances == 6  # F, confidential, left out
    check = figures(stats)["Task_check"]
    # [1, 2, 3, 4, 5] hours (G's 5 h in d2): p90 at rank 3.6 = 4.6 h.
    assert check == ("task", 5, 1, 5, 3 * HOUR, 4.6 * HOUR)
    assert figures(stats)["Timer_wait"][2] == 2  # C and G wait


def test_who_may_see_confidential_cases_has_them_in_the_figures(app, db):
    build_history(app, db)
    stats = element_statistics(db, user(db, "auditor"), PROCESS, 1)
    assert stats.instances == 7
    # [1, 2, 3, 4, 5, 10] hours: average 25/6 h; p90 at rank 4.5 = 5 + 0.5 * 5 = 7.5 h.
    assert figures(stats)["Task_check"] == ("task", 6, 1, 6, round(25 / 6 * HOUR, 3), 7.5 * HOUR)
    assert figures(stats)["Timer_wait"][2] == 3


def test_a_timer_records_when_it_began_to_wait(app, db):
    ids = build_history(app, db)
    [timer] = db.scalars(select(Timer).where(Timer.instance_id == ids["A"])).all()
    assert (timer.fired_at - timer.waiting_since).total_seconds() == 3 * HOUR


def test_a_version_without_instances_has_no_figures(app, db):
    deploy(app, "element_statistics.bpmn")
    stats = element_statistics(db, user(db, "process_owner"), PROCESS, 1)
    assert (stats.instances, stats.elements, stats.version_numbers) == (0, [], [1])


def test_staff_without_the_permission_are_refused(app, db):
    deploy(app, "element_statistics.bpmn")
    with pytest.raises(Forbidden):
        element_statistics(db, user(db, "pr_expert_d1"), PROCESS, 1)


def test_an_unknown_process_or_version_is_not_found(app, db):
    deploy(app, "element_statistics.bpmn")
    with pytest.raises(NotFound, match="No process nope is deployed"):
        element_statistics(db, user(db, "process_owner"), "nope", 1)
    with pytest.raises(NotFound, match="has no version 7"):
        element_statistics(db, user(db, "process_owner"), PROCESS, 7)
