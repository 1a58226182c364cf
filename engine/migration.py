"""Moving running instances of a process to a newer version of it.

Which element an open task moves to is an explicit activity mapping (engine.migration_mapping:
proposed by same id, then same name and kind; the operator's entries override it), recorded in
the instance's `instance_migrated` event; never by position. plan_migration() is the dry run.
An instance in error moves too (its failed task is an open element), then the after_move
callback runs (the retry: see _retry_after_move).

Refused (nothing changes, each reason is a Problem):
- another process, a version that is not newer, an instance that is neither running nor in error;
- an open element the mapping maps to nothing;
- an open element (ready or waiting task, waiting timer or message event, the sub-process or
  call activity an open task sits in) that the new version lacks;
- a state SpiffWorkflow's alignment leaves with a task on the old spec (e.g. an element inside
  a multi-instance or a running sub-process whose next elements changed shape).

How the workflow itself moves is engine/spiff/version_switch.py: switch_version() is the one
function that changes a workflow: the live migration and the re-execution of an
`instance_migrated` event (engine.replay.verify) both call it, then run the engine.
"""
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import undefer

from engine.core import engine_of
from engine.events import append_event, append_operator_event
from engine.runtime.steps import advance_instance, open_tasks, task_role
from engine.spiff.version_switch import TEMPLATES as SWITCH_TEMPLATES
from engine.migration_mapping import propose_mapping, used_mapping
from engine.runtime.steps import store_state
from engine.spiff.version_switch import Element, Problem, open_elements, switch_version, version_elements
from engine.spiff.workflows import ready_human_tasks
from models import Instance, ProcessVersion
from models.errors import Conflict, Forbidden, NotFound, WorkflowError
from people.permissions import may

# The reasons, as English templates (the page translates them: app/studio/migration_views.py).
OTHER_PROCESS = "Version {version} belongs to the process {target_key}, not to {key}."
NOT_NEWER = "Version {version} is not newer than version {current}, which this instance runs."
NOT_RUNNING = "This instance is not running (it is {status})."
UNREADABLE = "The stored state cannot be read: {error}"
FAILED = "The move failed and was undone: {error}"
OTHER_KIND = ("The element {name} ({element}) cannot move to {new_name} ({new_element}), an element "
              "of another kind.")
TEMPLATES = (OTHER_PROCESS, NOT_NEWER, NOT_RUNNING, *SWITCH_TEMPLATES, UNREADABLE, FAILED, OTHER_KIND)
MOVABLE = ("running", "error")  # an instance in error is moved, then retried


@dataclass
class MovePlan:
    """What moving one instance would do: each open element -> its new element, or why not."""
    instance: Instance
    moves: list[tuple[Element, Element | None]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    mapping: dict = field(default_factory=dict)  # the effective mapping (proposal + operator's)


class MigrationRefused(Conflict):
    """An instance the check refuses; .problems says why (each names its element)."""

    def __init__(self, instance_id: int, version: int, problems: list[Problem]):
        super().__init__("This instance cannot move to version {version}: {problems}",
                         {"problems": [p.message for p in problems]}, version=version,
                         problems="; ".join(p.message for p in problems))
        self.instance_id, self.problems = instance_id, problems


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
    if instance.status not in MOVABLE:
        problems.append(Problem(NOT_RUNNING, {"status": instance.status}))
    return problems


def effective_mapping(source: ProcessVersion, target: ProcessVersion, mapping: dict | None) -> dict:
    """The proposal for these two versions with the operator's entries over it."""
    return {**propose_mapping(version_elements(source), version_elements(target)), **(mapping or {})}


def _check(session, instance: Instance, target: ProcessVersion, mapping: dict | None = None):
    """A MovePlan, and the workflow moved to the target when it has no problems."""
    plan = MovePlan(instance, problems=_basic_problems(instance, target))
    if plan.problems:
        return plan, None
    try:
        workflow = engine_of(session).load_workflow(instance.state_json, instance.version)
    except Exception as exc:  # noqa: BLE001 - a state that does not load cannot move
        plan.problems = [Problem(UNREADABLE, {"error": str(exc)})]
        return plan, None
    plan.mapping = effective_mapping(instance.version, target, mapping)
    new = {e.id: e for e in version_elements(target)}
    plan.moves = [(old, new.get(plan.mapping.get(old.id, old.id) or ""))
                  for old in open_elements(workflow)]
    # A user task does not become a timer or a script: the state of one means nothing to the other.
    plan.problems = [Problem(OTHER_KIND, {"name": old.name, "element": old.id, "new_name": new.name,
                                          "new_element": new.id}, old.id, old.name)
                     for old, new in plan.moves if new is not None and new.kind != old.kind]
    if plan.problems:
        return plan, None
    plan.problems = switch_version(workflow, target, plan.mapping)
    return plan, (None if plan.problems else workflow)


def check_migration(session, instance: Instance, target_version: ProcessVersion,
                    mapping: dict | None = None) -> list[Problem]:
    """Why this instance cannot move to the target version (empty: it can). Changes nothing."""
    plan, _workflow = _check(session, instance, target_version, mapping)
    return plan.problems


def plan_migration(session, instance: Instance, target_version: ProcessVersion,
                   mapping: dict | None = None) -> MovePlan:
    """The dry run of one move: which element each open task goes to, or why not. Changes nothing."""
    plan, _workflow = _check(session, instance, target_version, mapping)
    return plan


def _retry_after_move(session, instance: Instance, user, reason: str) -> None:
    """Run an instance in error again after its move (the default after_move)."""
    from engine.runtime.incidents import retry_instance  # incidents imports the step path too
    retry_instance(session, instance, user, reason)


def migrate_instance(session, instance_id: int, target_version_id: int, user,
                     reason: str = "", mapping: dict | None = None, after_move=_retry_after_move,
                     audit: bool = True) -> Instance:
    """Move one running (or failed) instance to a newer version of its process; flushes, never commits.

    mapping: old element id -> new element id (None: to nothing) over the automatic proposal.
    Written into the instance's chain (instance_migrated with the mapping used, which replay
    re-applies) and, with audit, into the city-wide chain of operator actions (a bulk move records
    itself there once: engine.migration_jobs), each with who, when and why (reason).
    An instance in error is stored without running the engine, then after_move(session,
    instance, user, reason) runs (the retry).

    Forbidden for anyone but a process owner; MigrationRefused (a Conflict) with the problems.
    """
    _require_migrator(user)
    instance = session.get(Instance, instance_id, options=(undefer(Instance.state_json),))
    if instance is None:
        raise NotFound("Instance {id} does not exist.", id=instance_id)
    target = session.get(ProcessVersion, target_version_id)
    if target is None:
        raise NotFound("Version {id} does not exist.", id=target_version_id)
    plan, workflow = _check(session, instance, target, mapping)
    if plan.problems:
        raise MigrationRefused(instance.id, target.version, plan.problems)
    source = instance.version
    instance.process_version_id, instance.version = target.id, target
    moved = {"from_version": source.version, "to_version": target.version,
             "from_sha256": source.content_sha256, "to_sha256": target.content_sha256,
             "mapping": used_mapping(plan.mapping, {old.id for old, _new in plan.moves})}
    reason = (reason or "").strip()
    append_event(session, instance, "instance_migrated", actor=user,
                 data={**moved, "reason": reason} if reason else moved)
    if audit:
        append_operator_event(session, "instance_migrated", actor=user, reason=reason,
                              data={"instance_id": instance.id, "process_key": instance.process_key,
                                    **moved})
    if instance.status == "error":
        store_state(session, instance, workflow, user)  # the retry runs it
        if after_move is not None:
            after_move(session, instance, user, reason)
    else:
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
        row.task_spec, row.name, row.lane = task.task_spec, task.name, task.lane
        row.role = task_role(session, task, lanes)
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


def migrate_instances(session, instance_ids, target_version_id: int, user, reason: str = "",
                      mapping: dict | None = None, after_move=_retry_after_move, audit: bool = True):
    """Move many instances, each all or nothing in a savepoint: (migrated ids, {id: problems}).

    Any failure of one instance (a refusal, or the engine failing on it) is its problem; the
    others go on."""
    _require_migrator(user)
    migrated, refused = [], {}
    for instance_id in instance_ids:
        try:
            with session.begin_nested():
                migrate_instance(session, instance_id, target_version_id, user, reason, mapping,
                                 after_move, audit)
            migrated.append(instance_id)
        except MigrationRefused as exc:
            refused[instance_id] = exc.problems
        except WorkflowError as exc:  # an unknown instance or version
            refused[instance_id] = [Problem(exc.template, exc.params)]
        except Exception as exc:  # noqa: BLE001 - one failing instance must not stop the others
            refused[instance_id] = [Problem(FAILED, {"error": str(exc) or exc.__class__.__name__})]
    return migrated, refused


def running_instances(session, process_key: str) -> list[Instance]:
    """The running (and failed) instances of a process, with their states, by version then id."""
    return list(session.scalars(
        select(Instance).options(undefer(Instance.state_json))
        .join(ProcessVersion, Instance.process_version_id == ProcessVersion.id)
        .where(Instance.process_key == process_key, Instance.status.in_(MOVABLE))
        .order_by(ProcessVersion.version, Instance.id)))
