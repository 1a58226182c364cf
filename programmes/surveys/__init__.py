"""Surveys and opinion polls: answers typed from paper or sent through public links, and the
summary tables the server computes (F-01 .. F-05)."""


def register(engine) -> None:
    """Summary and report tasks get their computed tables; typed poll answers are kept."""
    from programmes.surveys.answers import REPORT_KEEPS, SUMMARIES, server_data
    for form_key in (*SUMMARIES, *REPORT_KEEPS):
        engine.hooks.completion_data[form_key] = server_data
    engine.hooks.task_completed.append(keep_answer_hook)


def keep_answer_hook(session, task, actor, data, now) -> dict:
    """A poll answer typed from paper (not a register record) goes to the survey answers."""
    from programmes.surveys.answers import keep_answer
    keep_answer(session, task, actor, data, now)
    return {}
