"""An opinion poll asks the questions of its plan: the form-js questionnaire made from F-04.

The plan (forms/poll_plan.form.json) lists its questions in the dynamic list `poll_questions`,
each with its kind: `choice` (one of the options typed one per line), `scale` (1 to 5) or
`text` (a free answer). When the plan task completes, its questions become a version of the
instance's questionnaire (models.PollQuestionnaire): the answer form forms/poll_answer.form.json
(header, subject, respondent) with a group `poll_answers` holding one field per question. A plan
returned and revised with other questions makes version N+1; the same questions keep the
version. Paper entry (the task poll_answer, through engine hooks task_schemas) and the public
link ask the latest version, and each answer keeps the version it answered. The schema is
ordinary form-js, so validation, readable rendering and exports work as for any form.
"""
from __future__ import annotations

import copy

from sqlalchemy import select

from formjs.cross_checks import option_lines
from formjs.forms import load_form
from formjs.versions import content_sha256
from models import HumanTask, PollQuestionnaire

ANSWER_FORM = "poll_answer"
PLAN_FORM = "poll_plan"
QUESTIONS_KEY = "poll_questions"  # the plan's dynamic list
ANSWERS_PATH = "poll_answers"  # the group of the answer form that holds the plan's questions
KINDS = ("choice", "scale", "text")
SCALE = (("1", "۱ — بسیار کم"), ("2", "۲ — کم"), ("3", "۳ — متوسط"), ("4", "۴ — زیاد"),
         ("5", "۵ — بسیار زیاد"))
TEXT_MAX = 2000
# Where the plan's questions go in the answer form: after this text component.
QUESTIONS_AFTER = "Text_poll_answer_questions"


def plan_questions(data) -> list[dict]:
    """The plan's questions as {question, kind, options}; [] for a plan without a list."""
    rows = data.get(QUESTIONS_KEY) if isinstance(data, dict) else None
    if not isinstance(rows, list):
        return []
    questions = []
    for row in rows:
        if not isinstance(row, dict) or not str(row.get("question") or "").strip():
            continue
        kind = row.get("kind") if row.get("kind") in KINDS else "text"
        questions.append({"question": str(row["question"]).strip(), "kind": kind,
                          "options": option_lines(row.get("options")) if kind == "choice" else []})
    return questions


def question_component(number: int, question: dict) -> dict:
    """The form-js field of one plan question (key q<number>)."""
    key = f"q{number}"
    comp = {"key": key, "id": f"Field_poll_q{number}", "label": question["question"],
            "properties": {"questionKind": question["kind"]}}
    if question["kind"] == "text":
        comp.update(type="textarea", validate={"maxLength": TEXT_MAX})
    elif question["kind"] == "scale":
        comp.update(type="radio", validate={"required": True},
                    values=[{"value": v, "label": label} for v, label in SCALE])
    else:
        comp.update(type="radio", validate={"required": True},
                    values=[{"value": f"o{i}", "label": label}
                            for i, label in enumerate(question["options"], start=1)])
    return comp


def questionnaire_schema(base: dict, questions: list[dict]) -> dict:
    """The answer form with the plan's questions, in the group `poll_answers`."""
    schema = copy.deepcopy(base)
    group = {"type": "group", "id": "Group_poll_answers", "label": "", "path": ANSWERS_PATH,
             "showOutline": False,
             "components": [question_component(n, q) for n, q in enumerate(questions, start=1)]}
    components = list(schema.get("components") or [])
    ids = [c.get("id") for c in components if isinstance(c, dict)]
    at = ids.index(QUESTIONS_AFTER) + 1 if QUESTIONS_AFTER in ids else len(components)
    schema["components"] = components[:at] + [group] + components[at:]
    return schema


def latest_questionnaire(session, instance_id: int) -> PollQuestionnaire | None:
    """The newest questionnaire version of the instance, or None before its plan is done."""
    return session.scalars(select(PollQuestionnaire)
                           .where(PollQuestionnaire.instance_id == instance_id)
                           .order_by(PollQuestionnaire.version.desc()).limit(1)).first()


def keep_questionnaire(session, task: HumanTask, user, data: dict, now) -> PollQuestionnaire | None:
    """A completed plan's questions as the instance's questionnaire: a new version when they
    differ from the latest one, else the latest."""
    questions = plan_questions(data)
    if not questions:
        return None
    schema = questionnaire_schema(load_form(ANSWER_FORM, session=session), questions)
    sha = content_sha256(schema)
    latest = latest_questionnaire(session, task.instance_id)
    if latest is not None and latest.content_sha256 == sha:
        return latest
    row = PollQuestionnaire(instance_id=task.instance_id,
                            version=(latest.version if latest else 0) + 1, questions=questions,
                            schema=schema, content_sha256=sha, human_task_id=task.id,
                            created_at=now, created_by_id=getattr(user, "id", None))
    session.add(row)
    session.flush()
    return row


def answer_schema(session, task: HumanTask) -> dict | None:
    """engine hooks task_schemas: the questionnaire a paper answer task asks (None: the form's
    file, for a poll whose plan had no list of questions)."""
    latest = latest_questionnaire(session, task.instance_id)
    return latest.schema if latest is not None else None
