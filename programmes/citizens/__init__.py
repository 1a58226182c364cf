"""The citizens' side: filing on the portal and Open311, tracking, F-07 meeting requests, and
what they (and, on escalation, the managers) are told at each step."""


def register(engine) -> None:
    """After every step of a tracked instance, queue what it tells the citizen or managers."""
    from programmes.citizens.notices import notice_step
    engine.hooks.step_stored.append(notice_step)
