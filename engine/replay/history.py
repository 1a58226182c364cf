"""Read-side views of an instance for its page: events, diagram marks, open tasks."""
from sqlalchemy import select

from models import HumanTask, Instance
from models.errors import UnreadableState

from engine.events import read_events
from engine.core import engine_of
from engine.spiff.workflow_tasks import active_elements, completed_elements


def instance_overview(session, instance: Instance) -> dict:
    """Everything the instance page shows, without touching other instances."""
    try:
        workflow = engine_of(session).load_workflow(instance.state_json, instance.version)
    except UnreadableState:
        workflow = None  # the page shows what the rows and the log say, without the diagram's marks
    tasks = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)
                            .order_by(HumanTask.created_at, HumanTask.id)).all()
    return {
        "instance": instance,
        "open_tasks": [t for t in tasks if t.status == "ready"],
        "tasks": tasks,
        "events": read_events(session, instance.id),
        "completed_elements": completed_elements(workflow) if workflow else {},
        "active_elements": active_elements(workflow) if workflow and instance.status == "running" else [],
    }
