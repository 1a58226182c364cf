"""Trying a diagram from another tool without deploying it: does SpiffWorkflow load it, does it run?

Used by scripts/corpus_report.py (docs/CORPUS.md), and by the studio's trial runs
(engine/trial.py); kept here because only engine/ touches SpiffWorkflow.
"""
import json

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.spiff.parsing import CityBpmnParser
from engine.spiff.sandbox import SandboxScriptEngine
from engine.spiff.workflow_tasks import find_ready_task, make_timers_due, waiting_timers
from engine.spiff.workflows import (SPEC_SHA256_KEY, dump_workflow, load_with_specs,
                                    ready_human_tasks, run_engine)


def spiff_loads(tree) -> None:
    """Raise what SpiffWorkflow's parser raises on a parsed BPMN tree (nothing when it loads)."""
    CityBpmnParser(validator=None).add_bpmn_xml(tree.getroot(), filename=None)


def run_with_empty_data(parsed, max_rounds: int = 50) -> None:
    """Start an instance of a parsed definition and run it, completing user/manual tasks with
    empty data, until it waits for something else or ends; raise what it raises."""
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SandboxScriptEngine())
    run_engine(workflow)
    for _ in range(max_rounds):
        ready = ready_human_tasks(workflow)
        if not ready:
            break
        find_ready_task(workflow, ready[0].spiff_task_id).run()
        run_engine(workflow)


# ---------------------------------------------------------------- the studio's "Try it"
# (engine/trial.py): a draft run in memory, step by step, with a budget of engine steps and
# its full history kept (no pruning), so that the path taken can be drawn in order.

class TrialBudgetSpent(Exception):
    """A trial ran more engine steps than its budget allows (a loop without a waiting task)."""


def new_trial_workflow(parsed, script_engine, data: dict | None) -> BpmnWorkflow:
    """A fresh workflow of a parsed draft, with start data on its start task. Its specs are not
    put in the cache of deployed versions' specs (which is never emptied): every step of a
    trial parses the diagram again (dump_trial_state, load_trial_state)."""
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=script_engine)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data or {})
    return workflow


def dump_trial_state(workflow: BpmnWorkflow, parsed) -> str:
    """A trial's state as JSON, without its specs (named by the diagram's content hash)."""
    return dump_workflow(workflow, parsed.content_sha256)


def load_trial_state(state_json: str, parsed, script_engine) -> BpmnWorkflow:
    """A trial's workflow from its state and the diagram parsed again."""
    return load_with_specs(state_json, parsed.spec, parsed.subprocess_specs, script_engine)


def state_specs_sha256(state_json: str) -> str | None:
    """The content hash of the diagram a stored trial state belongs to."""
    try:
        return json.loads(state_json).get(SPEC_SHA256_KEY)
    except (ValueError, AttributeError):
        return None


def run_within(workflow: BpmnWorkflow, budget: int) -> int:
    """Run engine tasks until people must act (as run_engine, without pruning the history);
    return how many ran; TrialBudgetSpent past the budget."""
    steps = 0

    def count(_task):
        nonlocal steps
        steps += 1
        if steps > budget:
            raise TrialBudgetSpent(budget)

    workflow.refresh_timers()
    workflow.do_engine_steps(will_complete_task=count)
    return steps


def run_human_task(workflow: BpmnWorkflow, spiff_task_id: str, data: dict) -> bool:
    """Complete a ready user or manual task with data; False if no such task is ready."""
    task = find_ready_task(workflow, spiff_task_id)
    if task is None or not task.task_spec.manual:
        return False
    task.data.update(data)
    task.run()
    return True


def fire_timer_now(workflow: BpmnWorkflow, spiff_task_id: str) -> bool:
    """Let one waiting timer fire on the next run; False if no such timer waits."""
    if spiff_task_id not in {t.spiff_task_id for t in waiting_timers(workflow)}:
        return False
    make_timers_due(workflow, [spiff_task_id])
    return True


def path_taken(workflow: BpmnWorkflow) -> list[str]:
    """BPMN ids of the completed elements, in the order they completed (sub-processes too)."""
    done = []
    for index, task in enumerate(workflow.get_tasks(state=TaskState.COMPLETED)):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id:
            done.append((task.last_state_change, index, bpmn_id))
    return [bpmn_id for _when, _index, bpmn_id in sorted(done)]


def failed_element(exc: BaseException) -> str | None:
    """The BPMN id of the task a SpiffWorkflow error names, if any."""
    return getattr(getattr(getattr(exc, "task", None), "task_spec", None), "bpmn_id", None)
