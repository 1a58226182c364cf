"""Mardom Salam, the mayor's fortnightly mosque meetings: schedule, briefing with the 137
figures, requests as 137 messages, deadlines, closing, the monthly council."""


def register(engine) -> None:
    """The briefing's 137 figures and the classification table are computed by the server; the
    working group's table and the desk's codes are done on the meeting page."""
    from programmes.mardom_salam import owners, requests, schedule
    # The working group's owner and deadline route the request's 137 message (people.organisation).
    engine.hooks.step_stored.append(owners.owner_on_open)
    engine.hooks.shown_data[schedule.BRIEFING_FORM] = schedule.briefing_data
    # Marked held on the meeting's day or later: the post-meeting deadlines count from it.
    engine.hooks.completion_checks[schedule.HELD_FORM] = schedule.check_meeting_held
    engine.hooks.shown_data[requests.CLASSIFICATION_FORM] = requests.classification_data
    for spec in schedule.TASKS_ON_MEETING_PAGE:
        engine.hooks.completed_elsewhere[(schedule.PROCESS_KEY, spec)] = schedule.meeting_page_of
