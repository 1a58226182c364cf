"""Surveys and opinion polls: answers typed from paper or sent through public links, and the
summary tables the server computes (F-01 .. F-05); a poll asks the questions of its plan."""


def register(engine) -> None:
    """Summary and report tasks get their computed tables; a poll plan's questions become its
    questionnaire, which its paper answer task asks; typed poll answers are kept."""
    from programmes.surveys.answers import REPORT_KEEPS, SUMMARIES, server_data
    from programmes.surveys.questionnaire import ANSWER_FORM, answer_schema
    for form_key in (*SUMMARIES, *REPORT_KEEPS):
        engine.hooks.completion_data[form_key] = server_data
    engine.hooks.task_schemas[ANSWER_FORM] = answer_schema
    engine.hooks.task_completed.append(keep_answer_hook)


def keep_answer_hook(session, task, actor, data, now) -> dict:
    """A poll plan's questions become the questionnaire's next version; a poll answer typed
    from paper (not a register record) goes to the survey answers. The event notes the
    questionnaire version either way."""
    from programmes.surveys.answers import keep_answer
    from programmes.surveys.questionnaire import PLAN_FORM, keep_questionnaire
    if task.form_key == PLAN_FORM:
        questionnaire = keep_questionnaire(session, task, actor, data, now)
        return {"questionnaire_version": questionnaire.version} if questionnaire else {}
    answer = keep_answer(session, task, actor, data, now)
    if answer is not None and answer.questionnaire_version is not None:
        return {"questionnaire_version": answer.questionnaire_version}
    return {}
