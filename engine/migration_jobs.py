"""Bulk moves of instances to a newer version: which instances (select_instances), what would
happen to each (dry_run), and the move itself as a job done in batches (start_migration_job, then
run_migration_batch until it is finished), so thousands are never one long request.

Each instance moves in its own savepoint (engine.migration.migrate_instances): a failing one is
recorded with its reason and the others go on. The job row (models.MigrationJob) keeps done/total
for the page to show; the page's successive requests or `flask processes migrate` drive it.
The city-wide chain of operator actions records the bulk move when it starts and when it ends;
each instance's chain records its own move with the mapping used.
"""
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import undefer

from engine.core import engine_of
from engine.events import append_operator_event
from engine.migration import (_require_migrator, _retry_after_move, migrate_instances,
                              plan_migration, MovePlan, MOVABLE)
from engine.migration_mapping import check_mapping
from engine.spiff.version_switch import Element, open_elements
from models import District, Instance, MigrationJob, ProcessVersion, utcnow
from models.errors import InvalidData, NotFound
from workcal.jalali import local_zone, utc_bounds

BATCH = 50  # instances per request or CLI step: a batch stays well under a request's time

NO_DISTRICT = "District {district} does not exist."
NOT_OF_PROCESS = "Instance {id} is not an instance of {key}."
BAD_STATUS = "{status} is not a status an instance can be moved from."
NO_VERSION = "Version {version} of {key} does not exist."
TEMPLATES = (NO_DISTRICT, NOT_OF_PROCESS, BAD_STATUS, NO_VERSION)


def target_version(session, process_key: str, number: int) -> ProcessVersion:
    """Version `number` of a process; InvalidData if there is none."""
    version = session.scalars(select(ProcessVersion).where(
        ProcessVersion.process_key == process_key, ProcessVersion.version == number)).first()
    if version is None:
        raise InvalidData(NO_VERSION, version=number, key=process_key)
    return version


def select_instances(session, process_key: str, target: ProcessVersion, *, district_id=None,
                     started_from: date | None = None, started_to: date | None = None,
                     element: str | None = None, statuses=None, ids=None) -> list[Instance]:
    """The running or failed instances of older versions the filters keep, by id.

    started_from/started_to are local days (inclusive); element: an element where the instance
    waits; ids: explicit instance ids (each must be of this process, else InvalidData).
    """
    statuses = list(statuses or MOVABLE)
    for status in statuses:
        if status not in MOVABLE:
            raise InvalidData(BAD_STATUS, status=status)
    if district_id is not None and session.get(District, district_id) is None:
        raise InvalidData(NO_DISTRICT, district=district_id)
    query = (select(Instance).options(undefer(Instance.state_json))
             .join(ProcessVersion, Instance.process_version_id == ProcessVersion.id)
             .where(Instance.process_key == process_key, Instance.status.in_(statuses),
                    ProcessVersion.version < target.version).order_by(Instance.id))
    if ids:
        ids = sorted({int(i) for i in ids})
        known = set(session.scalars(select(Instance.id).where(Instance.id.in_(ids),
                                                              Instance.process_key == process_key)))
        for instance_id in ids:
            if instance_id not in known:
                raise InvalidData(NOT_OF_PROCESS, id=instance_id, key=process_key)
        query = query.where(Instance.id.in_(ids))
    if district_id is not None:
        query = query.where(Instance.district_id == district_id)
    if started_from or started_to:
        zone = local_zone()
        if started_from:
            query = query.where(Instance.started_at >= utc_bounds(started_from, started_from, zone)[0])
        if started_to:
            query = query.where(Instance.started_at < utc_bounds(started_to, started_to, zone)[1])
    instances = list(session.scalars(query))
    if element:
        instances = [i for i in instances if element in {e.id for e in waiting_at(session, i)}]
    return instances


def waiting_at(session, instance: Instance) -> list[Element]:
    """The elements where an instance waits (its failed task, for one in error); [] if unreadable."""
    try:
        workflow = engine_of(session).load_workflow(instance.state_json, instance.version)
    except Exception:  # noqa: BLE001 - an unreadable state is refused by the move, with its reason
        return []
    return open_elements(workflow)


def dry_run(session, instances, target: ProcessVersion, mapping: dict | None = None) -> list[MovePlan]:
    """What moving each instance would do (open element -> new element, or why not). Changes nothing."""
    mapping = check_mapping(mapping, target)
    return [plan_migration(session, instance, target, mapping) for instance in instances]


def start_migration_job(session, process_key: str, target: ProcessVersion, instance_ids, user, *,
                        mapping: dict | None = None, reason: str = "", filters: dict | None = None
                        ) -> MigrationJob:
    """Record a bulk move of these instances (nothing moves yet); flushes, never commits."""
    _require_migrator(user)
    if target.process_key != process_key:
        raise InvalidData(NO_VERSION, version=target.version, key=process_key)
    mapping = check_mapping(mapping, target)
    ids = sorted({int(i) for i in instance_ids})
    job = MigrationJob(process_key=process_key, target_version_id=target.id, target=target,
                       mapping=mapping, filters=filters or {}, instance_ids=ids,
                       reason=(reason or "").strip(), total=len(ids), done=0, moved=[], refused={},
                       status="running" if ids else "finished", created_by_id=user.id,
                       created_at=utcnow(), finished_at=None if ids else utcnow())
    session.add(job)
    session.flush()
    append_operator_event(session, "instances_migration_started", actor=user, reason=job.reason,
                          data={"job_id": job.id, "process_key": process_key,
                                "to_version": target.version, "to_sha256": target.content_sha256,
                                "mapping": mapping, "filters": job.filters, "instance_ids": ids})
    return job


def run_migration_batch(session, job_id: int, user, size: int = BATCH,
                        after_move=_retry_after_move) -> MigrationJob:
    """Move the next `size` instances of a job, each in its own savepoint; flushes, never commits.

    after_move(session, instance, user, reason) runs after an instance in error moved (the retry).
    """
    _require_migrator(user)
    job = session.get(MigrationJob, job_id, with_for_update=True)  # one batch at a time
    if job is None:
        raise NotFound("Migration {id} does not exist.", id=job_id)
    if job.status == "finished":
        return job
    batch = job.instance_ids[job.done:job.done + size]
    moved, refused = migrate_instances(session, batch, job.target_version_id, user, job.reason,
                                       job.mapping, after_move, audit=False)
    job.moved = [*job.moved, *moved]
    job.refused = {**job.refused, **{str(i): [{"template": p.template, "params": p.params}
                                              for p in problems] for i, problems in refused.items()}}
    job.done += len(batch)
    if job.done >= job.total:
        job.status, job.finished_at = "finished", utcnow()
        append_operator_event(session, "instances_migration_finished", actor=user, reason=job.reason,
                              data={"job_id": job.id, "process_key": job.process_key,
                                    "to_version": job.target.version, "moved": job.moved,
                                    "refused": sorted(int(i) for i in job.refused)})
    session.flush()
    return job


def run_migration_job(session, job_id: int, user, size: int = BATCH, after_move=_retry_after_move,
                      commit=None) -> MigrationJob:
    """Run every remaining batch of a job; commit() (if given) after each, as the CLI does."""
    while True:
        job = run_migration_batch(session, job_id, user, size, after_move)
        if commit is not None:
            commit()
        if job.status == "finished":
            return job
