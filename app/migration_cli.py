"""`flask processes migrate`: move instances to a newer version from the command line, with the
same activity mapping, dry run, filters and batches as the studio's page (engine.migration_jobs)."""
import click
from flask.cli import with_appcontext

from engine import (MIGRATION_BATCH as BATCH, dry_run, run_migration_batch, select_instances,
                    start_migration_job, target_version)
from models import MigrationJob
from models.errors import WorkflowError
from people.accounts import find_district, find_user
from workcal import jalali

from .command_session import command_session


def _mapping(pairs) -> dict:
    mapping = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip():
            raise click.BadParameter(f"{pair!r} is not old=new (old=  maps to nothing)", param_hint="--map")
        mapping[old.strip()] = new.strip() or None
    return mapping


def _day(text):
    if not text:
        return None
    try:
        return jalali.parse_solar_date(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.command("migrate")
@click.argument("key")
@click.option("--to", "to_version", type=int, help="The target version number.")
@click.option("--job", "job_id", type=int, help="Carry on an unfinished move (e.g. one left by the page).")
@click.option("--as", "username", required=True, help="The process owner who moves them (recorded).")
@click.option("--map", "pairs", multiple=True, help="old_element=new_element (repeatable; old= : to nothing).")
@click.option("--dry-run", is_flag=True, help="Say what would happen; change nothing.")
@click.option("--district", "district_code", help="Only instances of this district (code, e.g. d1).")
@click.option("--started-from", help="Started on or after this Solar Hijri day, e.g. 1405/09/01.")
@click.option("--started-to", help="Started on or before this Solar Hijri day.")
@click.option("--element", help="Only instances waiting at this element id.")
@click.option("--status", "statuses", multiple=True, type=click.Choice(["running", "error"]),
              help="Only instances with this status (repeatable; default both).")
@click.option("--id", "ids", multiple=True, type=int, help="Only these instances (repeatable).")
@click.option("--reason", default="", help="Why (kept in the audit chain of operator actions).")
@click.option("--batch", "size", type=int, default=BATCH, show_default=True, help="Instances per commit.")
@with_appcontext
def migrate_command(key, to_version, job_id, username, pairs, dry_run, district_code, started_from,
                    started_to, element, statuses, ids, reason, size):
    """Move running and failed instances of KEY to version --to, by an explicit activity mapping."""
    if (to_version is None) == (job_id is None):
        raise click.UsageError("give either --to (a new move) or --job (carry one on)")
    mapping = _mapping(pairs)
    session = command_session()
    try:
        user = find_user(session, username)
        if user is None:
            raise click.BadParameter(f"no user {username!r}", param_hint="--as")
        if job_id is not None:
            job = session.get(MigrationJob, job_id)
            if job is None or job.process_key != key:
                raise click.BadParameter(f"no move {job_id} of {key}", param_hint="--job")
            return _run(session, job, user, size)
        district = find_district(session, district_code) if district_code else None
        if district_code and district is None:
            raise click.BadParameter(f"no district {district_code!r}", param_hint="--district")
        target = target_version(session, key, to_version)
        instances = select_instances(session, key, target, district_id=district.id if district else None,
                                     started_from=_day(started_from), started_to=_day(started_to),
                                     element=element, statuses=statuses or None, ids=ids or None)
        if dry_run:
            for plan in dry_run_plans(session, instances, target, mapping):
                click.echo(plan)
            session.rollback()
            return
        job = start_migration_job(session, key, target, [i.id for i in instances], user,
                                  mapping=mapping, reason=reason,
                                  filters={"district": district_code or "", "started_from": started_from or "",
                                           "started_to": started_to or "", "element": element or "",
                                           "status": list(statuses), "ids": ",".join(map(str, ids))})
        session.commit()
        _run(session, job, user, size)
    except WorkflowError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    finally:
        session.close()


def _run(session, job, user, size) -> None:
    """Every remaining batch of a job, committing each; then what moved and what was refused."""
    while job.status != "finished":
        job = run_migration_batch(session, job.id, user, size)
        session.commit()  # each batch is kept, whatever happens to the next
        click.echo(f"{job.done}/{job.total}")
    click.echo(f"migration {job.id}: moved {len(job.moved)}, refused {len(job.refused)}")
    for instance_id, problems in job.refused.items():
        click.echo(f"#{instance_id} refused: " + "; ".join(p["template"].format(**p["params"])
                                                        for p in problems))


def dry_run_plans(session, instances, target, mapping):
    """One line per instance: each move, or why it is refused."""
    for plan in dry_run(session, instances, target, mapping):
        head = f"#{plan.instance.id} v{plan.instance.version.version}"
        if plan.problems:
            yield f"{head} refused: " + "; ".join(p.message for p in plan.problems)
        else:
            yield f"{head} -> v{target.version}: " + ", ".join(
                f"{old.id} -> {new.id}" for old, new in plan.moves)
