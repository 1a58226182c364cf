"""The roles in force: the `roles` table (built-in roles seeded, those administrators added).

`roles_of(session)` is the RoleCatalogue every reader with a session asks (the deploy-time lane
check, role titles on pages, grants). It is loaded once per session transaction (one query of a
few dozen rows) and kept in session.info until that transaction ends or a role is added in it,
so a role an administrator adds is known to the next request of every process, and at once to
the rest of the request that added it. A built-in role missing from the table (a database
emptied and not seeded yet) still counts: the permission table names them.
"""
import re

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from models import Role as RoleRow
from models.errors import InvalidData

from .roles import BUILT_IN, ROLES, Role, RoleCatalogue

_SESSION_KEY = "people.role_catalogue"
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def roles_of(session) -> RoleCatalogue:
    """The roles in force for this session (the built-in seed alone without a session)."""
    if session is None:
        return BUILT_IN
    catalogue = session.info.get(_SESSION_KEY)
    if catalogue is None:
        rows = session.scalars(select(RoleRow).order_by(RoleRow.id)).all()
        known = {row.code for row in rows}
        roles = [role for role in ROLES if role.code not in known]
        roles += [Role(row.code, row.title_fa, row.title_en, row.city_wide) for row in rows]
        catalogue = session.info[_SESSION_KEY] = RoleCatalogue(roles)
    return catalogue


def forget_roles(session) -> None:
    """Drop the session's catalogue (the next roles_of reads the table again)."""
    session.info.pop(_SESSION_KEY, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_at_transaction_end(session, *_args) -> None:
    forget_roles(session)


def seed_roles(session) -> int:
    """Insert the built-in roles missing from the table; return how many (idempotent)."""
    known = set(session.scalars(select(RoleRow.code)))
    missing = [role for role in ROLES if role.code not in known]
    for role in missing:
        session.add(RoleRow(code=role.code, title_fa=role.title_fa, title_en=role.title_en,
                            city_wide=role.city_wide, built_in=True))
    if missing:
        session.flush()
        forget_roles(session)
    return len(missing)


def list_roles(session) -> list[RoleRow]:
    """Every role row, built-in first, then those added in order."""
    return list(session.scalars(select(RoleRow).order_by(RoleRow.built_in.desc(), RoleRow.id)))


def checked_code_and_titles(code, title_fa, title_en) -> tuple[str, str, str, dict]:
    """The stripped code and titles of a catalogue entry (a role, a 137 channel) and what is
    wrong with them, per field."""
    code, title_fa, title_en = (code or "").strip(), (title_fa or "").strip(), (title_en or "").strip()
    errors = {}
    if not CODE_PATTERN.match(code):
        errors["code"] = "A code of 2 to 40 lower-case Latin letters, digits or _, starting with a letter."
    if not title_fa or len(title_fa) > 200:
        errors["title_fa"] = "A Persian title of 1 to 200 characters is required."
    if not title_en or len(title_en) > 200:
        errors["title_en"] = "An English title of 1 to 200 characters is required."
    return code, title_fa, title_en, errors


def create_role(session, code: str, title_fa: str, title_en: str, city_wide: bool = False,
                user=None) -> RoleRow:
    """Add a role (InvalidData, per field, for a bad or taken code or a title another role
    already uses: a lane name must name one role)."""
    code, title_fa, title_en, errors = checked_code_and_titles(code, title_fa, title_en)
    catalogue = roles_of(session)
    if "code" not in errors and (catalogue.is_role(code) or catalogue.role_for_lane(code)):
        errors["code"] = "This code is taken by another role."
    for key, title in (("title_fa", title_fa), ("title_en", title_en)):
        if key not in errors and catalogue.role_for_lane(title):
            errors[key] = "Another role already has this name; lanes must name one role."
    if errors:
        raise InvalidData("The role was not added: {problems}", errors,
                          problems="; ".join(errors.values()))
    row = RoleRow(code=code, title_fa=title_fa, title_en=title_en, city_wide=bool(city_wide),
                  built_in=False)
    session.add(row)
    session.flush()
    forget_roles(session)
    return row
