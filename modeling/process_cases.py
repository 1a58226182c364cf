"""BPMN unit tests of the processes: cases kept next to the diagrams, run through the trial
runner (engine.trial: the real parser, sandbox, helpers and form validation, no database).

A case file is processes/tests/<process key>.json:

    {"process": "news", "now": "2026-12-06T08:00:00+00:00",
     "cases": [{"name": "a story is prepared and published",
                "start": {... start data ...},
                "steps": [{"task": "Task_prepare_news", "answers": {... form answers ...}},
                          {"timer": "Timer_reminder"}],
                "expect": {"path": ["StartEvent_news_event", "Task_prepare_news", ...],
                           "visited": ["Task_review_news"], "not_visited": ["Task_rework"],
                           "status": "waiting", "open_tasks": ["Task_review_news"],
                           "data": {"approved": true}}}]}

`now` (of the file, or of a case) is the moment the case runs at (the application's clock, for
this run only), so that dates in answers and timers stay valid. `steps` go in order: a task's answers are validated against its form, a timer is fired now.
`expect.path` is the completed element ids in order (exactly), `visited` / `not_visited` sets,
`status` waiting | completed | error, `open_tasks` the user tasks open at the end (sorted), and
`data` a subset of the final data. `flask processes test [key]` and
tests/engine/test_process_cases.py run them; every diagram in processes/ must have a case.
"""
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from models import clock

from engine.trial import Trial, TrialSetup, complete_trial_task, fire_trial_timer, start_trial
from modeling.decisions import shipped_tables

PROCESSES_DIR = Path(__file__).resolve().parent.parent / "processes"
CASES_DIR = PROCESSES_DIR / "tests"
DEFAULT_NOW = "2026-12-06T08:00:00+00:00"


@dataclass
class ProcessCase:
    process_key: str
    name: str
    case: dict
    now: str = DEFAULT_NOW

    @property
    def label(self) -> str:
        return f"{self.process_key}: {self.name}"


def diagram_keys(processes_dir: Path = PROCESSES_DIR) -> list[str]:
    """The process keys of the diagrams in processes/ (their file names)."""
    return sorted(path.stem for path in processes_dir.glob("*.bpmn"))


def load_cases(key: str | None = None, cases_dir: Path = CASES_DIR) -> list[ProcessCase]:
    """Every case of every case file (or of one process), in file order."""
    out = []
    for path in sorted(cases_dir.glob("*.json")):
        if key is not None and path.stem != key:
            continue
        content = json.loads(path.read_text(encoding="utf-8"))
        for index, case in enumerate(content.get("cases", [])):
            out.append(ProcessCase(content.get("process", path.stem),
                                   case.get("name") or f"case {index + 1}", case,
                                   case.get("now") or content.get("now") or DEFAULT_NOW))
    return out


def keys_without_cases(processes_dir: Path = PROCESSES_DIR, cases_dir: Path = CASES_DIR) -> list[str]:
    """Diagrams in processes/ with no case."""
    covered = {case.process_key for case in load_cases(cases_dir=cases_dir)}
    return [key for key in diagram_keys(processes_dir) if key not in covered]


def run_case(case: ProcessCase, setup: TrialSetup | None = None,
             processes_dir: Path = PROCESSES_DIR) -> tuple[Trial, list[str]]:
    """Run one case; return the trial where it ended and what differed from its expectations
    (empty: it passed)."""
    setup = setup or TrialSetup(decisions=shipped_tables())
    xml = (processes_dir / f"{case.process_key}.bpmn").read_bytes()
    with clock.context_moments() as set_moment:  # this run only: other threads keep their time
        set_moment(datetime.fromisoformat(case.now))
        return _run_case(case, setup, xml)


def _run_case(case: ProcessCase, setup: TrialSetup, xml: bytes) -> tuple[Trial, list[str]]:
    trial = start_trial(setup, xml, case.case.get("start") or {})
    for number, step in enumerate(case.case.get("steps", []), start=1):
        if trial.status != "waiting":
            return trial, [f"step {number}: the trial is {trial.status} ({_problem(trial)})"]
        if "task" in step:
            task = trial.task(step["task"])
            trial = complete_trial_task(setup, xml, trial.state_json, trial.steps, task.id,
                                        step.get("answers") or {})
        elif "timer" in step:
            timer = next((t for t in trial.timers if t.element_id == step["timer"]), None)
            if timer is None:
                return trial, [f"step {number}: no timer {step['timer']} waits"]
            trial = fire_trial_timer(setup, xml, trial.state_json, trial.steps, timer.id)
        else:
            return trial, [f"step {number}: name a task or a timer"]
    return trial, differences(trial, case.case.get("expect") or {})


def _problem(trial: Trial) -> str:
    return f"{trial.problem.element_id}: {trial.problem.message}" if trial.problem else "no problem"


def differences(trial: Trial, expect: dict) -> list[str]:
    """What about the trial differs from the expectations."""
    out = []
    if "status" in expect and trial.status != expect["status"]:
        out.append(f"status {trial.status} ({_problem(trial)}), expected {expect['status']}")
    if "path" in expect and trial.path != expect["path"]:
        out.append(f"path {trial.path}, expected {expect['path']}")
    missing = [e for e in expect.get("visited", []) if e not in trial.path]
    if missing:
        out.append(f"not visited: {missing}")
    extra = [e for e in expect.get("not_visited", []) if e in trial.path]
    if extra:
        out.append(f"visited, though it should not be: {extra}")
    if "open_tasks" in expect:
        open_now = sorted(t.element_id for t in trial.tasks)
        if open_now != sorted(expect["open_tasks"]):
            out.append(f"open tasks {open_now}, expected {sorted(expect['open_tasks'])}")
    for key, value in (expect.get("data") or {}).items():
        if trial.data.get(key) != value:
            out.append(f"data {key} = {trial.data.get(key)!r}, expected {value!r}")
    return out
