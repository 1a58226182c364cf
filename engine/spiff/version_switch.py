"""Switching a running workflow to the specs of another version (SpiffWorkflow 3.2,
SpiffWorkflow.bpmn.util.diff), for engine.migration and the re-execution of an
`instance_migrated` event (engine.replay). Private SpiffWorkflow APIs (the task tree) are used
here, in the adapter, and nowhere else.

Each (sub-)workflow's spec is compared with the new version's spec of the same name. With an
explicit activity mapping (old BPMN id -> new BPMN id, engine.migration_mapping) an element is
aligned by the mapping, else by the same BPMN id, else not at all (never by position); the
internal specs without a BPMN id keep SpecDiff's alignment. Without a mapping (the re-execution of
a move recorded before mappings existed) SpecDiff alone aligns: by BPMN id, an unmatched one by
its place between aligned neighbours. Every
task of the state is pointed at its aligned new spec; the ready and waiting tasks are then
re-predicted from there (their descendants, all predictions, are rebuilt on the new spec, so a
task added after the current one is reached). The task ids of the open tasks stay, so the task
index and the timer rows keep theirs; an open task keeps its data and internal data (a waiting
timer keeps its due moment, a message event what it waits for).

Finished tasks whose element the new version lacks: history is pruned first (engine.spiff.pruning,
as after every engine run); those still kept in the tree (the last completed task, the parent
of an open one) are dropped from it the same way pruning drops history: counted per element in
the root (completed_elements still counts every pass), their children hung from their parent,
the workflow's last task moved to the first kept child (it holds the same data). The events
keep the full history, as for pruning.
"""
import copy
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import SpecDiff
from SpiffWorkflow.util.task import TaskState

from engine.spiff.pruning import PRUNED_COMPLETIONS, prune_history
from engine.spiff.workflows import _registry, specs_for

# An instance in error is moved too (then retried): its failed task counts as open.
_OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED | TaskState.ERROR

# The reasons, as English templates (the page translates them: app/studio/migration_views.py).
MISSING_TASK = "The open task {name} ({element}) does not exist in version {version}."
MISSING_TIMER = "The waiting timer {name} ({element}) does not exist in version {version}."
MISSING_MESSAGE = "The message wait {name} ({element}) does not exist in version {version}."
MISSING_CONTAINER = ("The sub-process {name} ({element}), which has open tasks, does not exist "
                     "in version {version}.")
LEFT_BEHIND = ("The element {name} ({element}) cannot be placed in version {version}: "
               "SpiffWorkflow cannot align this part of the state.")
UNMAPPED = ("The element {name} ({element}), where this instance waits, is mapped to no element "
            "of version {version}.")
TEMPLATES = (MISSING_TASK, MISSING_TIMER, MISSING_MESSAGE, MISSING_CONTAINER, LEFT_BEHIND, UNMAPPED)


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


def _aligned(part_spec, new_spec, mapping):
    """Old task spec -> new task spec of one (sub-)workflow; with a mapping, never by position."""
    alignment = SpecDiff(_registry, part_spec, new_spec).alignment
    if mapping is None:
        return alignment
    by_id = {s.bpmn_id: s for s in new_spec.task_specs.values() if getattr(s, "bpmn_id", None)}
    for old in part_spec.task_specs.values():
        bpmn_id = getattr(old, "bpmn_id", None)
        if bpmn_id:  # a BPMN element: mapped, else the same id, else nothing
            alignment[old] = by_id.get(mapping[bpmn_id]) if bpmn_id in mapping and mapping[bpmn_id] \
                else (None if bpmn_id in mapping else by_id.get(bpmn_id))
    return alignment


def _open_problems(workflow, parts, alignments, version, mapping=None) -> list[Problem]:
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
                unmapped = mapping is not None and getattr(task.task_spec, "bpmn_id", None) in mapping
                problems.append(_problem(UNMAPPED if unmapped else _missing_template(workflow, task),
                                         task, version))
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


def switch_version(workflow, version, mapping: dict | None = None) -> list[Problem]:
    """Move a workflow onto the specs of another version; the problems if it cannot.

    mapping: old BPMN id -> new BPMN id (None: mapped to nothing); None: SpecDiff's alignment.
    With problems the workflow may be half changed: the caller throws it away.
    """
    spec, subprocess_specs = specs_for(version)
    prune_history(workflow)
    parts = _parts(workflow, spec, subprocess_specs)
    alignments = [_aligned(part.spec, new_spec, mapping) if new_spec is not None else {}
                  for part, new_spec in parts]
    problems = _open_problems(workflow, parts, alignments, version, mapping)
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


@dataclass(frozen=True)
class Element:
    """A BPMN element of a version: its id, name and kind (the spec's class, e.g. UserTask)."""
    id: str
    name: str
    kind: str


def _as_element(spec) -> Element:
    return Element(spec.bpmn_id, getattr(spec, "bpmn_name", None) or spec.bpmn_id, type(spec).__name__)


def version_elements(version) -> list[Element]:
    """Every BPMN element of a version (its sub-processes' too), in diagram order."""
    spec, subprocess_specs = specs_for(version)
    seen, elements = set(), []
    for part in (spec, *subprocess_specs.values()):
        for task_spec in part.task_specs.values():
            bpmn_id = getattr(task_spec, "bpmn_id", None)
            if bpmn_id and bpmn_id not in seen:
                seen.add(bpmn_id)
                elements.append(_as_element(task_spec))
    return elements


def open_elements(workflow) -> list[Element]:
    """The elements where a workflow waits (ready, waiting, running or failed tasks), once each."""
    seen, elements = set(), []
    for task in workflow.get_tasks(state=_OPEN):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id and bpmn_id not in seen:
            seen.add(bpmn_id)
            elements.append(_as_element(task.task_spec))
    return elements
