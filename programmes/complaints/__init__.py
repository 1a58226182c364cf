"""Complaints (F-__-0-5-01 follow-up records, the periodic report F-__-0-5-02)."""

PROCESS_KEY = "complaints"
REGISTER_TASK = "Task_register_complaint"


def register(engine) -> None:
    """A complaint about staff is confidential from the moment it is known to be one (filed as
    such, or registered as such); the register keeps the complaint's follow-up record."""
    engine.hooks.instance_starting.append(mark_staff_complaint_at_start)
    engine.hooks.task_completed.append(mark_staff_complaint_at_register)


def _about_staff(data) -> bool:
    return isinstance(data, dict) and data.get("complaint_type") == "employee"


def mark_staff_complaint_at_start(session, instance, data, tracking_prefix) -> None:
    """A complaint started as one about staff (the portal's service) is confidential."""
    if instance.process_key == PROCESS_KEY and _about_staff(data):
        instance.confidential = True


def mark_staff_complaint_at_register(session, task, actor, data, now) -> dict:
    """A complaint registered as one about staff becomes confidential (never the reverse: what
    was hidden stays hidden)."""
    if task.process_key == PROCESS_KEY and task.task_spec == REGISTER_TASK and _about_staff(data):
        task.instance.confidential = True
    return {}
