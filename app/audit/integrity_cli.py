"""`flask audit chain [--instance ID]`, `flask audit digest [--day YYYY-MM-DD]` (signed, and
copied to AUDIT_DIGEST_DIR), `flask audit keygen [--out PATH]` and `flask audit dispose` (the
retention job, now). `flask audit verify` (verify_cli.py) checks the signed digests too.

The commands are registered on the `audit` AppGroup of app/cli.py (audit_cli.add_command).
"""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from audit import event_chain, signing
from records import retention

from .keys import keep_copy, make_signed_digest


@click.command("chain")
@click.option("--instance", "instance_id", type=int, default=None, help="Check one instance only.")
@with_appcontext
def chain_command(instance_id):
    """Check the event hash chains; exit 1 if any was tampered with."""
    session = current_app.extensions["db_sessions"]()
    try:
        problems = (event_chain.check_instance(session, instance_id) if instance_id is not None
                    else event_chain.check_all(session))
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
    """Make the daily digest of every chain head (once a day), signed, and print its SHA-256."""
    session = current_app.extensions["db_sessions"]()
    try:
        exported = make_signed_digest(session, current_app.config, day.date() if day else None)
        session.commit()
    except signing.SigningKeyError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    finally:
        session.close()
    try:
        kept = keep_copy(exported, current_app.config)
    except OSError as exc:
        raise click.ClickException(f"The digest was made, but its copy could not be written to "
                                   f"AUDIT_DIGEST_DIR: {exc}") from exc
    click.echo(f"{exported['day']} {exported['instance_count']} {exported['digest_sha256']} "
               f"signed by key {exported['key_id']}" + (f", kept in {kept}" if kept else ""))


@click.command("keygen")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="Write the private key to this file (mode 600, never overwritten); "
                   "without it the key is printed for AUDIT_SIGNING_KEY.")
@with_appcontext
def keygen_command(out):
    """Make an Ed25519 key to sign the daily digests; print its public key."""
    pem = signing.generate_key_pem()
    public = signing.load_private_key(pem).public_key()
    if out:
        try:
            signing.write_key_file(Path(out), pem)
        except FileExistsError as exc:
            raise click.ClickException(f"{out} exists: a signing key is never overwritten.") from exc
        click.echo(f"private key written to {out}: set AUDIT_SIGNING_KEY_FILE={out}; keep it "
                   "outside the database and its backups")
    else:
        click.echo(pem.decode("ascii").strip())
    click.echo(f"public key (AUDIT_PUBLIC_KEY): {signing.public_key_text(public)}")
    click.echo(f"key id: {signing.key_id_of(public)}")


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


COMMANDS = (chain_command, digest_command, keygen_command, dispose_command)


def register(group) -> None:
    """Add the commands to a click group (the `audit` AppGroup)."""
    for command in COMMANDS:
        group.add_command(command)

