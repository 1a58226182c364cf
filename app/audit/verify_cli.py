"""`flask audit verify`: re-execute instances from their recorded events and compare the result
with the stored state (engine.replay.verify). Registered by app/cli.py in its `audit` group."""
import click
from flask import current_app
from flask.cli import with_appcontext

from engine import Replay, iter_verify, verify_instance
from models import Instance


def verdict_line(instance_id: int, process_key: str, replay: Replay) -> str:
    """One line per instance: OK, or MISMATCH at the first divergent event with the reason."""
    if replay.matches:
        return f"instance {instance_id} ({process_key}): OK"
    where = f" at event {replay.first_divergence}" if replay.first_divergence is not None else ""
    return f"instance {instance_id} ({process_key}): MISMATCH{where}: {replay.reason}"


@click.command("verify")
@with_appcontext
@click.option("--instance", "instance_id", type=int, help="Verify this instance only.")
@click.option("--process", "process_key", help="Verify every instance of this process (key).")
@click.pass_context
def verify_command(ctx, instance_id, process_key):
    """Re-execute instances (all, one, or a process's) and compare them with their stored state."""
    session = current_app.extensions["db_sessions"]()
    checked = mismatches = 0
    try:
        if instance_id is not None:
            instance = session.get(Instance, instance_id)
            if instance is None:
                raise click.ClickException(f"Instance {instance_id} does not exist.")
            results = [(instance_id, verify_instance(session, instance_id))]
        else:
            results = iter_verify(session, process_key)  # streamed: one line as each is done
        for verified_id, replay in results:
            key = session.get(Instance, verified_id).process_key
            click.echo(verdict_line(verified_id, key, replay))
            checked += 1
            mismatches += not replay.matches
    finally:
        session.rollback()  # read-only: nothing to keep
        session.close()
    click.echo(f"{checked} instance(s) verified, {mismatches} mismatch(es)")
    if mismatches:
        ctx.exit(1)
