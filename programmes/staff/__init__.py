"""Staff told of their work: a task offered to them, an escalation, a task due soon or
overdue, and the daily digest (in-app, e-mail, SMS: notifications/staff.py); and who may repair
an instance told when it goes to error (incidents.py)."""


def register(engine) -> None:
    """After every step, tell the people each task it opened is offered to (escalations too);
    when a step puts an instance in error, tell who may repair it."""
    from programmes.staff.events import notify_step
    from programmes.staff.incidents import notify_incident
    engine.hooks.step_stored.append(notify_step)
    engine.hooks.instance_failed.append(notify_incident)
