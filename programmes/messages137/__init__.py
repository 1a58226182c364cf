"""The 137 citizen-message centre: tracking codes, deadlines by category, determinations,
intake channels, district scores."""


def register(engine) -> None:
    """Tracked processes get a tracking code when they start, logged once started; the intake
    form offers the channels and the district's units to refer a message to."""
    from programmes.messages137.automation import (MESSAGE_CHECKS, SCRIPT_HELPERS as AUTOMATION_HELPERS,
                                                   note_district_code)
    from programmes.messages137.determination import SCRIPT_HELPERS
    from programmes.messages137.referral import INTAKE_FORM, intake_options
    from programmes.messages137.tracking import issue_tracking_code, log_tracking_code
    engine.hooks.instance_starting.append(issue_tracking_code)
    engine.hooks.instance_started.append(log_tracking_code)
    # A referral to the office automation names the message's district.
    engine.hooks.instance_starting.append(note_district_code)
    # The operator chooses the channel (message_channels) and refers a message to one of the
    # district's units (routing by candidateUnit).
    engine.hooks.shown_data[INTAKE_FORM] = intake_options
    # The diagram composes the determination reported to the citizen (Qom 004).
    engine.hooks.script_helpers.update(SCRIPT_HELPERS)
    # ... and reads the office automation's answer as the unit's reply (automation_reply).
    engine.hooks.script_helpers.update(AUTOMATION_HELPERS)
    # An answer of the office automation without a text (or a dateless determination) is refused.
    engine.hooks.message_checks.update(MESSAGE_CHECKS)
