"""Parallel joins after branches that finish at different engine runs.

A parallelGateway with several incoming flows fires once every incoming flow has brought a
token, whatever run of the engine brought it: here one branch reaches the join early and
waits there while the other branch still has a user task open, and that task carries a
non-interrupting timer boundary event that fires in between (its path ends at its own end
event, or reaches a user task of its own). The engine runs as production runs it
(run_engine prunes the finished history after each run), once in memory and once through the
stored state (dump_workflow / load_workflow) between every step, and the instance must
complete.

The branches after the first to arrive are what pruning must not lose: when a second branch
reaches the join while the first one waits there, SpiffWorkflow cancels the first join task but
keeps counting its branch as arrived (engine.spiff.pruning._pending_join_tokens).
"""
from datetime import datetime, timedelta

import pytest

from engine.spiff import workflows
from engine.harness import complete_ready_task, ready_task_ids, workflow_from_bpmn
from engine.spiff.workflow_tasks import completed_elements, waiting_timers
from engine.spiff.workflows import current_data, dump_workflow, load_workflow, run_engine
from models import clock

START = datetime(2026, 3, 1, 8, 0)
TIMER = timedelta(hours=1)  # every fixture's boundary timer: "PT1H"


class Instance:
    """One instance driven step by step, optionally through its stored state after each step."""

    def __init__(self, xml: bytes, *, stored: bool, data: dict | None = None):
        self.stored = stored
        self.workflow = workflow_from_bpmn(xml, data)
        run_engine(self.workflow)
        self._store()

    def _store(self):
        if self.stored:
            self.workflow = load_workflow(dump_workflow(self.workflow))

    def complete(self, bpmn_id: str, data: dict | None = None):
        complete_ready_task(self.workflow, bpmn_id, data)
        self._store()

    def pass_time(self, delta: timedelta):
        clock.advance(delta)
        run_engine(self.workflow)
        self._store()

    @property
    def ready(self) -> list[str]:
        return ready_task_ids(self.workflow)

    @property
    def timers(self) -> list[str]:
        return sorted(t.task_spec for t in waiting_timers(self.workflow))

    @property
    def done(self) -> bool:
        return self.workflow.is_completed()


@pytest.fixture(params=["in memory", "stored between steps"])
def start(request, fixture_bytes):
    clock.set_now(START)

    def start(name: str, data: dict | None = None) -> Instance:
        return Instance(fixture_bytes(name), stored=request.param == "stored between steps",
                        data=data)
    return start


@pytest.fixture
def without_pruning(monkeypatch):
    """The engine on the full task tree, as before prune_history existed."""
    monkeypatch.setattr(workflows, "prune_history", lambda workflow: 0)


# ---------------------------------------------------------------- plain user-task branches

@pytest.mark.parametrize("first, second", [("Task_a", "Task_b"), ("Task_b", "Task_a")])
def test_two_user_task_branches_completed_in_different_steps_join_and_complete(start, first, second):
    instance = start("parallel_join_two_tasks.bpmn")
    assert instance.ready == ["Task_a", "Task_b"]

    instance.complete(first, {first: 1})
    assert instance.ready == [second]
    assert not instance.done

    instance.complete(second, {second: 2})
    assert instance.done
    assert completed_elements(instance.workflow)["Join"] == 1
    assert current_data(instance.workflow) == {"Task_a": 1, "Task_b": 2} | {first: 1, second: 2}


# ---------------------------------------------------------------- a reminder timer to an end event

def test_join_fires_after_a_reminder_timer_fired_on_the_branch_still_open(start):
    instance = start("parallel_join_timer_to_end.bpmn")
    assert instance.ready == ["Task_a", "Task_b"]
    assert instance.timers == ["Deadline"]

    instance.complete("Task_a", {"a": 1})  # branch a waits at the join
    instance.pass_time(TIMER + timedelta(minutes=1))  # the reminder fires and ends at once
    assert instance.ready == ["Task_b"]
    assert instance.timers == []  # a duration timer fires once
    assert not instance.done

    instance.complete("Task_b", {"b": 2})
    assert instance.done
    counts = completed_elements(instance.workflow)
    assert counts["Deadline"] == 1 and counts["End_reminded"] == 1
    assert counts["Join"] == 1 and counts["EndEvent_1"] == 1


def test_join_fires_when_the_reminder_fired_before_the_other_branch_reached_it(start):
    instance = start("parallel_join_timer_to_end.bpmn")
    instance.pass_time(TIMER + timedelta(minutes=1))
    instance.complete("Task_a", {"a": 1})
    assert instance.ready == ["Task_b"]
    instance.complete("Task_b", {"b": 2})
    assert instance.done


def test_join_fires_when_the_timed_branch_reaches_the_join_first(start):
    instance = start("parallel_join_timer_to_end.bpmn")
    instance.pass_time(TIMER + timedelta(minutes=1))
    instance.complete("Task_b", {"b": 2})
    assert instance.ready == ["Task_a"]
    assert not instance.done
    instance.complete("Task_a", {"a": 1})
    assert instance.done


# ---------------------------------------------------------------- an escalation timer to a user task

@pytest.mark.parametrize("escalation_first", [True, False],
                         ids=["escalation done first", "escalation done last"])
def test_join_fires_after_an_escalation_path_with_its_own_user_task(start, escalation_first):
    instance = start("parallel_join_timer_to_task.bpmn")
    instance.complete("Task_a", {"a": 1})  # branch a waits at the join
    instance.pass_time(TIMER + timedelta(minutes=1))
    assert instance.ready == ["Task_b", "Task_escalation"]

    if escalation_first:
        instance.complete("Task_escalation", {"escalated": True})
        assert instance.ready == ["Task_b"]
    instance.complete("Task_b", {"b": 2})
    assert "Task_after_join" in instance.ready  # the join fired
    if not escalation_first:
        assert instance.ready == ["Task_after_join", "Task_escalation"]
        instance.complete("Task_escalation", {"escalated": True})
    assert instance.ready == ["Task_after_join"]
    instance.complete("Task_after_join", {"c": 3})
    assert instance.done
    counts = completed_elements(instance.workflow)
    assert counts["Join"] == 1 and counts["EndEvent_1"] == 1 and counts["End_escalated"] == 1


# ---------------------------------------------------------------- a loop before the join

def test_join_fires_after_a_loop_whose_task_has_a_reminder_timer(start):
    instance = start("parallel_join_loop_timer.bpmn")
    instance.complete("Task_a", {"a": 1})  # branch a waits at the join
    for n in range(3):
        instance.pass_time(TIMER + timedelta(minutes=1))  # each pass's reminder fires
        assert instance.ready == ["Task_b"]
        instance.complete("Task_b", {"again": True, "n": n})
        assert not instance.done
        assert instance.timers == ["Deadline"]  # the new pass has its own reminder
    instance.complete("Task_b", {"again": False, "n": 3})
    assert instance.done
    counts = completed_elements(instance.workflow)
    assert counts["Task_b"] == 4 and counts["Deadline"] == 3 and counts["Join"] == 1


def test_join_fires_after_a_loop_when_the_looping_branch_finishes_first(start):
    instance = start("parallel_join_loop_timer.bpmn")
    for n in range(3):
        instance.pass_time(TIMER + timedelta(minutes=1))
        instance.complete("Task_b", {"again": n < 2, "n": n})
    assert instance.ready == ["Task_a"]
    instance.complete("Task_a", {"a": 1})
    assert instance.done


# ---------------------------------------------------------------- three branches arriving one by one

THREE_BRANCH_RUNS = {
    # Script_c reaches the join in the first run, Task_a's branch next: its join task cancels
    # the one Script_c's branch waits in, which must still count when Task_b's branch arrives.
    "no timer": ["Task_a", "Task_b", "Task_b_check"],
    "timer after the first branch waits": ["Task_a", "timer", "Task_b", "Task_escalation",
                                           "Task_b_check"],
    "escalation done before the timed task": ["timer", "Task_escalation", "Task_b", "Task_a",
                                              "Task_b_check"],
    "user branch arrives last": ["timer", "Task_b", "Task_b_check", "Task_escalation", "Task_a"],
}


def _play_three_branches(instance: Instance, steps: list[str]) -> Instance:
    for step in steps:
        assert not instance.done, step
        if step == "timer":
            instance.pass_time(TIMER + timedelta(minutes=1))
        else:
            instance.complete(step, {step: True})
    return instance


@pytest.mark.parametrize("run", sorted(THREE_BRANCH_RUNS))
def test_a_branch_waiting_at_the_join_before_another_arrived_still_counts(start, run):
    instance = start("parallel_join_three_branches.bpmn")
    assert instance.ready == ["Task_a", "Task_b"]  # Script_c's branch already waits at the join
    _play_three_branches(instance, THREE_BRANCH_RUNS[run])
    assert instance.ready == []
    assert instance.done
    counts = completed_elements(instance.workflow)
    assert counts["Join"] == 1 and counts["EndEvent_1"] == 1
    # the join merged the data of every branch, the first to arrive included
    data = current_data(instance.workflow)
    assert data["branch_c"] == "script" and data["Task_a"] and data["Task_b_check"]


def test_the_three_branch_join_ends_as_it_does_without_pruning(fixture_bytes, monkeypatch):
    def play():
        clock.set_now(START)
        instance = Instance(fixture_bytes("parallel_join_three_branches.bpmn"), stored=True)
        _play_three_branches(instance, THREE_BRANCH_RUNS["timer after the first branch waits"])
        return instance.done, completed_elements(instance.workflow), current_data(instance.workflow)

    pruned = play()
    monkeypatch.setattr(workflows, "prune_history", lambda workflow: 0)
    assert pruned == play()
    assert pruned[0]


def test_a_pruned_tree_drops_the_cancelled_join_tasks_once_the_join_fired(start):
    instance = start("parallel_join_three_branches.bpmn")
    _play_three_branches(instance, ["Task_a", "timer", "Task_b"])
    joins = [t for t in instance.workflow.tasks.values() if t.task_spec.name == "Join"]
    assert len(joins) == 3  # Script_c's (cancelled), Task_a's (waiting), Task_b_check's (predicted)
    _play_three_branches(instance, ["Task_escalation", "Task_b_check"])
    assert instance.done
    assert not [t for t in instance.workflow.tasks.values() if t.task_spec.name == "Join"]


# ---------------------------------------------------------------- the parallel block in a loop, in a sub-process

def test_a_parallel_block_in_a_loop_joins_every_branch_on_every_pass(start):
    instance = start("parallel_join_in_loop.bpmn")
    for n in range(3):
        assert instance.ready == ["Task_a", "Task_b"]
        instance.pass_time(TIMER + timedelta(minutes=1))
        instance.complete("Task_b", {"n": n})
        # the join waits for this pass's Task_a, not a token left from an earlier pass
        assert instance.ready == ["Task_a", "Task_escalation"]
        instance.complete("Task_escalation")
        instance.complete("Task_a")
        assert instance.ready == ["Task_after_join"]
        instance.complete("Task_after_join", {"again": n < 2})
    assert instance.done
    counts = completed_elements(instance.workflow)
    assert counts["Join"] == 3 and counts["Task_escalation"] == 3 and counts["EndEvent_1"] == 1


def test_a_parallel_join_in_a_sub_process_fires_after_the_escalation_timer(start):
    instance = start("parallel_join_in_subprocess.bpmn")
    instance.complete("Task_a")
    instance.pass_time(TIMER + timedelta(minutes=1))
    assert instance.ready == ["Task_b", "Task_escalation"]
    instance.complete("Task_b")
    instance.complete("Task_escalation")
    assert instance.ready == ["Task_after_join"]
    instance.complete("Task_after_join")
    assert instance.ready == ["Task_after_sub"]
    instance.complete("Task_after_sub")
    assert instance.done


# ---------------------------------------------------------------- the same as on the full tree

def test_the_escalation_scenario_ends_as_it_does_without_pruning(fixture_bytes, monkeypatch):
    def play():
        clock.set_now(START)
        instance = Instance(fixture_bytes("parallel_join_timer_to_task.bpmn"), stored=True)
        instance.complete("Task_a", {"a": 1})
        instance.pass_time(TIMER + timedelta(minutes=1))
        instance.complete("Task_b", {"b": 2})
        instance.complete("Task_escalation", {"escalated": True})
        instance.complete("Task_after_join", {"c": 3})
        return instance.done, completed_elements(instance.workflow), current_data(instance.workflow)

    pruned = play()
    monkeypatch.setattr(workflows, "prune_history", lambda workflow: 0)
    assert pruned == play()
    assert pruned[0]
