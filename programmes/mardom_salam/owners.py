"""The working group's owner and deadline of a Mardom Salam request reach its 137 message: the
executive unit's task goes to the owner's unit and is due by the deadline (the end of that day
in the city's time zone)."""
from datetime import time, timedelta

from sqlalchemy import select

from models import HumanTask
from models.mardom_salam import MardomSalamRequest
from people.organisation import routed_unit
from workcal.jalali import utc_of
from workcal.store import zone_of

MESSAGE_KEY = "citizen_message_137"
EXECUTIVE_TASK = "Task_executive_reply"


def apply_owner(session, request: MardomSalamRequest, task: HumanTask) -> None:
    """Route the message's executive task to the request's owner and give it the deadline."""
    if request.owner:
        unit_id = routed_unit(session, request.owner, task.role, task.district_id)
        if unit_id is not None:
            task.unit_id = unit_id
    if request.deadline is not None:
        # due by the end of the deadline's day, local time
        task.due_at = utc_of(request.deadline + timedelta(days=1), time(0), zone_of(session)) \
            - timedelta(seconds=1)


def apply_owners(session, requests) -> None:
    """After the working group's table: each classified 137 request's open executive task."""
    by_message = {r.message_instance_id: r for r in requests if r.message_instance_id}
    if not by_message:
        return
    tasks = session.scalars(select(HumanTask).where(
        HumanTask.instance_id.in_(by_message), HumanTask.task_spec == EXECUTIVE_TASK,
        HumanTask.status == "ready"))
    for task in tasks:
        apply_owner(session, by_message[task.instance_id], task)


def owner_on_open(session, instance, completed, opened, started) -> None:
    """A message's executive task opening after the table was made gets its owner too."""
    if instance.process_key != MESSAGE_KEY:
        return
    tasks = [t for t in opened if t.task_spec == EXECUTIVE_TASK]
    if not tasks:
        return
    request = session.scalars(select(MardomSalamRequest).where(
        MardomSalamRequest.message_instance_id == instance.id)).first()
    if request is not None and (request.owner or request.deadline):
        for task in tasks:
            apply_owner(session, request, task)
