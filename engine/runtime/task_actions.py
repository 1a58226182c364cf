"""Claiming, releasing and reassigning a ready task (completing it is engine/runtime/steps.py's)."""
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from models import HumanTask, User
from people import access

from models.errors import Conflict, Forbidden, InvalidData
from engine.events import append_event
from engine.runtime.completing import get_task, require_free_for, require_ready


def flush_or_conflict(session) -> None:
    """Flush; a concurrent change of the instance (its row_version) becomes a Conflict."""
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise Conflict("The instance changed while you were working; reload and try again.") from None


def claim_task(session, task_id: int, user: User) -> HumanTask:
    """Take a ready task so that only this user works on it."""
    task = get_task(session, task_id, user)
    if not access.can_act_on_task(user, task):
        raise Forbidden("This task belongs to another role or district.")
    require_ready(task)
    require_free_for(task, user)
    if task.assignee_id != user.id:
        absent = access.on_behalf_of(user, task)  # a substitute taking an absent colleague's task
        task.assignee_id, task.assignee = user.id, user
        append_event(session, task.instance, "task_claimed", actor=user,
                     task_spec=task.task_spec, spiff_task_id=task.spiff_task_id,
                     data={"on_behalf_of": absent.username} if absent is not None else None)
    flush_or_conflict(session)
    return task


def unclaim_task(session, task_id: int, user: User) -> HumanTask:
    """Give a claimed task back to everyone holding its role."""
    task = get_task(session, task_id, user)
    require_ready(task)
    if task.assignee_id != user.id:
        raise Forbidden("Only the user who claimed this task can release it.")
    task.assignee_id, task.assignee = None, None
    append_event(session, task.instance, "task_unclaimed", actor=user,
                 task_spec=task.task_spec, spiff_task_id=task.spiff_task_id)
    flush_or_conflict(session)
    return task


def reassign_task(session, task_id: int, user: User, to_username: str, reason: str = "") -> HumanTask:
    """Hand a ready task to another user whose role and place reach it, with a reason (logged)."""
    task = get_task(session, task_id, user)
    if not access.can_act_on_task(user, task):
        raise Forbidden("This task belongs to another role or district.")
    require_ready(task)
    target = session.scalars(select(User).where(User.username == to_username)).first()
    if target is None or not target.is_active:
        raise InvalidData("No such user.", {"username": "No such user."})
    if not (task.role and access.may_take(target, task)):
        raise InvalidData("{who} does not hold this task's role in its district.",
                          {"username": "The user does not hold the task's role here."},
                          who=target.display_name)
    reason = " ".join(str(reason or "").split())[:500]
    task.assignee_id, task.assignee = target.id, target
    append_event(session, task.instance, "task_reassigned", actor=user, task_spec=task.task_spec,
                 spiff_task_id=task.spiff_task_id,
                 data={"to": target.username, **({"reason": reason} if reason else {})})
    flush_or_conflict(session)
    return task
