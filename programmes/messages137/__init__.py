"""The 137 citizen-message centre: tracking codes, deadlines by category, district scores."""


def register(engine) -> None:
    """Tracked processes get a tracking code when they start, logged once started."""
    from programmes.messages137.tracking import issue_tracking_code, log_tracking_code
    engine.hooks.instance_starting.append(issue_tracking_code)
    engine.hooks.instance_started.append(log_tracking_code)
