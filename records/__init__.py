"""The quality-records register (F-__ forms), follow-up records and retention."""


def register(engine) -> None:
    """Every completed form that is a register record is kept as one."""
    from records.quality import record_completed_task
    engine.hooks.task_completed.append(record_completed_task)
