"""Complaints (F-__-0-5-01 follow-up records, the periodic report F-__-0-5-02, the clock from
receipt and the district mayor's order on an overdue complaint)."""

PROCESS_KEY = "complaints"
REGISTER_TASK = "Task_register_complaint"


def register(engine) -> None:
    """A complaint about staff is confidential from the moment it is known to be one (filed as
    such, or registered as such); the register keeps the complaint's follow-up record; a filed
    complaint's receipt day, the mayor's unit choices and the wait for the ordered unit."""
    engine.hooks.instance_starting.append(mark_staff_complaint_at_start)
    engine.hooks.task_completed.append(mark_staff_complaint_at_register)
    # The clock counts from receipt: a complaint the citizen filed was received then.
    from programmes.complaints import handling
    engine.hooks.shown_data[handling.REGISTER_FORM] = handling.filed_receipt
    # The district mayor orders one of the district's units; the answer waits for its report.
    engine.hooks.shown_data[handling.OVERDUE_FORM] = handling.order_unit_options
    engine.hooks.completion_checks[handling.ANNOUNCEMENT_FORM] = handling.check_order_reported
    # Finding complaints by category (/instances): a complaint's category is its type.
    engine.hooks.search_keys[PROCESS_KEY] = {"category": "complaint_type"}


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
