"""Who may see and act on which task and instance.

District staff act in their district; a grant with no district is city-wide.
"""
from sqlalchemy import and_, false, or_, select

from models import HumanTask, Instance, RoleGrant

CITY_OVERSIGHT_ROLES = {"central_pr", "central_inspection", "auditor", "admin"}


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


def can_act_on_task(user, task: HumanTask) -> bool:
    """The assignee, or a holder of the task's role in its district or city-wide."""
    if task.assignee_id == user.id:
        return True
    return task.role is not None and has_role(user, task.role, task.district_id)


def can_view_instance(user, instance: Instance) -> bool:
    """Staff of the instance's district, city-wide oversight roles, or its starter."""
    if instance.started_by_id == user.id:
        return True
    for grant in user.grants:
        if grant.district_id is None and grant.role in CITY_OVERSIGHT_ROLES:
            return True
        if grant.district_id == instance.district_id:
            return True
        if grant.district_id is None and grant.role == "process_owner":
            return True
    return False


def can_start_in_district(user, district_id: int) -> bool:
    """Any staff role in the district, or a city-wide role, may start a process there."""
    return any(g.district_id in (None, district_id) for g in user.grants)


def task_scope_clause(user):
    """SQL condition: tasks the user may act on (assigned to them, or their role there)."""
    clauses = [HumanTask.assignee_id == user.id]
    for grant in user.grants:
        if grant.district_id is None:
            clauses.append(HumanTask.role == grant.role)
        else:
            clauses.append(and_(HumanTask.role == grant.role,
                                HumanTask.district_id == grant.district_id))
    return or_(*clauses) if clauses else false()


def instance_scope_clause(user):
    """SQL condition: instances the user may view."""
    clauses = [Instance.started_by_id == user.id]
    for grant in user.grants:
        if grant.district_id is None and grant.role in CITY_OVERSIGHT_ROLES | {"process_owner"}:
            return Instance.id.isnot(None)
        if grant.district_id is not None:
            clauses.append(Instance.district_id == grant.district_id)
    return or_(*clauses)


def inbox_query(user, process_key=None, district_id=None, overdue_only=False, now=None):
    """Ready tasks the user may act on, overdue first, then by due date and age."""
    query = select(HumanTask).where(HumanTask.status == "ready", task_scope_clause(user))
    if process_key:
        query = query.where(HumanTask.process_key == process_key)
    if district_id:
        query = query.where(HumanTask.district_id == district_id)
    if overdue_only and now is not None:
        query = query.where(HumanTask.due_at.isnot(None), HumanTask.due_at < now)
    # NULL due dates last on both databases: order by "has no due date" first.
    return query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at,
                          HumanTask.id)
