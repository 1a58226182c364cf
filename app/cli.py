"""Administration from the command line: flask setup | users | roles | units | processes |
timers | reports | notifications | audit."""
from pathlib import Path

import click
from flask import current_app
from flask_babel import force_locale
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from programmes.complaints import report as complaint_report
from modeling.deploy import deploy_directory, deploy_process, list_processes
from engine import append_operator_event
from models.errors import BpmnValidationError, WorkflowError
from models import District
from notifications import send_due_notifications, transports_from_config
from people.accounts import (AccountError, create_user, deactivate_user, find_district, find_user,
                             grant_role, set_password)
from people.passwords import WeakPassword
from people.catalogue import create_role, list_roles, seed_roles
from people.organisation import UnitImportError, find_unit, import_units_csv, save_unit, unit_tree
from people.substitutes import name_substitute
from workcal import jalali

from .audit.integrity_cli import register as register_audit_commands
from .auth.attempts import password_policy
from .audit.verify_cli import verify_command
from .admin.views import grant_data
from .demo import DEMO_PASSWORD, demo_logins, load_demo_data
from .demo_work import load_demo_work
from .i18n import local_zone, translate_error
from .migrate import upgrade_database
from .organisation import message_categories, parse_period, problem_text_both
from .scheduler import create_due_meetings, fire_due_timers, mardom_salam_settings

# AppGroup/with_appcontext: the commands need the app context however they are invoked
# (the `flask` command pushes one, app.test_cli_runner() and other embeddings do not).
users_cli = AppGroup("users", help="Create users and grant roles.")
processes_cli = AppGroup("processes", help="Deploy and list BPMN processes.")
reports_cli = AppGroup("reports", help="Generate periodic reports.")
notifications_cli = AppGroup("notifications", help="Send the e-mails and SMS of the outbox.")
roles_cli = AppGroup("roles", help="List and add roles (lanes and grants name them).")
units_cli = AppGroup("units", help="Create, list and import organisational units.")
audit_cli = AppGroup("audit", help="Verify instances, check the event chains, make the daily digest.")
register_audit_commands(audit_cli)
audit_cli.add_command(verify_command)


def _session():
    return current_app.extensions["db_sessions"]()


def _commit_or_fail(session, action):
    try:
        result = action(session)
        session.commit()
        return result
    except UnitImportError as exc:
        session.rollback()
        raise click.ClickException("\n".join(
            [exc.message, *(problem_text_both(p) for p in exc.problems)])) from exc
    except WeakPassword as exc:
        session.rollback()
        with force_locale("fa"):
            raise click.ClickException(f"{exc} / {translate_error(exc)}") from exc
    except (AccountError, BpmnValidationError, WorkflowError) as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    finally:
        session.close()


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
        if not no_demo:
            load_demo_data(session)
            cases = load_demo_work(session, current_app.config["MARDOM_SALAM_FIRST_DATE"],
                                   current_app.config["MARDOM_SALAM_TIME"])
            click.echo(f"Demo work in progress: {cases} new cases" if cases
                       else "Demo work in progress: already loaded")
    _commit_or_fail(_session(), work)
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


@users_cli.command("create")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "full_name", default="")
def users_create(username, password, full_name):
    """Create a user (the password must pass the policy: people/passwords.py)."""
    policy = password_policy(current_app.config)
    _commit_or_fail(_session(), lambda s: create_user(s, username, password, full_name, policy=policy))
    click.echo(f"created user {username}")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def users_set_password(username, password):
    """Give USERNAME a new password (the policy applies)."""
    policy = password_policy(current_app.config)
    _commit_or_fail(_session(), lambda s: set_password(s, _find_user_or_fail(s, username), password, policy))
    click.echo(f"new password set for {username}")


@users_cli.command("grant")
@click.argument("username")
@click.argument("role")
@click.option("--district", "district_code", help="District code, e.g. d1.")
@click.option("--city", is_flag=True, help="Grant the role for the whole city.")
@click.option("--reason", default="", help="Why (kept in the audit chain of operator actions).")
def users_grant(username, role, district_code, city, reason):
    """Grant ROLE to USERNAME in a district (--district D) or city-wide (--city)."""
    if bool(city) == bool(district_code):
        raise click.UsageError("Give exactly one of --district D or --city.")

    def work(session):
        user = find_user(session, username)
        if user is None:
            raise AccountError(f"No user {username!r}.")
        district = None if city else find_district(session, district_code)
        if not city and district is None:
            raise AccountError(f"No district {district_code!r}.")
        grant = grant_role(session, user, role, district)
        append_operator_event(session, "role_granted", reason=reason,
                              data={**grant_data(grant), "by": "command line"})
    _commit_or_fail(_session(), work)
    click.echo(f"granted {role} to {username} {'city-wide' if city else 'in ' + district_code}")


@users_cli.command("deactivate")
@click.argument("username")
def users_deactivate(username):
    """Stop USERNAME logging in: their sessions and API tokens end at once."""
    _commit_or_fail(_session(), lambda s: deactivate_user(s, _find_user_or_fail(s, username)))
    click.echo(f"deactivated {username}")


def _find_user_or_fail(session, username):
    user = find_user(session, username)
    if user is None:
        raise AccountError(f"No user {username!r}.")
    return user


def _period_or_fail(from_text, until_text):
    try:
        return parse_period(from_text, until_text)
    except ValueError as exc:
        raise click.BadParameter(f"{exc} (days are written 1405/09/15 or 2026-12-06)",
                                 param_hint="--from/--until") from exc


@users_cli.command("assign")
@click.argument("username")
@click.argument("role")
@click.option("--unit", "unit_code", help="Unit code: the role in that unit (and its district).")
@click.option("--district", "district_code", help="District code, e.g. d1.")
@click.option("--city", is_flag=True, help="The role for the whole city.")
@click.option("--from", "from_day", help="First day, 1405/09/15 or 2026-12-06 (default: now).")
@click.option("--until", "until_day", help="Last day, included (default: open).")
@click.option("--reason", default="", help="Why (kept in the audit chain of operator actions).")
def users_assign(username, role, unit_code, district_code, city, from_day, until_day, reason):
    """Make USERNAME hold ROLE in a unit, a district or the city, optionally for a period."""
    if sum(bool(x) for x in (unit_code, district_code, city)) != 1:
        raise click.UsageError("Give exactly one of --unit U, --district D or --city.")
    valid_from, valid_until = _period_or_fail(from_day, until_day)

    def work(session):
        user = _find_user_or_fail(session, username)
        unit = district = None
        if unit_code:
            unit = find_unit(session, unit_code)
            if unit is None:
                raise AccountError(f"No unit {unit_code!r}.")
        elif district_code:
            district = find_district(session, district_code)
            if district is None:
                raise AccountError(f"No district {district_code!r}.")
        grant = grant_role(session, user, role, district, unit=unit, valid_from=valid_from,
                           valid_until=valid_until)
        append_operator_event(session, "role_granted", reason=reason,
                              data={**grant_data(grant), "by": "command line"})
    _commit_or_fail(_session(), work)
    where = f"in unit {unit_code}" if unit_code else (f"in {district_code}" if district_code else "city-wide")
    period = f" from {from_day or 'now'} until {until_day or 'further notice'}" if from_day or until_day else ""
    click.echo(f"assigned {role} to {username} {where}{period}")


@users_cli.command("substitute")
@click.argument("username")
@click.argument("other")
@click.option("--from", "from_day", required=True, help="First day, 1405/09/15 or 2026-12-06.")
@click.option("--until", "until_day", required=True, help="Last day, included.")
@click.option("--reason", default="", help="Why, e.g. leave.")
def users_substitute(username, other, from_day, until_day, reason):
    """Make OTHER the substitute of USERNAME from --from to --until (both days included)."""
    valid_from, valid_until = _period_or_fail(from_day, until_day)

    def work(session):
        name_substitute(session, _find_user_or_fail(session, username),
                        _find_user_or_fail(session, other), valid_from, valid_until, reason)
        append_operator_event(session, "substitute_named", reason=reason, data={
            "username": username, "substitute": other, "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat(), "by": "command line"})
    _commit_or_fail(_session(), work)
    click.echo(f"{other} stands in for {username} from {from_day} until {until_day}")


@roles_cli.command("list")
def roles_list():
    """List the roles: code, scope, titles."""
    session = _session()
    try:
        for role in list_roles(session):
            scope = "city" if role.city_wide else "district"
            click.echo(f"{role.code:28} {scope:8} {'built-in' if role.built_in else 'added':8} "
                       f"{role.title_en} / {role.title_fa}")
    finally:
        session.close()


@roles_cli.command("create")
@click.argument("code")
@click.option("--fa", "title_fa", required=True, help="Persian title (a lane may use it).")
@click.option("--en", "title_en", required=True, help="English title.")
@click.option("--city", is_flag=True, help="A role normally granted for the whole city.")
@click.option("--reason", default="", help="Why (kept in the audit chain of operator actions).")
def roles_create(code, title_fa, title_en, city, reason):
    """Add a role that lanes and grants may name."""
    def work(session):
        row = create_role(session, code, title_fa, title_en, city)
        append_operator_event(session, "role_created", reason=reason,
                              data={"role": row.code, "city_wide": city, "by": "command line"})
    _commit_or_fail(_session(), work)
    click.echo(f"added role {code}")


@units_cli.command("create")
@click.argument("code")
@click.option("--fa", "title_fa", required=True, help="Persian title.")
@click.option("--en", "title_en", default="", help="English title.")
@click.option("--parent", "parent_code", default="", help="Parent unit code.")
@click.option("--district", "district_code", default="", help="District code (none: a city unit).")
@click.option("--head", "head_username", default="", help="Username of the unit's head.")
@click.option("--categories", default="", help="137 categories it answers, separated by ';'.")
def units_create(code, title_fa, title_en, parent_code, district_code, head_username, categories):
    """Create a unit (or change the one with this code)."""
    fields = {"code": code, "title_fa": title_fa, "title_en": title_en, "parent_code": parent_code,
              "district_code": district_code, "head_username": head_username,
              "categories": categories}

    def work(session):
        save_unit(session, fields, set(message_categories(session)) or None,
                  unit=find_unit(session, code))
    _commit_or_fail(_session(), work)
    click.echo(f"saved unit {code}")


@units_cli.command("list")
@click.option("--district", "district_code", help="Only this district's units.")
def units_list(district_code):
    """List the units as a tree: code, district, head, categories, title."""
    session = _session()
    try:
        district_id = None
        if district_code:
            district = find_district(session, district_code)
            if district is None:
                raise click.ClickException(f"No district {district_code!r}.")
            district_id = district.id
        for unit, depth in unit_tree(session, district_id):
            click.echo(f"{'  ' * depth}{unit.code:{max(1, 24 - 2 * depth)}} "
                       f"{unit.district.code if unit.district else 'city':6} "
                       f"{unit.head.username if unit.head else '-':24} "
                       f"{';'.join(unit.categories) or '-':24} {unit.title_fa}")
    finally:
        session.close()


@units_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def units_import(path):
    """Create or update units from a CSV file (code, title_fa, title_en, parent_code,
    district_code, head_username, categories separated by ';'); nothing is written if a line
    is bad."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException("The file is not UTF-8 text.") from exc
    created, updated = _commit_or_fail(
        _session(), lambda s: import_units_csv(s, text, set(message_categories(s)) or None))
    click.echo(f"units: {created} created, {updated} updated")


@processes_cli.command("deploy")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", default="", help="Why (kept in the audit chain of operator actions).")
def processes_deploy(path, reason):
    """Validate and deploy a .bpmn file as a new version (or say it is unchanged)."""
    version, created = _commit_or_fail(
        _session(), lambda s: deploy_process(s, path.read_bytes(), filename=path.name, reason=reason))
    click.echo(f"{version.process_key} v{version.version} {'deployed' if created else 'unchanged'}")


@processes_cli.command("list")
def processes_list():
    """List deployed processes with their latest version."""
    session = _session()
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
    for code, record in _commit_or_fail(_session(), work):
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
