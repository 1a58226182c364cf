"""Working time in diagrams: the helpers in scripts and timer expressions, timers and task due
dates on the working calendar, driven by the settable clock (tests/fixtures/working_hours_timer.bpmn).

The clock stands on Wednesday 1404/12/27 (2026-03-18) at 12:00 Tehran. Four working hours: 2.5
that Wednesday, then Thursday (off), Friday and Nowruz (1405/01/01-04) are skipped, 1.5 on
Wednesday 1405/01/05 (2026-03-25): due at 09:00 Tehran = 05:30 UTC.
"""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.scheduler import fire_due_timers
from workcal import store as calendar_store
import engine as runtime
from models.errors import BpmnValidationError
from engine.harness import ready_task_ids, workflow_from_bpmn
from engine.spiff.parsing import parse_definition
from engine.spiff.sandbox import SandboxEnvironment
from engine.spiff.workflow_tasks import waiting_timers
from engine.spiff.workflows import load_workflow, run_engine
from engine_support import (deploy, district_id, fixture_bytes, ready_specs, ready_task,
                            timer_rows, user)
from models import clock

TEHRAN = ZoneInfo("Asia/Tehran")
STARTED = datetime(2026, 3, 18, 12, 0, tzinfo=TEHRAN)
DUE = datetime(2026, 3, 25, 5, 30)  # naive UTC: 09:00 Tehran
FIXTURE = "working_hours_timer.bpmn"


def test_scripts_count_working_days_before_a_moment_and_solar_hijri_months():
    env, data = SandboxEnvironment(), {}
    env.execute("proposal = working_days_before('2026-12-08T19:30:00+03:30', 5)\n"
                "results = add_jalali_months('2026-10-07T19:30:00+03:30', 3)\n"
                "short = add_jalali_months('2026-09-22T16:00:00', 1)", data)
    assert data["proposal"] == datetime(2026, 12, 1, 14, 30, tzinfo=TEHRAN)
    assert data["results"] == datetime(2027, 1, 5, 19, 30, tzinfo=TEHRAN)     # 15 Mehr -> 15 Dey 1405
    # Naive = UTC: 19:30 Tehran on 1405/06/31; Mehr has 30 days.
    assert data["short"] == datetime(2026, 10, 22, 19, 30, tzinfo=TEHRAN)     # 1405/07/30
    for bad in ("working_days_before(now(), 0)", "add_jalali_months(now(), 1.5)"):
        with pytest.raises(Exception):
            env.evaluate(bad, {})


def test_scripts_and_expressions_call_the_working_time_helpers_on_the_clock():
    clock.set_now(datetime(2026, 9, 30, 12, 0, tzinfo=TEHRAN))  # a Wednesday of Mehr 1405
    env, data = SandboxEnvironment(), {}
    env.execute("due = add_working_days(now(), 1)\nleft = working_hours_between(now(), due)", data)
    assert data["due"] == datetime(2026, 10, 3, 12, 0, tzinfo=TEHRAN)  # Saturday
    assert data["left"] == 7.0  # 2.5 on Wednesday, 4.5 on Saturday
    assert env.evaluate("add_working_hours('2026-09-30T08:30:00+00:00', 3)", {}) == \
        datetime(2026, 10, 3, 8, 0, tzinfo=TEHRAN)  # 12:00 Tehran: 2.5 h, then 0.5 h on Saturday
    assert env.evaluate("is_working_day()", {}) is True
    clock.advance(days=2)  # Friday
    assert env.evaluate("is_working_day()", {}) is False


def test_a_timer_expression_giving_a_datetime_fires_when_the_clock_passes_it():
    clock.set_now(STARTED)
    wf = workflow_from_bpmn(fixture_bytes(FIXTURE))
    run_engine(wf)
    [timer] = waiting_timers(wf)
    # The real clock is months past that moment; the timer waits for the settable one.
    assert (timer.task_spec, timer.due_at) == ("Timer_four_working_hours", DUE)
    assert wf.last_task.data["reply_by"] == "2026-03-25T09:00:00+03:30"
    assert wf.last_task.data["hours_to_reply"] == 4.0
    clock.set_now(DUE - timedelta(seconds=1))
    run_engine(wf)
    assert ready_task_ids(wf) == []
    clock.set_now(DUE)
    clock.advance(seconds=1)
    run_engine(wf)
    assert ready_task_ids(wf) == ["Task_after_timer"]


def test_states_in_spiffworkflows_full_format_keep_the_clock_timers():
    from engine.spiff.workflows import _serializer  # the format of states stored before specs were left out
    clock.set_now(STARTED)
    wf = workflow_from_bpmn(fixture_bytes(FIXTURE))
    run_engine(wf)
    state = _serializer.serialize_json(wf)
    assert '"typename": "TimeDateEventDefinition"' in state  # SpiffWorkflow's own type name
    again = load_workflow(state)
    assert waiting_timers(again)[0].due_at == DUE
    clock.set_now(DUE + timedelta(seconds=1))
    run_engine(again)
    assert ready_task_ids(again) == ["Task_after_timer"]


def test_duration_and_cycle_timers_also_run_on_the_settable_clock():
    boundary = fixture_bytes("timer_boundary_noninterrupting.bpmn")  # "PT1S" on Task_work
    cycle = boundary.replace(
        b'<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT1S"</bpmn:timeDuration>',
        b'<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">"R2/PT1H"</bpmn:timeCycle>')
    clock.set_now(STARTED)
    start_utc = STARTED.astimezone(timezone.utc).replace(tzinfo=None)
    duration = workflow_from_bpmn(boundary)
    run_engine(duration)
    assert waiting_timers(duration)[0].due_at == start_utc + timedelta(seconds=1)
    repeating = workflow_from_bpmn(cycle)
    run_engine(repeating)
    assert waiting_timers(repeating)[0].due_at == start_utc + timedelta(hours=1)
    clock.advance(minutes=59)
    run_engine(repeating)
    assert ready_task_ids(repeating) == ["Task_work"]
    clock.advance(minutes=1, seconds=1)
    run_engine(repeating)
    assert ready_task_ids(repeating) == ["Task_escalation", "Task_work"]
    clock.advance(hours=1)
    run_engine(repeating)
    assert ready_task_ids(repeating) == ["Task_escalation", "Task_escalation", "Task_work"]


def test_a_due_property_that_is_not_a_number_is_refused_at_deploy():
    xml = fixture_bytes(FIXTURE).replace(b'name="dueInWorkingHours" value="2"',
                                         b'name="dueInWorkingHours" value="two"')
    with pytest.raises(BpmnValidationError, match="dueInWorkingHours must be a number"):
        parse_definition(xml)


# ---------------------------------------------------------------- with the database

def start(db, district="d1"):
    instance = runtime.start_instance(db, "t_working_hours", user(db, "pr_expert_d1" if district == "d1"
                                                                 else "pr_expert_d2"),
                                      district_id(db, district))
    db.commit()
    return instance


def test_the_scheduler_fires_the_timer_only_after_the_clock_passes_its_working_time_due_date(app, db):
    deploy(app, FIXTURE)
    sessions = app.extensions["db_sessions"]
    clock.set_now(STARTED)
    instance = start(db)
    [timer] = timer_rows(db, instance.id)
    assert (timer.status, timer.due_at) == ("waiting", DUE)
    db.rollback()  # on SQLite every transaction holds the write lock: let the scheduler in

    clock.set_now(DUE - timedelta(minutes=1))
    assert fire_due_timers(sessions) == 0
    assert ready_specs(db, instance.id) == []
    db.rollback()

    clock.set_now(DUE)
    assert fire_due_timers(sessions) == 1
    task = ready_task(db, instance.id, "Task_after_timer")
    assert task.created_at == DUE
    assert task.due_at == datetime(2026, 3, 25, 7, 30)  # dueInWorkingHours 2: 11:00 Tehran


def test_a_districts_closure_moves_the_due_date_of_its_instances_only(app, db):
    deploy(app, FIXTURE)
    calendar_store.add_entry(db, user(db, "admin"), "۱۴۰۵/۰۱/۰۵", "closure", note="آلودگی هوا",
                             district_id=district_id(db, "d1"))
    db.commit()
    clock.set_now(STARTED)
    in_d1, in_d2 = start(db, "d1"), start(db, "d2")
    # District 1 is closed on Wednesday 01/05: the remaining 1.5 h are on Saturday 01/08.
    assert [t.due_at for t in timer_rows(db, in_d1.id)] == [datetime(2026, 3, 28, 5, 30)]
    assert [t.due_at for t in timer_rows(db, in_d2.id)] == [DUE]
