"""Trying a draft in the studio ("Try it") and running a process's unit cases: a workflow from
a diagram's XML, run in memory with the real engine's parts, step by step.

The diagram is parsed by the deploy parser (with the deploy-time code check, so the sandbox
refuses hostile code as usual), runs with the Engine's sandboxed script engine, its helpers
(the programmes' script_helpers too) and a working calendar; a completed task's answers are
validated against its form as a real completion's are (formjs). Nothing touches a database:
no instance, task, timer, event or outbox row, and no hook of a step runs (no notices). The
caller keeps the state between steps (the studio: a signed token in the browser).

Every step returns a Trial: the open user tasks with their forms, the waiting timers (which
the caller may fire now), the path taken (completed element ids in order, and counts), the
data, and a problem pinned on its element when a script or expression failed. A trial spends
at most `budget` engine steps in all, so a diagram looping without a waiting task stops with
a problem instead of spinning.
"""
import json
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field

from engine.core import Engine
from engine.decisions.runner import deciding_with, shipped_tables
from engine.decisions.store import newest_tables
from engine.problems.explain import explain_exception
from engine.spiff import trial_run
from engine.spiff.data_bounds import DataTooLarge
from engine.spiff.parsing import parse_definition
from engine.spiff.ready_tasks import ready_human_tasks
from engine.spiff.workflow_tasks import find_task, waiting_timers
from engine.spiff.workflows import current_data
from formjs.forms import FormNotFound, load_form, readonly_fields, validate_submission
from models.errors import BpmnValidationError, InvalidData
from models.messages import Message
from workcal.jalali import local_today
from workcal.store import using_calendar

DEFAULT_BUDGET = 500  # engine steps a whole trial may spend (real procedures need tens)


class TrialRefused(InvalidData):
    """A trial step that cannot be taken (no such task or timer, another diagram, no budget)."""


@dataclass
class TrialTask:
    """A user or manual task the trial waits on, with its form (None: a task without one)."""
    id: str
    element_id: str
    name: str
    form_key: str | None
    schema: dict | None
    data: dict


@dataclass
class TrialTimer:
    id: str
    element_id: str
    due_at: str  # ISO, UTC


@dataclass
class TrialProblem:
    """What failed, on its element: the message is a models.messages.Message (English, said in
    the page's language by the web layer)."""
    element_id: str | None
    message: str


@dataclass
class Trial:
    """Where a trial stands after a step. status: waiting | completed | error."""
    state_json: str | None
    status: str
    steps: int
    tasks: list[TrialTask] = field(default_factory=list)
    timers: list[TrialTimer] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    problem: TrialProblem | None = None

    @property
    def counts(self) -> dict[str, int]:
        """How many times each element completed."""
        return dict(Counter(self.path))

    def task(self, element_id: str) -> TrialTask:
        """The one open task of this element; TrialRefused when none or several are open."""
        found = [t for t in self.tasks if t.element_id == element_id]
        if len(found) != 1:
            raise TrialRefused("No task {element} is open in this trial.", element=element_id)
        return found[0]


@dataclass
class TrialSetup:
    """What a trial runs with: the Engine (sandbox, helpers), the working calendar, where forms
    come from (a session reads those saved in the form editor; None: the files), the budget."""
    engine: Engine = field(default_factory=Engine)
    calendar: object = None
    session: object = None
    budget: int = DEFAULT_BUDGET
    locale: str = "fa"
    # decision id -> table (engine.decisions.tables) its businessRuleTasks decide with; None:
    # the newest deployed versions (with a session).
    decisions: dict | None = None

    def calendar_now(self):
        return self.calendar if self.calendar is not None else self.engine.calendars.calendar()


def _deciding(setup: TrialSetup):
    """The decision tables a trial's business-rule tasks use."""
    if setup.decisions is not None:
        return deciding_with(setup.decisions)
    if setup.session is not None:  # the deployed tables, and the shipped ones not deployed yet
        return deciding_with({**shipped_tables(), **newest_tables(setup.session)})
    return nullcontext()  # the shipped tables (engine.decisions.runner's fallback)


def parse_draft(xml: bytes | str, session=None):
    """The draft checked as at deploy (lanes aside: a trial is played by one person);
    BpmnValidationError with every problem otherwise."""
    return parse_definition(xml, check_forms=True, check_code=True, session=session,
                            check_lanes=False)


def start_trial(setup: TrialSetup, xml: bytes | str, data: dict | None = None) -> Trial:
    """Start a trial of a diagram with start data and run it to its first wait.
    BpmnValidationError if the diagram would be refused at deploy; InvalidData for bad data."""
    if data is not None and not isinstance(data, dict):
        raise InvalidData("data must be an object.", {"data": "must be an object"})
    _check_bounds(setup, data or {})
    parsed = parse_draft(xml, setup.session)
    workflow = trial_run.new_trial_workflow(parsed, setup.engine.script_engine(), data)
    return _advance(setup, workflow, parsed, spent=0, previous=None)


def complete_trial_task(setup: TrialSetup, xml: bytes | str, state_json: str, spent: int,
                        task_id: str, answers: dict | None) -> Trial:
    """Complete one open task of a trial with answers checked against its form, then run on."""
    parsed, workflow = _resume(setup, xml, state_json)
    task = next((t for t in ready_human_tasks(workflow) if t.spiff_task_id == task_id), None)
    if task is None:
        raise TrialRefused("This task is not open in this trial.")
    clean = check_answers(setup, task.form_key, answers, find_task(workflow, task_id).data)
    with using_calendar(setup.calendar_now()), _deciding(setup):  # its post-script's
        try:
            trial_run.run_human_task(workflow, task_id, clean)
        except Exception as exc:  # noqa: BLE001 - a failing post-script: a problem, not a crash
            return _failed(parsed.xml, exc, state_json, spent, workflow)
    return _advance(setup, workflow, parsed, spent + 1, previous=state_json)


def fire_trial_timer(setup: TrialSetup, xml: bytes | str, state_json: str, spent: int,
                     timer_id: str) -> Trial:
    """Fire one waiting timer of a trial now, whatever its due moment, and run on."""
    parsed, workflow = _resume(setup, xml, state_json)
    if not trial_run.fire_timer_now(workflow, timer_id):
        raise TrialRefused("This timer is not waiting in this trial.")
    return _advance(setup, workflow, parsed, spent, previous=state_json)


def check_answers(setup: TrialSetup, form_key: str | None, answers, context=None) -> dict:
    """A task's answers typed and checked against its form (formjs), as a real completion's;
    InvalidData with per-field messages. A task without a form takes no data. context: the
    task's data, where a choice whose options the server gives (valuesKey) finds them (in a
    trial, from the start data: no programme computes them)."""
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise InvalidData("data must be an object.", {"data": "must be an object"})
    _check_bounds(setup, answers)
    if not form_key:
        return {}
    schema = _schema(setup, form_key)
    if schema is None:
        raise InvalidData("The form {form} of this task is missing.", form=form_key)
    clean, errors = validate_submission(readonly_fields(schema, ()), answers, locale=setup.locale,
                                        context=dict(context or {}),
                                        today=local_today(setup.calendar_now().tz))
    if errors:
        raise InvalidData("Some fields are not valid.", errors)
    return clean


def _check_bounds(setup: TrialSetup, data) -> None:
    try:
        setup.engine.check_data(data)
    except DataTooLarge:
        raise InvalidData("The submitted data is too large or nests too deeply.",
                          {"data": "too large"}) from None


def _schema(setup: TrialSetup, form_key: str) -> dict | None:
    try:
        return load_form(form_key, session=setup.session)
    except (FormNotFound, ValueError):
        return None


def _resume(setup: TrialSetup, xml, state_json):
    """The parsed draft and the trial's workflow; TrialRefused when the state belongs to
    another diagram (the draft was changed since the trial started) or cannot be read."""
    parsed = parse_draft(xml, setup.session)
    if not isinstance(state_json, str) or trial_run.state_specs_sha256(state_json) != parsed.content_sha256:
        raise TrialRefused("The diagram changed since this trial started; start the trial again.")
    try:
        workflow = trial_run.load_trial_state(state_json, parsed, setup.engine.script_engine())
    except Exception:  # noqa: BLE001 - a state from elsewhere: refused, never a crash
        raise TrialRefused("The diagram changed since this trial started; start the trial again.") from None
    return parsed, workflow


def _advance(setup: TrialSetup, workflow, parsed, spent: int, previous: str | None) -> Trial:
    """Run to the next wait within the budget and describe where the trial stands."""
    left = setup.budget - spent
    with using_calendar(setup.calendar_now()), _deciding(setup):
        try:
            if left <= 0:
                raise trial_run.TrialBudgetSpent(setup.budget)
            spent += trial_run.run_within(workflow, left)
            return _described(setup, workflow, parsed, spent)
        except trial_run.TrialBudgetSpent:
            problem = TrialProblem(None, Message(
                "The trial stopped after {steps} engine steps without waiting for a person: "
                "the diagram may loop without end.", steps=setup.budget))
            return _stopped(workflow, previous, spent, problem)
        except Exception as exc:  # noqa: BLE001 - any failure of the diagram's code is shown
            return _failed(parsed.xml, exc, previous, spent, workflow)


def _described(setup: TrialSetup, workflow, parsed, spent: int) -> Trial:
    tasks = []
    for task in ready_human_tasks(workflow):
        data = find_task(workflow, task.spiff_task_id).data
        tasks.append(TrialTask(task.spiff_task_id, task.task_spec, task.name, task.form_key,
                               _schema(setup, task.form_key) if task.form_key else None,
                               json.loads(json.dumps(dict(data), default=str))))
    timers = [TrialTimer(t.spiff_task_id, t.task_spec, t.due_at.isoformat() + "Z")
              for t in waiting_timers(workflow)]
    return Trial(state_json=trial_run.dump_trial_state(workflow, parsed),
                 status="completed" if workflow.is_completed() else "waiting", steps=spent,
                 tasks=tasks, timers=timers, path=trial_run.path_taken(workflow),
                 data=current_data(workflow))


def _stopped(workflow, previous: str | None, spent: int, problem: TrialProblem) -> Trial:
    """A step that failed: the state stays as it was before it (the step can be taken again
    with other answers), the path shows how far the failed run got."""
    try:
        path, data = trial_run.path_taken(workflow), current_data(workflow)
    except Exception:  # noqa: BLE001 - a half-run workflow may not describe itself
        path, data = [], {}
    return Trial(state_json=previous, status="error", steps=spent, path=path, data=data,
                 problem=problem)


def _failed(xml: str, exc: BaseException, previous: str | None, spent: int, workflow) -> Trial:
    explained = explain_exception(exc, xml)
    first = explained[0] if explained else None
    element_id = (first.element_id if first is not None else None) or trial_run.failed_element(exc)
    message = first.message if first is not None else Message(
        "The diagram failed while running: {detail}", detail=str(exc))
    return _stopped(workflow, previous, spent, TrialProblem(element_id, message))


__all__ = ["DEFAULT_BUDGET", "BpmnValidationError", "Trial", "TrialProblem", "TrialRefused",
           "TrialSetup", "TrialTask", "TrialTimer", "check_answers", "complete_trial_task",
           "fire_trial_timer", "parse_draft", "start_trial"]
