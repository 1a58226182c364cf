"""What the task page and the API share: a task with the form and data it shows, and its
completion, where a concurrent change is answered at the boundary that owns the transaction."""
from dataclasses import dataclass, field

from sqlalchemy.orm.exc import StaleDataError

from formjs import versions as form_versions
from formjs.forms import FormNotFound, readonly_fields
import engine
from models import HumanTask
from models.errors import Conflict
from programmes.staff.events import notify_assigned


@dataclass
class OpenedTask:
    """A task a user may see, the version of its form it was created with, and its data."""

    task: HumanTask
    schema: dict | None  # None: no form, or its form is missing
    shown: dict = field(default_factory=dict)  # what the server gives the open task (read-only)

    def data(self, session) -> dict:
        """What the task shows: its own data and what the server computes for it now."""
        return engine.shown_task_data(session, self.task, self.shown)


def open_task(session, task_id: int, user, with_state: bool = True) -> OpenedTask:
    """The task (NotFound / Forbidden as engine.get_task) with its form's version, the fields
    whose value the server gives marked read-only (the completion keeps the server's)."""
    task = engine.get_task(session, task_id, user, with_state=with_state)
    schema, shown = None, {}
    if task.form_key:
        try:
            schema = form_versions.task_schema(session, task)
        except FormNotFound:
            schema = None
        shown = engine.server_data(session, task)
        if schema is not None:
            schema = readonly_fields(schema, shown)
    return OpenedTask(task, schema, shown)


def complete_task(session, task_id: int, user, data, locale: str = "fa") -> HumanTask:
    """Complete a task; someone else's concurrent step becomes 409 "already completed by X"."""
    try:
        return engine.complete_task(session, task_id, user, data, locale)
    except StaleDataError:
        session.rollback()
        task = session.get(HumanTask, task_id)
        session.refresh(task)
        engine.require_ready(task)
        raise Conflict("The instance changed while you were working; reload and try again.") from None


def reassign_task(session, task_id: int, user, to_username: str, reason: str = "") -> HumanTask:
    """Hand a task to another user (engine.reassign_task) and tell them (once) it is theirs."""
    task = engine.reassign_task(session, task_id, user, to_username, reason)
    notify_assigned(session, task)
    return task
