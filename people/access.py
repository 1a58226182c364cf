"""Who may see and act on which task and instance.

District staff act in their district; a grant with no district is city-wide; a grant in a unit
holds in that unit's district (or city-wide for a city unit). Only grants in force count (their
valid_from / valid_until around the app's clock, models.clock). A substitute, while the
substitution runs, is offered the tasks of the person they stand in for (that person's role
grants and the tasks assigned to them) and may act on them; `on_behalf_of` says for whom, so the
engine notes it in the event.

A confidential instance (a complaint about staff) is seen only by holders of the permission
view_confidential_cases (in its district, or city-wide) and by whoever may act on one of its
open tasks (the district mayor's overdue follow-up): not by its starter, by view_all_instances,
nor by the district's other staff; its quality records follow it.
"""
from sqlalchemy import and_, false, not_, or_, select, true, union
from sqlalchemy.orm import defaultload, lazyload, object_session, selectinload

from models import HumanTask, Instance, QualityRecord, RoleGrant, Substitution, Unit, User, utcnow

from . import organisation
from .permissions import DISTRICT, PERMISSIONS, READ_ONLY_ROLES, grants_in_force, may


def grants_of(user) -> list[RoleGrant]:
    """The user's role grants in force now."""
    return grants_in_force(user)


def has_role(user, role: str, district_id: int | None = None) -> bool:
    """True if the user holds role (now) in that district or city-wide (district None: anywhere)."""
    for grant in grants_in_force(user):
        if grant.role == role and (grant.district_id is None or district_id is None
                                   or grant.district_id == district_id):
            return True
    return False


def is_city_wide(user) -> bool:
    """True if the user holds any city-wide grant."""
    return any(g.district_id is None for g in grants_in_force(user))


def district_ids_of(user) -> set[int] | None:
    """Districts the user works in; None means every district (a city-wide grant)."""
    if is_city_wide(user):
        return None
    return {g.district_id for g in grants_in_force(user)}


def is_read_only(user) -> bool:
    """True if every grant of the user is of a read-only role (an auditor only looks)."""
    grants = grants_in_force(user)
    return bool(grants) and all(g.role in READ_ONLY_ROLES for g in grants)


def absent_colleagues(user, now=None) -> list:
    """The users this user stands in for now (substitutions that run at now)."""
    if getattr(user, "id", None) is None or object_session(user) is None:
        return []
    now = now or utcnow()
    return [s.user for s in user.standing_in_for if s.in_force(now) and s.user_id != user.id]


def _grant_reaches(grant, task: HumanTask) -> bool:
    """A grant of the task's role reaches it: city-wide; or in its district, where a task routed
    to a unit reaches only that unit's members (a unit-less district grant reaches the rest)."""
    if grant.role != task.role:
        return False
    if grant.district_id is None:
        return True
    if grant.district_id != task.district_id:
        return False
    return task.unit_id is None or grant.unit_id == task.unit_id


def _heads_unit_of(user, task: HumanTask) -> bool:
    return task.unit_id is not None and task.unit_id in organisation.headed_unit_ids(
        object_session(user), user)


def _holds_task_role(user, task: HumanTask) -> bool:
    if task.role is None or task.role in READ_ONLY_ROLES:
        return False
    return any(_grant_reaches(g, task) for g in grants_in_force(user)) or _heads_unit_of(user, task)


def may_take(user, task: HumanTask) -> bool:
    """True if the task may be handed to this user: their role and place reach it (reassign)."""
    return _holds_task_role(user, task)


def _may_act_self(user, task: HumanTask) -> bool:
    return task.assignee_id == user.id or _holds_task_role(user, task)


def can_act_on_task(user, task: HumanTask) -> bool:
    """The assignee, a holder of the task's role in its district or city-wide (never
    read-only), or the substitute of one of them while the substitution runs."""
    return _may_act_self(user, task) or any(_may_act_self(absent, task)
                                            for absent in absent_colleagues(user))


def on_behalf_of(user, task: HumanTask):
    """The absent user for whom this user acts on the task (its assignee, or the holder of its
    role they stand in for); None when they act in their own right."""
    absent = absent_colleagues(user)
    if not absent:
        return None
    if task.assignee_id not in (None, user.id):
        return next((a for a in absent if a.id == task.assignee_id), None)
    if _holds_task_role(user, task):
        return None
    return next((a for a in absent if _holds_task_role(a, task)), None)


def stands_in_for(user, other_id: int | None) -> bool:
    """True if the user is now the substitute of the user other_id."""
    return other_id is not None and any(a.id == other_id for a in absent_colleagues(user))


def can_view_instance(user, instance: Instance) -> bool:
    """Staff of the instance's district, city-wide oversight roles and process owners (the
    permission view_all_instances), its starter, and a city-wide role that has or had a task
    in it (the Mardom Salam offices: the page a completed task leads to). A confidential one:
    holders of view_confidential_cases and whoever may act on one of its open tasks only."""
    if instance.confidential:
        return _may_see_confidential(user, instance)
    if instance.started_by_id == user.id or may(user, "view_all_instances"):
        return True
    if any(grant.district_id == instance.district_id for grant in grants_in_force(user)):
        return True
    session = object_session(instance)
    return session is not None and session.scalar(
        select(HumanTask.id).where(HumanTask.instance_id == instance.id, _worked_on(user))
        .limit(1)) is not None


def _may_see_confidential(user, instance: Instance) -> bool:
    if may(user, "view_confidential_cases", instance.district_id):
        return True
    session = object_session(instance)
    if session is None:
        return False
    return any(can_act_on_task(user, task) for task in session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "ready")))


def _confidential_scope(user):
    """SQL condition on Instance: the confidential instances the user may view (see
    _may_see_confidential); None when they may view every one."""
    rule = PERMISSIONS["view_confidential_cases"]
    clauses = []
    for grant in grants_in_force(user):
        if grant.role in rule.roles:
            if grant.district_id is None:
                return None
            clauses.append(Instance.district_id == grant.district_id)
    # Read-only roles' grants reach no task one may act on.
    clauses.append(Instance.id.in_(select(HumanTask.instance_id).where(
        HumanTask.status == "ready", or_(*_grant_clauses(user, skip_read_only=True)))))
    return or_(*clauses)


def _not_hidden(user):
    """SQL condition on Instance: not a confidential instance the user may not view."""
    confidential = _confidential_scope(user)
    return true() if confidential is None else or_(Instance.confidential.is_(False), confidential)


def _worked_on(user):
    """SQL condition on HumanTask: a task of one of the user's city-wide roles, or theirs."""
    roles = [grant.role for grant in grants_in_force(user) if grant.district_id is None]
    return or_(HumanTask.assignee_id == user.id, HumanTask.completed_by_id == user.id,
               HumanTask.role.in_(roles) if roles else false())


def can_start_in_district(user, district_id: int) -> bool:
    """Any staff role in the district, or a city-wide role, may start a process there (not read-only ones)."""
    return any(g.district_id in (None, district_id) and g.role not in READ_ONLY_ROLES
               for g in grants_in_force(user))


def instance_scope_clause(user):
    """SQL condition: instances the user may view (a confidential one only as can_view_instance
    says)."""
    if may(user, "view_all_instances"):
        return _not_hidden(user)
    clauses = [Instance.started_by_id == user.id,
               Instance.id.in_(select(HumanTask.instance_id).where(_worked_on(user)))]
    for grant in grants_in_force(user):
        if grant.district_id is not None:
            clauses.append(Instance.district_id == grant.district_id)
    return and_(or_(*clauses), _not_hidden(user))


def _grant_clauses(user, skip_read_only: bool = False) -> list:
    """One condition per way a task reaches the user: assigned to them, or one per grant in
    force; the same for each person they stand in for now (skip_read_only: not the user's own
    grants of read-only roles either)."""
    clauses, seen = [], set()
    for person in (user, *absent_colleagues(user)):
        clauses.append(HumanTask.assignee_id == person.id)
        headed = organisation.headed_unit_ids(object_session(person), person)
        if headed:
            clauses.append(HumanTask.unit_id.in_(headed))
        for grant in grants_in_force(person):
            key = (grant.role, grant.district_id, grant.unit_id)
            if key in seen or ((skip_read_only or person is not user)
                               and grant.role in READ_ONLY_ROLES):
                continue
            seen.add(key)
            if grant.district_id is None:
                clauses.append(HumanTask.role == grant.role)
                continue
            # A task routed to a unit reaches that unit's members only.
            reach = (HumanTask.unit_id.is_(None) if grant.unit_id is None else
                     or_(HumanTask.unit_id.is_(None), HumanTask.unit_id == grant.unit_id))
            clauses.append(and_(HumanTask.role == grant.role,
                                HumanTask.district_id == grant.district_id, reach))
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
    """SQL condition: quality records the user may see (their districts; all if city-wide), but
    not those of a confidential instance the user may not view."""
    ids = district_ids_of(user)
    if ids is not None and not ids:
        return false()
    districts = true() if ids is None else QualityRecord.district_id.in_(ids)
    confidential = _confidential_scope(user)
    if confidential is None:
        return districts
    # Not correlated: the records list joins instances itself.
    hidden = select(Instance.id).where(Instance.confidential.is_(True),
                                       not_(confidential)).correlate(None)
    return and_(districts, or_(QualityRecord.instance_id.is_(None),
                               QualityRecord.instance_id.not_in(hidden)))


def can_view_record(user, record: QualityRecord) -> bool:
    """The records list's rule for one record: of one of the user's districts (all if
    city-wide), and of an instance the user may view when that instance is confidential."""
    ids = district_ids_of(user)
    if ids is not None and record.district_id not in ids:
        return False
    if record.instance_id is None:
        return True
    session = object_session(record)
    instance = session.get(Instance, record.instance_id) if session is not None else None
    return instance is None or not instance.confidential or can_view_instance(user, instance)


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


def eligible_assignees(session, task: HumanTask) -> list[User]:
    """The people a ready task may be handed to (the reassign picker): active holders of its
    role whose place reaches it (its unit's members and head when routed to a unit); by name."""
    if task.role is None or task.role in READ_ONLY_ROLES:
        return []
    people = [u for u in session.scalars(select(User).where(
        User.is_active.is_(True), User.id.in_(select(_reachers(task).subquery().c[0])))) ]
    return sorted((u for u in people if may_take(u, task)), key=lambda u: u.display_name)


def holders_of(session, permission: str, district_id: int | None) -> list[User]:
    """Active users who hold a permission in a district as may() answers it (a grant in force
    there or city-wide; CITY scope: city-wide only); by id, one query. Whom an incident is told
    to (programmes.staff.incidents)."""
    rule = PERMISSIONS[permission]
    place = RoleGrant.district_id.is_(None)
    if rule.scope == DISTRICT:
        place = true() if district_id is None else or_(place, RoleGrant.district_id == district_id)
    holders = select(RoleGrant.user_id).where(RoleGrant.role.in_(sorted(rule.roles)), place,
                                              organisation.grant_in_force_clause(utcnow()))
    return list(session.scalars(select(User).options(lazyload(User.grants)).where(
        User.is_active.is_(True), User.id.in_(holders)).order_by(User.id)))


# session.info: {(assignee, role, district, unit): users} while a batch of steps runs (users_offered)
OFFERED_MEMO_KEY = "people.users_offered_memo"


def _reachers(task: HumanTask):
    """SQL: ids of the holders (grant in force) of the task's role whose place reaches it, and
    of the head of the unit it was routed to."""
    place = or_(RoleGrant.district_id.is_(None), and_(
        RoleGrant.district_id == task.district_id,
        true() if task.unit_id is None else RoleGrant.unit_id == task.unit_id))
    return union(
        select(RoleGrant.user_id).where(RoleGrant.role == task.role, place,
                                        organisation.grant_in_force_clause(utcnow())),
        select(Unit.head_id).where(Unit.id == task.unit_id, Unit.head_id.isnot(None)))


def users_offered(session, task: HumanTask) -> list[User]:
    """Active users a ready task is offered to: its assignee if it has one, else every holder
    of its role (grant in force) whose place reaches it: city-wide, or in its district (only the
    unit's members and head when it was routed to a unit); and their substitutes now. By id;
    one query.

    The one place that answers "whose work is this" for notifications. Inside a batch that
    keeps a memo (session.info[OFFERED_MEMO_KEY], a timer batch: engine.runtime.timer_batch)
    the answer for the same assignee, role, district and unit is read once per batch."""
    memo = session.info.get(OFFERED_MEMO_KEY)
    key = (task.assignee_id, task.role, task.district_id, task.unit_id)
    if memo is not None and key in memo:
        return list(memo[key])
    offered = _users_offered(session, task)
    if memo is not None:
        memo[key] = tuple(offered)
    return offered


def _users_offered(session, task: HumanTask) -> list[User]:
    now = utcnow()
    if task.assignee_id is not None:
        people = select(User.id).where(User.id == task.assignee_id)
    elif task.role is None or task.role in READ_ONLY_ROLES:
        return []
    else:
        people = _reachers(task)
    people = people.subquery()
    standing_in = select(Substitution.substitute_id).where(
        Substitution.user_id.in_(select(people.c[0])), Substitution.valid_from <= now,
        Substitution.valid_until > now)
    return list(session.scalars(
        select(User).options(lazyload(User.grants)).where(
            User.is_active.is_(True), or_(User.id.in_(select(people.c[0])), User.id.in_(standing_in)))
        .order_by(User.id)))
