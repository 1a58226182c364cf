"""`flask instances ...`: the incident actions from the command line (engine.runtime.incidents),
acting as a named user (--as) who must hold repair_instances; one commit per command.
Registered by app/cli.py (register_cli)."""
import json

import click
from flask.cli import AppGroup

from engine import (cancel_instance, get_instance_to_repair, list_incidents, move_token,
                    resume_instance, retry_instance, set_instance_data, suspend_instance)
from models.errors import InvalidData
from people.accounts import AccountError, find_user

from .command_session import command_session, commit_or_fail

instances_cli = AppGroup("instances", help="Repair instances: incidents, retry, suspend, resume, "
                                           "cancel, set data, move the token.")
AS = click.option("--as", "username", required=True, help="The acting user (holds repair_instances).")
REASON = click.option("--reason", default="", help="Why (kept in the instance's history).")


def _user(session, username):
    user = find_user(session, username)
    if user is None:
        raise AccountError(f"No user {username!r}.")
    return user


def _run(instance_id, username, action) -> str:
    """Act on the instance as the user; commit; the instance's status afterwards."""
    def work(session):
        user = _user(session, username)
        instance = get_instance_to_repair(session, instance_id, user)
        action(session, instance, user)
        return f"instance {instance.id}: {instance.status}" + (
            f" ({instance.failure_count} failures: {instance.error_message})"
            if instance.status == "error" else "")
    return commit_or_fail(command_session(), work)


@instances_cli.command("incidents")
@AS
def incidents(username):
    """List the instances in error the user may repair."""
    def work(session):
        return [f"{i.id}\t{i.process_key}\t{i.failed_element or '-'}\t{i.failure_count}\t"
                f"{i.failed_at.isoformat(timespec='seconds') if i.failed_at else '-'}\t{i.error_message}"
                for i in list_incidents(session, _user(session, username))]
    lines = commit_or_fail(command_session(), work)
    click.echo("\n".join(lines) if lines else "no incidents")


@instances_cli.command("retry")
@click.argument("instance_id", type=int)
@AS
@REASON
def retry(instance_id, username, reason):
    """Run the failed step of INSTANCE_ID again."""
    click.echo(_run(instance_id, username, lambda s, i, u: retry_instance(s, i, u, reason)))


@instances_cli.command("suspend")
@click.argument("instance_id", type=int)
@AS
@REASON
def suspend(instance_id, username, reason):
    """Suspend INSTANCE_ID: its tasks and timers wait."""
    click.echo(_run(instance_id, username, lambda s, i, u: suspend_instance(s, i, u, reason)))


@instances_cli.command("resume")
@click.argument("instance_id", type=int)
@AS
@REASON
def resume(instance_id, username, reason):
    """Resume the suspended INSTANCE_ID."""
    click.echo(_run(instance_id, username, lambda s, i, u: resume_instance(s, i, u, reason)))


@instances_cli.command("cancel")
@click.argument("instance_id", type=int)
@AS
@REASON
def cancel(instance_id, username, reason):
    """Cancel INSTANCE_ID (its open tasks and timers too)."""
    click.echo(_run(instance_id, username, lambda s, i, u: cancel_instance(s, i, u, reason)))


@instances_cli.command("set-data")
@click.argument("instance_id", type=int)
@click.argument("data_json")
@click.option("--replace", is_flag=True, help="Replace the data (default: merge the top-level keys).")
@AS
@REASON
def set_data(instance_id, data_json, replace, username, reason):
    """Set the case data of INSTANCE_ID from DATA_JSON (a JSON object; @file reads a file)."""
    if data_json.startswith("@"):
        with open(data_json[1:], encoding="utf-8") as handle:
            data_json = handle.read()
    try:
        data = json.loads(data_json)
    except ValueError as exc:
        raise click.ClickException(f"The data are not valid JSON: {exc}") from None

    def action(session, instance, user):
        if not isinstance(data, dict):
            raise InvalidData("The data must be a JSON object.")
        changes = set_instance_data(session, instance, user, data, reason, merge=not replace)
        click.echo(json.dumps(changes, ensure_ascii=False))
    click.echo(_run(instance_id, username, action))


@instances_cli.command("move")
@click.argument("instance_id", type=int)
@click.argument("from_element")
@click.argument("to_element")
@AS
@REASON
def move(instance_id, from_element, to_element, username, reason):
    """Move the token of INSTANCE_ID from the activity FROM_ELEMENT to TO_ELEMENT."""
    click.echo(_run(instance_id, username,
                    lambda s, i, u: move_token(s, i, u, from_element, to_element, reason)))
