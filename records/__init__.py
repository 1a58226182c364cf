"""The quality-records register (F-__ forms), follow-up records and retention."""


def register(engine) -> None:
    """Every completed form that is a register record is kept as one; the forms that name a
    printed letter show and keep its number."""
    from records.letters import NUMBERED_FORMS, issued_letter_number
    from records.quality import record_completed_task
    engine.hooks.task_completed.append(record_completed_task)
    for form_key in NUMBERED_FORMS:
        engine.hooks.shown_data[form_key] = issued_letter_number
