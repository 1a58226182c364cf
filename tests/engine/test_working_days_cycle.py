"""A timer that repeats every n working days (every_working_days(n) in a timeCycle): it fires on
working days of the instance's calendar only (Thursday, Friday and holidays skipped), n working
days apart, with its meaning "هر ۲ روز کاری" and the studio's checks accepting it
(workcal.working_time.every_working_days, engine.spiff.timer_events, modeling.timer_meaning).

The clock starts on Wednesday 1405/07/08 (2026-09-30) at 12:00 Tehran. Every 2 working days:
Sunday 10-04, Tuesday 10-06, Saturday 10-10 (Thursday and Friday skipped), Monday 10-12; in a
district closed on that Tuesday, Sunday then Wednesday 10-07.
"""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

import engine as runtime
from engine.harness import ready_task_ids, workflow_from_bpmn
from engine.spiff.sandbox import SandboxEnvironment
from engine.spiff.timer_events import timer_text_ok
from engine.spiff.workflow_tasks import waiting_timers
from engine.spiff.workflows import run_engine
from engine_support import district_id, fixture_bytes, ready_specs, timer_rows, user
from models import clock
from modeling.deploy import deploy_process
from modeling.timer_meaning import timer_meaning
from modeling.validation import check_diagram
from workcal import store as calendar_store
from workcal.store import active_calendar
from workcal import calendar as wc

TEHRAN = ZoneInfo("Asia/Tehran")
STARTED = datetime(2026, 9, 30, 12, 0, tzinfo=TEHRAN)  # a Wednesday
FIRINGS = [datetime(2026, 10, 4, 12, 0, tzinfo=TEHRAN), datetime(2026, 10, 6, 12, 0, tzinfo=TEHRAN),
           datetime(2026, 10, 10, 12, 0, tzinfo=TEHRAN), datetime(2026, 10, 12, 12, 0, tzinfo=TEHRAN)]


def every_two_working_days(expression="every_working_days(2)") -> bytes:
    """The non-interrupting boundary timer on Task_work, repeating by the expression."""
    return fixture_bytes("timer_boundary_noninterrupting.bpmn").replace(
        b'<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT1S"</bpmn:timeDuration>',
        f'<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">{expression}</bpmn:timeCycle>'.encode())


def utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def test_the_helper_gives_a_working_days_cycle_only_a_time_cycle_reads():
    env = SandboxEnvironment()
    assert env.evaluate("every_working_days(2)", {}) == "R/WD2"
    assert env.evaluate("every_working_days(5, 3)", {}) == "R3/WD5"
    for bad in ("every_working_days(0)", "every_working_days(1.5)", "every_working_days('x')",
                "every_working_days(2, 0)"):
        with pytest.raises(Exception):
            env.evaluate(bad, {})
    assert timer_text_ok("timeCycle", "R/WD2") and timer_text_ok("timeCycle", "R3/WD5")
    assert not timer_text_ok("timeDuration", "R/WD2") and not timer_text_ok("timeDate", "R/WD2")
    assert not timer_text_ok("timeCycle", "R/WD0")


def test_it_fires_every_two_working_days_skipping_the_weekend():
    clock.set_now(STARTED)
    workflow = workflow_from_bpmn(every_two_working_days())
    run_engine(workflow)
    fired = []
    for moment in FIRINGS:
        [timer] = waiting_timers(workflow)
        assert timer.due_at == utc(moment)
        clock.set_now(moment - timedelta(seconds=1))
        run_engine(workflow)
        assert ready_task_ids(workflow).count("Task_escalation") == len(fired)  # not yet
        clock.set_now(moment + timedelta(seconds=1))
        run_engine(workflow)
        fired.append(moment)
        assert ready_task_ids(workflow).count("Task_escalation") == len(fired)
    calendar = active_calendar()
    assert all(wc.is_working_day(calendar, moment.date()) for moment in fired)
    assert all(moment.weekday() not in (3, 4) for moment in fired)  # never Thursday or Friday


def test_a_limited_cycle_stops_after_its_times():
    clock.set_now(STARTED)
    workflow = workflow_from_bpmn(every_two_working_days("every_working_days(2, 2)"))
    run_engine(workflow)
    for moment in FIRINGS[:3]:
        clock.set_now(moment + timedelta(seconds=1))
        run_engine(workflow)
    assert ready_task_ids(workflow).count("Task_escalation") == 2
    assert waiting_timers(workflow) == []


def test_the_scheduler_fires_it_on_the_working_days_of_the_instances_calendar(app, db):
    deploy_process(db, every_two_working_days(), filename="every_two_working_days.bpmn")
    # District 1 is closed on Tuesday 1405/07/14 (2026-10-06): its second firing is Wednesday.
    calendar_store.add_entry(db, user(db, "admin"), "۱۴۰۵/۰۷/۱۴", "closure", note="آلودگی هوا",
                             district_id=district_id(db, "d1"))
    db.commit()
    clock.set_now(STARTED)
    in_d1, in_d2 = (runtime.start_instance(db, "t_timer_escalation", user(db, f"pr_expert_{code}"),
                                           district_id(db, code)) for code in ("d1", "d2"))
    db.commit()
    expected = {in_d1.id: [FIRINGS[0], datetime(2026, 10, 7, 12, 0, tzinfo=TEHRAN)],
                in_d2.id: FIRINGS[:2]}
    for instance_id, moments in expected.items():
        for moment in moments:
            [timer] = [t for t in timer_rows(db, instance_id) if t.status == "waiting"]
            assert timer.due_at == utc(moment)
            clock.set_now(moment + timedelta(minutes=1))
            others = set(expected) - {instance_id}  # the other district's timer is due too
            assert runtime.fire_next_due_timers(db, skip_instance_ids=others) == instance_id
            db.commit()
        assert ready_specs(db, instance_id).count("Task_escalation") == 2
        replay = runtime.verify_instance(db, instance_id)  # re-executed on the same calendar
        assert replay.matches, replay.reason
        clock.set_now(STARTED)


@pytest.mark.parametrize("source, persian, english", [
    ("every_working_days(2)", "هر ۲ روز کاری", "every 2 working days"),
    ("every_working_days(1)", "هر ۱ روز کاری", "every 1 working day"),
    ("every_working_days(5, 3)", "۳ بار، هر ۵ روز کاری", "3 times, every 5 working days"),
    ('"R/WD2"', "هر ۲ روز کاری", "every 2 working days"),
])
def test_its_meaning_is_said_in_working_days(source, persian, english):
    assert timer_meaning("timeCycle", source) == (persian, english)


def test_it_means_nothing_and_is_a_problem_outside_a_time_cycle():
    assert timer_meaning("timeDuration", "every_working_days(2)") is None
    problems = check_diagram(None, every_two_working_days().replace(b"timeCycle", b"timeDuration"))
    assert ("timer", "Deadline") in {(p.kind, p.element_id) for p in problems}
    assert [p for p in check_diagram(None, every_two_working_days()) if p.kind == "timer"] == []
