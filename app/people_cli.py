"""`flask users | roles | units`: accounts and their grants and substitutes, the roles lanes
and grants name, the organisational units. Registered by app/cli.py (register_cli)."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from engine import append_operator_event
from people.accounts import (AccountError, create_user, deactivate_user, find_district, find_user,
                             grant_role, set_password)
from people.catalogue import create_role, list_roles
from people.organisation import find_unit, import_units_csv, save_unit, unit_tree
from people.substitutes import name_substitute

from .admin.views import grant_data
from .auth.attempts import password_policy
from .command_session import command_session, commit_or_fail
from .organisation import message_categories, parse_period

users_cli = AppGroup("users", help="Create users and grant roles.")
roles_cli = AppGroup("roles", help="List and add roles (lanes and grants name them).")
units_cli = AppGroup("units", help="Create, list and import organisational units.")


@users_cli.command("create")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "full_name", default="")
def users_create(username, password, full_name):
    """Create a user (the password must pass the policy: people/passwords.py)."""
    policy = password_policy(current_app.config)
    commit_or_fail(command_session(), lambda s: create_user(s, username, password, full_name, policy=policy))
    click.echo(f"created user {username}")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def users_set_password(username, password):
    """Give USERNAME a new password (the policy applies)."""
    policy = password_policy(current_app.config)
    commit_or_fail(command_session(),
                   lambda s: set_password(s, _find_user_or_fail(s, username), password, policy))
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
    commit_or_fail(command_session(), work)
    click.echo(f"granted {role} to {username} {'city-wide' if city else 'in ' + district_code}")


@users_cli.command("deactivate")
@click.argument("username")
def users_deactivate(username):
    """Stop USERNAME logging in: their sessions and API tokens end at once."""
    commit_or_fail(command_session(), lambda s: deactivate_user(s, _find_user_or_fail(s, username)))
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
    commit_or_fail(command_session(), work)
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
    commit_or_fail(command_session(), work)
    click.echo(f"{other} stands in for {username} from {from_day} until {until_day}")


@roles_cli.command("list")
def roles_list():
    """List the roles: code, scope, titles."""
    session = command_session()
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
    commit_or_fail(command_session(), work)
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
    commit_or_fail(command_session(), work)
    click.echo(f"saved unit {code}")


@units_cli.command("list")
@click.option("--district", "district_code", help="Only this district's units.")
def units_list(district_code):
    """List the units as a tree: code, district, head, categories, title."""
    session = command_session()
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
    created, updated = commit_or_fail(
        command_session(), lambda s: import_units_csv(s, text, set(message_categories(s)) or None))
    click.echo(f"units: {created} created, {updated} updated")
