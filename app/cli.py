"""Administration from the command line: flask setup | db-upgrade | processes | fire-timers |
reports | notifications | audit; users | roles | units are in people_cli.py."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from programmes.complaints import report as complaint_report
from programmes.messages137.automation import ensure_automation_connector
from modeling.decisions import check_decisions, deploy_decisions
from modeling.deploy import deploy_directory, deploy_process, list_processes
from modeling.validation import check_diagram
from models.errors import WorkflowError
from models import District
from notifications import send_due_notifications, transports_from_config
from people.accounts import AccountError, find_district
from people.catalogue import seed_roles
from workcal import jalali

from .audit.integrity_cli import register as register_audit_commands
from .audit.verify_cli import verify_command
from .command_session import command_session, commit_or_fail
from .demo import DEMO_PASSWORD, demo_logins, load_demo_data
from .demo_work import load_demo_work
from .i18n import local_zone
from .migrate import upgrade_database
from .processes_cli_test import register as register_process_tests
from .migration_cli import migrate_command
from .people_cli import roles_cli, units_cli, users_cli
from .studio.problems_text import problem_lines, refusal_line
from .scheduler import create_due_meetings, fire_due_timers, mardom_salam_settings

# AppGroup/with_appcontext: the commands need the app context however they are invoked
# (the `flask` command pushes one, app.test_cli_runner() and other embeddings do not).
processes_cli = AppGroup("processes", help="Deploy and list BPMN processes.")
reports_cli = AppGroup("reports", help="Generate periodic reports.")
notifications_cli = AppGroup("notifications", help="Send the e-mails and SMS of the outbox.")
audit_cli = AppGroup("audit", help="Verify instances, check the event chains, make the daily digest.")
register_audit_commands(audit_cli)
register_process_tests(processes_cli)
processes_cli.add_command(migrate_command)
audit_cli.add_command(verify_command)


@click.command("setup")
@with_appcontext
@click.option("--no-demo", is_flag=True, help="Do not load demo users and districts.")
def setup_command(no_demo):
    """Migrate the database, deploy processes/ and load the demo data (safe to repeat)."""
    upgrade_database(current_app.config["DATABASE_URL"])

    def work(session):
        for name, version, created in deploy_directory(session, Path(current_app.config["PROCESSES_DIR"])):
            click.echo(f"{name}: {version.process_key} v{version.version} "
                       f"{'deployed' if created else 'unchanged'}")
        seed_roles(session)  # the built-in roles (the migration seeds them too)
        # The 137 diagram's service task names this connector (used when
        # MESSAGE_137_REFERRAL_TARGET is automation or both): a placeholder until it is set.
        if ensure_automation_connector(session):
            click.echo("connector office_automation: placeholder created; set its address at /admin/connectors")
        if not no_demo:
            load_demo_data(session)
            cases = load_demo_work(session, current_app.config["MARDOM_SALAM_FIRST_DATE"],
                                   current_app.config["MARDOM_SALAM_TIME"])
            click.echo(f"Demo work in progress: {cases} new cases" if cases
                       else "Demo work in progress: already loaded")
    commit_or_fail(command_session(), work)
    _create_next_mardom_salam_meeting()
    if not no_demo:
        click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, district in demo_logins():
            click.echo(f"  {username:28} {role:20} {district}")


def _create_next_mardom_salam_meeting() -> None:
    """Run the Mardom Salam schedule once (it is idempotent), so the next meeting is there
    before its daily job first runs."""
    if not current_app.config["MARDOM_SALAM_CRON"].strip():
        return
    try:
        result = create_due_meetings(current_app.extensions["db_sessions"],
                                     **mardom_salam_settings(current_app.config))
    except WorkflowError as exc:  # e.g. its process is not in PROCESSES_DIR
        click.echo(f"Mardom Salam: no meeting created ({exc})")
        return
    if result.meetings:
        click.echo("Mardom Salam: the next meeting was created.")


@click.command("db-upgrade")
@with_appcontext
def db_upgrade_command():
    """Bring the database schema to the newest migration."""
    upgrade_database(current_app.config["DATABASE_URL"])
    click.echo("database is up to date")



@processes_cli.command("deploy")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", default="", help="Why (kept in the audit chain of operator actions).")
def processes_deploy(path, reason):
    """Validate and deploy a .bpmn file as a new version (or say it is unchanged); a diagram with
    problems (the studio's validation, modeling.validation) is refused with every one of them.
    A .dmn file deploys its decision tables (modeling.decisions) the same way."""
    data = path.read_bytes()
    if path.suffix.lower() == ".dmn":
        return _deploy_decision_file(path, data, reason)
    session = command_session()
    try:
        problems = check_diagram(session, data)
    finally:
        session.close()
    if problems:
        for problem in problems:
            click.echo(problem_lines(problem), err=True)
        raise click.ClickException(refusal_line(len(problems)))
    version, created = commit_or_fail(
        command_session(), lambda s: deploy_process(s, data, filename=path.name, reason=reason))
    click.echo(f"{version.process_key} v{version.version} {'deployed' if created else 'unchanged'}")


def _deploy_decision_file(path: Path, data: bytes, reason: str) -> None:
    problems = check_decisions(data)
    if problems:
        for problem in problems:
            click.echo(problem_lines(problem), err=True)
        raise click.ClickException(refusal_line(len(problems)))
    version = commit_or_fail(command_session(), lambda s: deploy_decisions(
        s, data, None, file_name=path.name, reason=reason))
    click.echo(f"decision {version.decision_key} v{version.version}")


@processes_cli.command("list")
def processes_list():
    """List deployed processes with their latest version."""
    session = command_session()
    try:
        for version in list_processes(session):
            click.echo(f"{version.process_key:30} v{version.version:<4} {version.deployed_at:%Y-%m-%d %H:%M} {version.name}")
    finally:
        session.close()


@click.command("fire-timers")
@with_appcontext
def fire_timers_command():
    """Fire every due timer once (the scheduler does this every second)."""
    click.echo(f"advanced {fire_due_timers(current_app.extensions['db_sessions'])} instance(s)")


@reports_cli.command("complaints")
@click.option("--month", help="Solar Hijri month, e.g. 1405/08 (default: the previous month).")
@click.option("--district", "district_code", help="District code, e.g. d1 (default: every district).")
def reports_complaints(month, district_code):
    """Generate (or generate again) the complaint report F-__-0-5-02 of a month."""
    try:
        year_month = (jalali.parse_solar_month(month) if month else
                      jalali.previous_solar_month(jalali.local_today(local_zone())))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from exc
    period = jalali.solar_month_bounds(*year_month)

    def work(session):
        if district_code:
            district = find_district(session, district_code)
            if district is None:
                raise AccountError(f"No district {district_code!r}.")
            districts = [district]
        else:
            districts = session.scalars(select(District).order_by(District.id)).all()
        try:
            return [(d.code, complaint_report.generate_complaint_report(session, d.id, *period))
                    for d in districts]
        except WorkflowError as exc:  # e.g. a month that has not begun
            raise click.ClickException(str(exc)) from exc
    for code, record in commit_or_fail(command_session(), work):
        figures = record.data["figures"]
        click.echo(f"{code} {jalali.format_solar_month(*year_month)}: received {figures['received']}, "
                   f"answered {figures['answered']}, open {figures['open']} "
                   f"(record {record.id}, revision {record.data['revision']})")


@notifications_cli.command("send")
def notifications_send():
    """Send every due outbox message once (the scheduler does this every NOTIFY_POLL_SECONDS)."""
    config = current_app.config
    sent = send_due_notifications(current_app.extensions["db_sessions"], transports_from_config(config),
                                  batch_size=config["NOTIFY_BATCH_SIZE"],
                                  max_attempts=config["NOTIFY_MAX_ATTEMPTS"],
                                  lease_seconds=config["NOTIFY_LEASE_SECONDS"])
    click.echo(f"sent {sent} message(s)")


def register_cli(app) -> None:
    """Attach the commands to `flask`."""
    for command in (setup_command, db_upgrade_command, users_cli, roles_cli, units_cli,
                    processes_cli, reports_cli, notifications_cli, audit_cli, fire_timers_command):
        app.cli.add_command(command)
    from .instances_cli import instances_cli  # the incident actions (flask instances ...)
    app.cli.add_command(instances_cli)
    from .scheduler_cli import scheduler_cli  # flask scheduler run: the scheduler role
    app.cli.add_command(scheduler_cli)
    from .mail_in_cli import mail_in_cli  # flask mail-in serve: the mail-in role
    app.cli.add_command(mail_in_cli)
