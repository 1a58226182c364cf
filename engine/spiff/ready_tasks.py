"""The user and manual tasks a workflow waits on, with what their properties say of them: form,
due date, and the unit or role a task names by data (candidateUnit, candidateRole)."""
from dataclasses import dataclass, field
from datetime import datetime, timezone

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from workcal.working_time import due_properties


@dataclass
class ReadyHumanTask:
    spiff_task_id: str
    task_spec: str
    name: str
    lane: str | None
    form_key: str | None
    due: dict = field(default_factory=dict)  # dueInWorkingDays / dueInWorkingHours / dueInHours
    due_at: datetime | None = None  # naive UTC, from the task data a dueAtVariable property names
    unit: str | None = None  # what the task's candidateUnit expression gave (a unit's code or name)
    role: str | None = None  # what the task's candidateRole expression gave (a role's code)


def ready_human_tasks(workflow: BpmnWorkflow) -> list[ReadyHumanTask]:
    """User and manual tasks that wait for a person now."""
    out = []
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        spec = task.task_spec
        props = (getattr(spec, "extensions", None) or {}).get("properties", {})
        out.append(ReadyHumanTask(
            spiff_task_id=str(task.id), task_spec=spec.bpmn_id, name=spec.bpmn_name or spec.bpmn_id,
            lane=getattr(spec, "lane", None), form_key=props.get("formKey"),
            due=due_properties(props), due_at=_due_at_from_data(task, props.get("dueAtVariable")),
            unit=_candidate_unit(task, props.get("candidateUnit")),
            role=_candidate_unit(task, props.get("candidateRole"))))
    return out


def _candidate_unit(task, expression: str | None) -> str | None:
    """The unit a task names by its candidateUnit property: a Python expression over the task
    data, run in the sandbox (as Camunda's candidate-group expressions), giving a unit's code or
    title, or a 137 category its unit answers; `data` is the task data as a dict, for fields a
    case may lack (data.get("referred_unit") or category). A failing expression or an empty
    answer leaves the task routed by its lane's role, so no task is lost to a slip in a diagram.

    The property candidateRole is evaluated the same way and gives a role's code
    (engine.runtime.steps.task_role decides whether it replaces the lane's role)."""
    if not expression or not expression.strip():
        return None
    try:
        value = task.workflow.script_engine.evaluate(task, expression,
                                                     external_context={"data": dict(task.data)})
    except Exception:  # noqa: BLE001 - any failure of the expression: route by the lane
        return None
    text = str(value).strip() if value not in (None, "", [], {}) else ""
    return text[:200] or None


def _due_at_from_data(task, variable: str | None) -> datetime | None:
    """The due moment a diagram computed into the task data (property dueAtVariable), naive UTC.

    For deadlines that depend on the data, such as a 137 message's reply by its category
    (reply_due_at = add_working_hours(now(), reply_deadline_hours(category)).isoformat()).
    A value that is missing or not a moment leaves the task without this due date.
    """
    if not variable:
        return None
    value = task.data.get(variable)
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment
