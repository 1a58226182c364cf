"""Who may see and act on which task and instance.

District staff act in their district; a grant with no district is city-wide.
"""
from sqlalchemy import and_, false, or_, select, true, union
from sqlalchemy.orm import defaultload, lazyload, object_session, selectinload

from models import HumanTask, Instance, QualityRecord, RoleGrant, User

from .permissions import READ_ONLY_ROLES, may


def grants_of(user) -> list[RoleGrant]:
    """The user's role grants."""
    return list(user.grants)


def has_role(user, role: str, district_id: int | None = None) -> bool:
    """True if the user holds role in that district or city-wide (district None: anywhere)."""
    for grant in user.grants:
        if grant.role == role and (grant.district_id is None or district_id is None
                                   or grant.district_id == district_id):
            return True
    return False


def is_city_wide(user) -> bool:
    """True if the user holds any city-wide grant."""
    return any(g.district_id is None for g in user.grants)


def district_ids_of(user) -> set[int] | None:
    """Districts the user works in; None means every district (a city-wide grant)."""
    if is_city_wide(user):
        return None
    return {g.district_id for g in user.grants}


def is_read_only(user) -> bool:
    """True if every grant of the user is of a read-only role (an auditor only looks)."""
    return bool(user.grants) and all(g.role in READ_ONLY_ROLES for g in user.grants)


def can_act_on_task(user, task: HumanTask) -> bool:
    """The assignee, or a holder of the task's role in its district or city-wide (never read-only)."""
    if task.assignee_id == user.id:
        return True
    return (task.role is not None and task.role not in READ_ONLY_ROLES
            and has_role(user, task.role, task.district_id))


def can_view_instance(user, instance: Instance) -> bool:
    """Staff of the instance's district, city-wide oversight roles and process owners (the
    permission view_all_instances), its starter, and a city-wide role that has or had a task
    in it (the Mardom Salam offices: the page a completed task leads to)."""
    if instance.started_by_id == user.id or may(user, "view_all_instances"):
        return True
    if any(grant.district_id == instance.district_id for grant in user.grants):
        return True
    session = object_session(instance)
    return session is not None and session.scalar(
        select(HumanTask.id).where(HumanTask.instance_id == instance.id, _worked_on(user))
        .limit(1)) is not None


def _worked_on(user):
    """SQL condition on HumanTask: a task of one of the user's city-wide roles, or theirs."""
    roles = [grant.role for grant in user.grants if grant.district_id is None]
    return or_(HumanTask.assignee_id == user.id, HumanTask.completed_by_id == user.id,
               HumanTask.role.in_(roles) if roles else false())


def can_start_in_district(user, district_id: int) -> bool:
    """Any staff role in the district, or a city-wide role, may start a process there (not read-only ones)."""
    return any(g.district_id in (None, district_id) and g.role not in READ_ONLY_ROLES
               for g in user.grants)


def instance_scope_clause(user):
    """SQL condition: instances the user may view."""
    if may(user, "view_all_instances"):
        return Instance.id.isnot(None)
    clauses = [Instance.started_by_id == user.id,
               Instance.id.in_(select(HumanTask.instance_id).where(_worked_on(user)))]
    for grant in user.grants:
        if grant.district_id is not None:
            clauses.append(Instance.district_id == grant.district_id)
    return or_(*clauses)


def _grant_clauses(user) -> list:
    """One condition per way a task reaches the user: assigned to them, or one per grant."""
    clauses = [HumanTask.assignee_id == user.id]
    for grant in user.grants:
        clauses.append(HumanTask.role == grant.role if grant.district_id is None else
                       and_(HumanTask.role == grant.role, HumanTask.district_id == grant.district_id))
    return clauses


def _inbox_order(columns=HumanTask):
    # NULLS LAST (PostgreSQL, SQLite >= 3.30) lets the partial indexes of migration 0003 on
    # (role, [district_id,] due_at, created_at, id) deliver each grant's rows already in order.
    return (columns.due_at.asc().nulls_last(), columns.created_at, columns.id)


# What the inbox shows of a task, without joining instances and process versions into every row.
INBOX_LOAD = (selectinload(HumanTask.instance).load_only(Instance.id, Instance.title),
              defaultload(HumanTask.instance).lazyload(Instance.version),
              defaultload(HumanTask.instance).lazyload(Instance.district),
              selectinload(HumanTask.district), selectinload(HumanTask.assignee),
              lazyload(HumanTask.completed_by))


def record_scope_clause(user):
    """SQL condition: quality records the user may see (their districts; all if city-wide)."""
    ids = district_ids_of(user)
    if ids is None:
        return true()
    return QualityRecord.district_id.in_(ids) if ids else false()


def inbox_query(user, process_key=None, district_id=None, overdue_only=False, now=None,
                limit: int = 50, offset: int = 0):
    """Ready tasks the user may act on, by due date (none last) and age: one page of them.

    One ordered top-(offset+limit) range per grant, merged: a city-wide user's inbox reads a
    few index ranges instead of sorting every ready task of the city (bench/inbox_at_scale.py).
    """
    parts = []
    for clause in _grant_clauses(user):
        part = select(HumanTask.id, HumanTask.due_at, HumanTask.created_at).where(
            HumanTask.status == "ready", clause)
        if process_key:
            part = part.where(HumanTask.process_key == process_key)
        if district_id:
            part = part.where(HumanTask.district_id == district_id)
        if overdue_only and now is not None:
            part = part.where(HumanTask.due_at.isnot(None), HumanTask.due_at < now)
        parts.append(part.order_by(*_inbox_order()).limit(offset + limit).subquery().select())
    merged = union(*parts).subquery()
    page_ids = select(merged.c.id).order_by(*_inbox_order(merged.c)).limit(limit).offset(offset)
    return (select(HumanTask).where(HumanTask.id.in_(page_ids)).order_by(*_inbox_order())
            .options(*INBOX_LOAD))


def users_offered(session, task: HumanTask) -> list[User]:
    """Active users a ready task is offered to: its assignee if it has one, else every holder
    of its role in its district or city-wide (never a read-only role); by id.

    The one place that answers "whose work is this" for notifications: units and substitutes
    extend it here."""
    if task.assignee_id is not None:
        assignee = session.get(User, task.assignee_id)
        return [assignee] if assignee is not None and assignee.is_active else []
    if task.role is None or task.role in READ_ONLY_ROLES:
        return []
    return list(session.scalars(
        select(User).options(lazyload(User.grants)).where(User.is_active.is_(True), User.id.in_(
            select(RoleGrant.user_id).where(
                RoleGrant.role == task.role,
                or_(RoleGrant.district_id == task.district_id, RoleGrant.district_id.is_(None)))))
        .order_by(User.id)))
