"""Moving running instances of a process to a newer version of it.

How the workflow moves (SpiffWorkflow 3.2, SpiffWorkflow.bpmn.util.diff): each (sub-)workflow's
spec is compared with the new version's spec of the same name (SpecDiff: task specs aligned by
BPMN id, an unmatched one by its place between aligned neighbours). Every task of the state is
pointed at its aligned new spec; the ready and waiting tasks are then re-predicted from there
(their descendants, all predictions, are rebuilt on the new spec, so a task added after the
current one is reached). The task ids of the open tasks stay, so the task index and the timer
rows keep theirs; an open task keeps its data and internal data (a waiting timer keeps its due
moment, a message event what it waits for).

Refused (nothing changes, each reason is a Problem):
- another process, a version that is not newer, an instance that is not running;
- an open element (ready or waiting task, waiting timer or message event, the sub-process or
  call activity an open task sits in) that the new version lacks;
- a state SpiffWorkflow's alignment leaves with a task on the old spec (e.g. an element inside
  a multi-instance or a running sub-process whose next elements changed shape).

Finished tasks whose element the new version lacks: history is pruned first (engine.spiff.pruning, as
after every engine run); those still kept in the tree (the last completed task, the parent of
an open one) are dropped from it the same way pruning drops history: counted per element in
the root (completed_elements still counts every pass), their children hung from their parent,
the workflow's last task moved to the first kept child (it holds the same data). The events
keep the full history, as for pruning.

switch_version() is the one function that changes a workflow: the live migration and the
re-execution of an `instance_migrated` event (engine.replay.verify) both call it, then run the engine.
"""
import copy
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import SpecDiff
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import undefer

from models import Instance, ProcessVersion
from people.permissions import may

from models.errors import Conflict, Forbidden, NotFound, WorkflowError
from engine.events import append_event
from engine.spiff.pruning import PRUNED_COMPLETIONS, prune_history
from engine.runtime.steps import advance_instance, open_tasks
from engine.core import engine_of
from engine.spiff.workflows import _registry, ready_human_tasks, specs_for

_OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED | TaskState.ERROR

# The reasons, as English templates (the page translates them: app/studio/migration_views.py).
OTHER_PROCESS = "Version {version} belongs to the process {target_key}, not to {key}."
NOT_NEWER = "Version {version} is not newer than version {current}, which this instance runs."
NOT_RUNNING = "This instance is not running (it is {status})."
MISSING_TASK = "The open task {name} ({element}) does not exist in version {version}."
MISSING_TIMER = "The waiting timer {name} ({element}) does not exist in version {version}."
MISSING_MESSAGE = "The message wait {name} ({element}) does not exist in version {version}."
MISSING_CONTAINER = ("The sub-process {name} ({element}), which has open tasks, does not exist "
                     "in version {version}.")
LEFT_BEHIND = ("The element {name} ({element}) cannot be placed in version {version}: "
               "SpiffWorkflow cannot align this part of the state.")
UNREADABLE = "The stored state cannot be read: {error}"
TEMPLATES = (OTHER_PROCESS, NOT_NEWER, NOT_RUNNING, MISSING_TASK, MISSING_TIMER, MISSING_MESSAGE,
             MISSING_CONTAINER, LEFT_BEHIND, UNREADABLE)


@dataclass
class Problem:
    """Why an instance cannot move: the element (id and name) where known, and the reason."""
    template: str
    params: dict = field(default_factory=dict)
    element_id: str | None = None
    name: str | None = None

    @property
    def message(self) -> str:
        return self.template.format(**self.params)

    def __str__(self) -> str:
        return self.message


class MigrationRefused(Conflict):
    """An instance the check refuses; .problems says why (each names its element)."""

    def __init__(self, instance_id: int, version: int, problems: list[Problem]):
        super().__init__("This instance cannot move to version {version}: {problems}",
                         {"problems": [p.message for p in problems]}, version=version,
                         problems="; ".join(p.message for p in problems))
        self.instance_id, self.problems = instance_id, problems


# ---------------------------------------------------------------- the workflow itself

def _element(task) -> tuple[str, str]:
    spec = task.task_spec
    element = getattr(spec, "bpmn_id", None) or spec.name
    return element, getattr(spec, "bpmn_name", None) or element


def _problem(template: str, task, version) -> Problem:
    element, name = _element(task)
    return Problem(template, {"name": name, "element": element, "version": version.version},
                   element, name)


def _missing_template(workflow, task) -> str:
    definition = getattr(task.task_spec, "event_definition", None)
    if task.id in workflow.subprocesses:
        return MISSING_CONTAINER
    if isinstance(definition, TimerEventDefinition):
        return MISSING_TIMER
    if isinstance(definition, MessageEventDefinition):
        return MISSING_MESSAGE
    return MISSING_TASK


def _parts(workflow, spec, subprocess_specs) -> list[tuple[object, object]]:
    """(sub-)workflow, its spec in the new version (None: the new version lacks it)."""
    parts = [(workflow, spec)]
    for subprocess in workflow.subprocesses.values():
        parts.append((subprocess, subprocess_specs.get(subprocess.spec.name)))
    return parts


def _container(workflow, subprocess):
    try:
        return workflow.get_task_from_id(subprocess.parent_task_id)
    except Exception:  # noqa: BLE001 - Spiff raises its own TaskNotFoundException
        return None


def _open_problems(workflow, parts, alignments, version) -> list[Problem]:
    problems, named = [], set()
    for (part, new_spec), alignment in zip(parts, alignments):
        open_here = [t for t in part.tasks.values() if t.has_state(_OPEN)]
        if new_spec is None:
            # A sub-process the new version lacks: its container is the open element named.
            container = _container(workflow, part) if open_here else None
            if container is not None and container.id not in named:
                named.add(container.id)
                problems.append(_problem(MISSING_CONTAINER, container, version))
            continue
        for task in open_here:
            if alignment.get(task.task_spec) is None and task.id not in named:
                named.add(task.id)
                problems.append(_problem(_missing_template(workflow, task), task, version))
    return problems


def _drop_finished(top, part, task, counts: dict) -> None:
    """Take a finished task whose element vanished out of the tree (as pruning drops history)."""
    bpmn_id = getattr(task.task_spec, "bpmn_id", None)
    if bpmn_id and task.has_state(TaskState.COMPLETED):
        counts[bpmn_id] = counts.get(bpmn_id, 0) + 1
    parent = part.tasks.get(task._parent)
    children = list(task._children)
    if parent is not None:
        at = parent._children.index(task.id)
        parent._children[at:at + 1] = children
    for child_id in children:
        part.tasks[child_id]._parent = task._parent
    if task.id in top.subprocesses:  # a finished call activity or sub-process
        for done in top.subprocesses[task.id].get_tasks(state=TaskState.COMPLETED):
            done_id = getattr(done.task_spec, "bpmn_id", None)
            if done_id:
                counts[done_id] = counts.get(done_id, 0) + 1
        top.delete_subprocess(task)
    top.event_manager.remove_task(task)
    del part.tasks[task.id]
    if part.last_task is task:
        part.last_task = part.tasks[children[0]] if children else parent


def _reset_open(part) -> None:
    """Re-predict the open tasks of one (sub-)workflow on its new spec, keeping their data.

    SpiffWorkflow's migrate_workflow resets every ready and waiting task with its parent's data
    and empty internal data (a waiting timer would start again); this keeps both. A task with
    children that are already running or done (a multi-instance task, a waiting join's merged
    branches) is left alone: rebuilding it would lose them.
    """
    for task in list(part.get_tasks(state=TaskState.READY | TaskState.WAITING, skip_subprocesses=True)):
        if task.id not in part.tasks:
            continue
        if any(not child.has_state(TaskState.PREDICTED_MASK | TaskState.FUTURE) for child in task.children):
            continue
        data, internal = copy.deepcopy(task.data), copy.deepcopy(task.internal_data)
        state = task.state
        task.reset_branch(data)
        task.internal_data = internal
        if task.state != state and task.has_state(TaskState.FUTURE | TaskState.PREDICTED_MASK):
            task._set_state(state)


def switch_version(workflow, version) -> list[Problem]:
    """Move a workflow onto the specs of another version; the problems if it cannot.

    With problems the workflow may be half changed: the caller throws it away.
    """
    spec, subprocess_specs = specs_for(version)
    prune_history(workflow)
    parts = _parts(workflow, spec, subprocess_specs)
    alignments = [SpecDiff(_registry, part.spec, new_spec).alignment if new_spec is not None else {}
                  for part, new_spec in parts]
    problems = _open_problems(workflow, parts, alignments, version)
    if problems:
        return problems
    counts: dict[str, int] = {}
    for (part, new_spec), alignment in zip(parts, alignments):
        if new_spec is None:
            continue  # a finished sub-process the new version lacks: its container goes below
        for task in list(part.tasks.values()):
            if task.id not in part.tasks or task is part.task_tree:
                continue
            if alignment.get(task.task_spec) is None and task.has_state(_FINISHED):
                _drop_finished(workflow, part, task, counts)
    for part, new_spec in parts:
        if new_spec is None and part.parent_task_id in workflow.subprocesses:
            container = _container(workflow, part)
            if container is not None and container.has_state(_FINISHED):
                owner = next(p for p, _s in parts if container.id in p.tasks)
                _drop_finished(workflow, owner, container, counts)
    if counts:
        kept = workflow.task_tree.internal_data.setdefault(PRUNED_COMPLETIONS, {})
        for bpmn_id, n in counts.items():
            kept[bpmn_id] = kept.get(bpmn_id, 0) + n
    for (part, new_spec), alignment in zip(parts, alignments):
        if new_spec is None or not _alive(workflow, part):
            continue
        part.spec = new_spec
        for task in part.tasks.values():
            if alignment.get(task.task_spec) is not None:
                task.task_spec = alignment[task.task_spec]
    workflow.subprocess_specs = subprocess_specs
    for part, new_spec in parts:
        if new_spec is not None and _alive(workflow, part):
            _reset_open(part)
    return _left_behind(workflow, spec, subprocess_specs, version)


def _alive(workflow, part) -> bool:
    return part is workflow or any(part is sub for sub in workflow.subprocesses.values())


def _left_behind(workflow, spec, subprocess_specs, version) -> list[Problem]:
    """Tasks still on a spec object of the old version (the state could not be stored)."""
    problems = []
    for part, new_spec in _parts(workflow, spec, subprocess_specs):
        for task in part.tasks.values():
            if new_spec is None or new_spec.task_specs.get(task.task_spec.name) is not task.task_spec:
                problems.append(_problem(LEFT_BEHIND, task, version))
    return problems


# ---------------------------------------------------------------- instances

def _require_migrator(user) -> None:
    if user is None or not may(user, "migrate_instances"):
        raise Forbidden("Only a process owner may move instances to another version.")


def _basic_problems(instance: Instance, target: ProcessVersion) -> list[Problem]:
    problems = []
    if target.process_key != instance.process_key:
        problems.append(Problem(OTHER_PROCESS, {"version": target.version, "target_key": target.process_key,
                                                "key": instance.process_key}))
    elif target.version <= instance.version.version:
        problems.append(Problem(NOT_NEWER, {"version": target.version,
                                            "current": instance.version.version}))
    if instance.status != "running":
        problems.append(Problem(NOT_RUNNING, {"status": instance.status}))
    return problems


def _check(session, instance: Instance, target: ProcessVersion):
    """(problems, the workflow moved to the target when there are none)."""
    problems = _basic_problems(instance, target)
    if problems:
        return problems, None
    try:
        workflow = engine_of(session).load_workflow(instance.state_json, instance.version)
    except Exception as exc:  # noqa: BLE001 - a state that does not load cannot move
        return [Problem(UNREADABLE, {"error": str(exc)})], None
    problems = switch_version(workflow, target)
    return problems, (None if problems else workflow)


def check_migration(session, instance: Instance, target_version: ProcessVersion) -> list[Problem]:
    """Why this instance cannot move to the target version (empty: it can). Changes nothing."""
    problems, _workflow = _check(session, instance, target_version)
    return problems


def migrate_instance(session, instance_id: int, target_version_id: int, user) -> Instance:
    """Move one running instance to a newer version of its process; flushes, never commits.

    Forbidden for anyone but a process owner; MigrationRefused (a Conflict) with the problems.
    """
    _require_migrator(user)
    instance = session.get(Instance, instance_id, options=(undefer(Instance.state_json),))
    if instance is None:
        raise NotFound("Instance {id} does not exist.", id=instance_id)
    target = session.get(ProcessVersion, target_version_id)
    if target is None:
        raise NotFound("Version {id} does not exist.", id=target_version_id)
    problems, workflow = _check(session, instance, target)
    if problems:
        raise MigrationRefused(instance.id, target.version, problems)
    source = instance.version
    instance.process_version_id, instance.version = target.id, target
    append_event(session, instance, "instance_migrated", actor=user, data={
        "from_version": source.version, "to_version": target.version,
        "from_sha256": source.content_sha256, "to_sha256": target.content_sha256})
    advance_instance(session, instance, workflow, user)
    _resync_open_rows(session, instance, workflow, target)
    session.flush()
    return instance


def _resync_open_rows(session, instance, workflow, target) -> None:
    """Open task rows kept across the move take name, element, lane, role and form of the target."""
    ready = {t.spiff_task_id: t for t in ready_human_tasks(workflow)}
    lanes = target.lanes or {}
    for row in open_tasks(session, instance):
        task = ready.get(row.spiff_task_id)
        if task is None:
            continue
        row.task_spec, row.name, row.lane, row.role = task.task_spec, task.name, task.lane, lanes.get(task.lane)
        if row.form_key != task.form_key:
            row.form_key = task.form_key
            if hasattr(row, "form_version"):  # a changed form: its latest version, as a new task
                row.form_version = _latest_form_versions(session, task.form_key).get(task.form_key)


def _latest_form_versions(session, form_key) -> dict:
    try:  # formjs.versions is being written alongside (form versions of tasks)
        from formjs.versions import versions_for_new_tasks
    except ImportError:
        return {}
    return versions_for_new_tasks(session, [form_key]) if form_key else {}


def migrate_instances(session, instance_ids, target_version_id: int, user):
    """Move many instances, each all or nothing in a savepoint: (migrated ids, {id: problems})."""
    _require_migrator(user)
    migrated, refused = [], {}
    for instance_id in instance_ids:
        try:
            with session.begin_nested():
                migrate_instance(session, instance_id, target_version_id, user)
            migrated.append(instance_id)
        except MigrationRefused as exc:
            refused[instance_id] = exc.problems
        except WorkflowError as exc:  # an unknown instance or version
            refused[instance_id] = [Problem(exc.template, exc.params)]
    return migrated, refused


def running_instances(session, process_key: str) -> list[Instance]:
    """The running instances of a process, with their states, by version then id."""
    return list(session.scalars(
        select(Instance).options(undefer(Instance.state_json))
        .join(ProcessVersion, Instance.process_version_id == ProcessVersion.id)
        .where(Instance.process_key == process_key, Instance.status == "running")
        .order_by(ProcessVersion.version, Instance.id)))
