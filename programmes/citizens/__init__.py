"""The citizens' side: filing on the portal and Open311, tracking, F-07 meeting requests, and
what they (and, on escalation, the managers) are told at each step."""


def register(engine) -> None:
    """After every step of a tracked instance, keep its citizen side (from the moment its code
    is issued, whoever registered it), then queue what it tells the citizen or managers."""
    from programmes.citizens.notices import notice_step
    from programmes.citizens.requests import keep_citizen_request
    engine.hooks.step_stored.append(keep_citizen_request)
    engine.hooks.step_stored.append(notice_step)
