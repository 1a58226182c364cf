"""`flask audit verify`: re-execute instances from their recorded events and compare the result
with the stored state (engine.replay.verify); run on every instance, it then checks the signed
daily digests (their Ed25519 signatures, their heads against the chains now, the city-wide chain
of operator actions and the copies kept in AUDIT_DIGEST_DIR). Registered by app/cli.py in its
`audit` group."""
import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from audit import digests, signing
from engine import Replay, iter_verify, verify_instance
from models import Instance
from models.audit import ChainDigest

from .keys import trusted_public_keys


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
@click.option("--digests-only", is_flag=True, help="Check the signed digests only, no re-execution.")
@click.pass_context
def verify_command(ctx, instance_id, process_key, digests_only):
    """Re-execute instances (all, one, or a process's) and compare them with their stored state;
    with no instance or process named, check the signed daily digests too."""
    session = current_app.extensions["db_sessions"]()
    checked = mismatches = 0
    try:
        if digests_only:
            results = []
        elif instance_id is not None:
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
        if not digests_only:
            click.echo(f"{checked} instance(s) verified, {mismatches} mismatch(es)")
        digest_problems = 0
        if instance_id is None and process_key is None:
            digest_problems = _check_digests(session, always=digests_only)
    finally:
        session.rollback()  # read-only: nothing to keep
        session.close()
    if mismatches or digest_problems:
        ctx.exit(1)


def _check_digests(session, always: bool) -> int:
    """Print what is wrong with the signed digests; the number of problems. Says nothing when
    there is no digest and nothing wrong, unless asked (always)."""
    try:
        public_keys = trusted_public_keys(current_app.config)
    except signing.SigningKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    problems = digests.verify_digests(session, public_keys,
                                      current_app.config.get("AUDIT_DIGEST_DIR") or None)
    count = session.scalar(select(func.count()).select_from(ChainDigest)) or 0
    for problem in problems:
        where = (f"instance {problem.instance_id} seq {problem.seq} " if problem.instance_id
                 else f"seq {problem.seq} " if problem.seq else "")
        click.echo(f"digest: {where}{problem.kind}: {problem.explanation}")
    if count or problems or always:
        click.echo(f"{count} signed digest(s) checked, {len(problems)} problem(s)")
    return len(problems)
