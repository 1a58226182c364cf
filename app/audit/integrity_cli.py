"""`flask audit chain [--instance ID]`, `flask audit digest [--day YYYY-MM-DD]` and
`flask audit dispose` (the retention job, now).

The commands are registered on the `audit` AppGroup of app/cli.py (audit_cli.add_command).
"""
import click
from flask import current_app
from flask.cli import with_appcontext

from audit import integrity
from records import retention


@click.command("chain")
@click.option("--instance", "instance_id", type=int, default=None, help="Check one instance only.")
@with_appcontext
def chain_command(instance_id):
    """Check the event hash chains; exit 1 if any was tampered with."""
    session = current_app.extensions["db_sessions"]()
    try:
        problems = (integrity.check_instance(session, instance_id) if instance_id is not None
                    else integrity.check_all(session))
        count = 0
        for problem in problems:
            count += 1
            click.echo(f"instance {problem.instance_id} seq {problem.seq} {problem.kind}: "
                       f"{problem.explanation}")
    finally:
        session.close()
    if count:
        click.echo(f"{count} problem(s) found", err=True)
        raise SystemExit(1)
    click.echo("every chain is intact")


@click.command("digest")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day (Tehran) the digest is for; today by default.")
@with_appcontext
def digest_command(day):
    """Make the daily digest of every chain head (once a day) and print its SHA-256."""
    session = current_app.extensions["db_sessions"]()
    try:
        digest = integrity.make_daily_digest(session, day.date() if day else None)
        session.commit()
        click.echo(f"{digest.day.isoformat()} {digest.instance_count} {digest.digest_sha256}")
    finally:
        session.close()


@click.command("dispose")
@with_appcontext
def dispose_command():
    """Run the retention job now: archive what is due, destroy what the records committee
    approved, propose the rest to it; one line per disposal, in the past tense."""
    session = current_app.extensions["db_sessions"]()
    try:
        disposals = retention.dispose_due_records(session)
        waiting = len(retention.awaiting_approval(session))
        session.commit()
        zone = current_app.extensions["bpmn_engine"].calendars.tz
        for disposal in disposals:
            click.echo(retention.disposal_sentence(disposal, zone))
        click.echo(f"{len(disposals)} record(s) disposed of, {waiting} awaiting the records committee")
    finally:
        session.close()


COMMANDS = (chain_command, digest_command, dispose_command)


def register(group) -> None:
    """Add the commands to a click group (the `audit` AppGroup)."""
    for command in COMMANDS:
        group.add_command(command)

