"""Staff told of their work: a task offered to them, an escalation, a task due soon or
overdue, and the daily digest (in-app, e-mail, SMS: notifications/staff.py)."""


def register(engine) -> None:
    """After every step, tell the people each task it opened is offered to (escalations too)."""
    from programmes.staff.events import notify_step
    engine.hooks.step_stored.append(notify_step)
