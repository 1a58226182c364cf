"""Per-element statistics of a process version (issue 20, the heat map): for each user task and
timer, how many instances passed it, how many wait there now, and the average and 90th
percentile of the time spent there.

From the task index and the event log, aggregated in SQL (GROUP BY), never by a loop over
instances:
- a user task (human_tasks): passed = instances with a completed row of the element; waiting =
  its ready rows; time spent = created_at to completed_at of each completed row (a task done
  twice in a loop counts twice in the times, once in passed);
- a timer: passed = instances with a `timer_fired` event of the element (the event log: a cycle
  timer's row is reused, its events are not); waiting = its waiting rows in `timers`; time spent
  = waiting_since to fired_at of its fired rows (migration 0036; older rows count in passed only).
Times are clock seconds. The 90th percentile is PostgreSQL's percentile_cont(0.9); elsewhere
(SQLite) the same linear interpolation between the two nearest ranks, with window functions.
Only the instances now on the version count (a migrated instance counts on its new version),
and of them only those the user may view (people.access: a confidential case is left out for
those who may not see it), in the districts where the user holds view_process_statistics.
"""
from dataclasses import dataclass, field

from sqlalchemy import Float, Integer, and_, case, cast, distinct, func, literal, select

from engine import element_names
from models import Event, HumanTask, Instance, ProcessVersion, Timer
from models.errors import Forbidden, NotFound
from people import access
from people.permissions import districts_with, may

from .dashboard import seconds_between

PERMISSION = "view_process_statistics"
PERCENTILE = 0.9


@dataclass
class ElementFigures:
    """The figures of one element of the diagram."""
    element_id: str
    name: str
    kind: str  # "task" or "timer"
    passed: int = 0
    waiting: int = 0
    timed: int = 0  # how many stays the times are over
    average_seconds: float | None = None
    p90_seconds: float | None = None


@dataclass
class VersionStatistics:
    """A version's figures: its instances (those the user may view) and each element's."""
    version: ProcessVersion
    version_numbers: list[int]
    instances: int = 0
    running: int = 0
    completed: int = 0
    elements: list[ElementFigures] = field(default_factory=list)


def find_version(session, process_key: str, number: int) -> ProcessVersion:
    """The deployed version `number` of a process, or NotFound (the process, or the version)."""
    version = session.scalars(select(ProcessVersion).where(
        ProcessVersion.process_key == process_key, ProcessVersion.version == number)).first()
    if version is not None:
        return version
    if session.scalar(select(ProcessVersion.id).where(
            ProcessVersion.process_key == process_key).limit(1)) is None:
        raise NotFound("No process {key} is deployed.", key=process_key)
    raise NotFound("Process {key} has no version {number}.", key=process_key, number=number)


def version_numbers(session, process_key: str) -> list[int]:
    """The deployed version numbers of a process, newest first."""
    return list(session.scalars(select(ProcessVersion.version).where(
        ProcessVersion.process_key == process_key).order_by(ProcessVersion.version.desc())))


def element_statistics(session, user, process_key: str, number: int) -> VersionStatistics:
    """The per-element figures of version `number` of a process, over the instances the user
    may view; Forbidden without view_process_statistics, NotFound for an unknown key/version."""
    if not may(user, PERMISSION):
        raise Forbidden("You may not see process statistics.")
    version = find_version(session, process_key, number)
    scope = _instance_scope(user, version)
    result = VersionStatistics(version=version, version_numbers=version_numbers(session, process_key))
    counts = session.execute(select(
        func.count(), func.coalesce(func.sum(case((Instance.status == "running", 1), else_=0)), 0),
        func.coalesce(func.sum(case((Instance.status == "completed", 1), else_=0)), 0),
    ).where(scope)).one()
    result.instances, result.running, result.completed = (int(c) for c in counts)
    figures: dict[str, ElementFigures] = {}

    def figure(element_id, kind, name=None):
        if element_id not in figures:
            figures[element_id] = ElementFigures(element_id, name or element_id, kind)
        return figures[element_id]

    completed = HumanTask.status == "completed"
    for spec, name, passed, waiting in session.execute(
            select(HumanTask.task_spec, func.max(HumanTask.name),
                   func.count(distinct(case((completed, HumanTask.instance_id)))),
                   func.coalesce(func.sum(case((HumanTask.status == "ready", 1), else_=0)), 0))
            .join(Instance, Instance.id == HumanTask.instance_id).where(scope)
            .group_by(HumanTask.task_spec)):
        row = figure(spec, "task", name)
        row.passed, row.waiting = int(passed), int(waiting)
    task_times = (select(HumanTask.task_spec.label("spec"),
                         seconds_between(HumanTask.created_at, HumanTask.completed_at).label("seconds"))
                  .join(Instance, Instance.id == HumanTask.instance_id)
                  .where(scope, completed, HumanTask.completed_at.isnot(None)))
    _add_times(session, task_times, figures, "task", figure)

    for spec, passed in session.execute(
            select(Event.task_spec, func.count(distinct(Event.instance_id)))
            .join(Instance, Instance.id == Event.instance_id)
            .where(scope, Event.type == "timer_fired").group_by(Event.task_spec)):
        figure(spec, "timer").passed = int(passed)
    for spec, waiting in session.execute(
            select(Timer.task_spec, func.count()).join(Instance, Instance.id == Timer.instance_id)
            .where(scope, Timer.status == "waiting").group_by(Timer.task_spec)):
        figure(spec, "timer").waiting = int(waiting)
    timer_times = (select(Timer.task_spec.label("spec"),
                          seconds_between(Timer.waiting_since, Timer.fired_at).label("seconds"))
                   .join(Instance, Instance.id == Timer.instance_id)
                   .where(scope, Timer.status == "fired", Timer.waiting_since.isnot(None),
                          Timer.fired_at.isnot(None)))
    _add_times(session, timer_times, figures, "timer", figure)

    if figures:
        names = element_names(version)
        for row in figures.values():
            row.name = names.get(row.element_id) or row.name
    result.elements = sorted(figures.values(), key=lambda r: (r.kind != "task", r.name, r.element_id))
    return result


def _instance_scope(user, version: ProcessVersion):
    """SQL condition on Instance: of this version, viewable by the user, in their districts."""
    clauses = [Instance.process_version_id == version.id, access.instance_scope_clause(user)]
    districts = districts_with(user, PERMISSION)
    if districts is not None:
        clauses.append(Instance.district_id.in_(sorted(districts)))
    return and_(*clauses)


def _add_times(session, durations, figures, kind, figure) -> None:
    """Fill count, average and p90 of each element from a select of (spec, seconds)."""
    for spec, timed, average, p90 in session.execute(_time_query(session, durations.subquery())):
        row = figure(spec, kind)
        row.timed = int(timed)
        row.average_seconds = float(average) if average is not None else None
        row.p90_seconds = float(p90) if p90 is not None else None


def _time_query(session, durations):
    """(spec, count, average, p90) per spec of a subquery of (spec, seconds)."""
    if session.get_bind().dialect.name == "postgresql":
        return (select(durations.c.spec, func.count(), func.avg(durations.c.seconds),
                       func.percentile_cont(PERCENTILE).within_group(durations.c.seconds))
                .group_by(durations.c.spec))
    # percentile_cont by hand: rank r (0-based) of n values; the p90 lies at position
    # 0.9 * (n - 1), between ranks floor and floor + 1, interpolated linearly.
    ranked = select(durations.c.spec, durations.c.seconds,
                    (func.row_number().over(partition_by=durations.c.spec,
                                            order_by=durations.c.seconds) - 1).label("rank"),
                    func.count().over(partition_by=durations.c.spec).label("n")).subquery()
    position = literal(PERCENTILE, Float) * (ranked.c.n - 1)
    lower = cast(position, Integer)  # floor: the position is never negative
    low_value = func.max(case((ranked.c.rank == lower, ranked.c.seconds)))
    high_value = func.max(case((ranked.c.rank == lower + 1, ranked.c.seconds)))
    fraction = func.max(position - lower)
    p90 = low_value + fraction * (func.coalesce(high_value, low_value) - low_value)
    return (select(ranked.c.spec, func.count(), func.avg(ranked.c.seconds), p90)
            .group_by(ranked.c.spec))
