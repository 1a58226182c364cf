"""Survey and poll answers on the database: storing them, public links, computed summaries.

An answer is a citizen or visitor survey form (a quality record, F-__-0-2-01/02) or a poll
answer (a survey_answers row); models/surveys.py says why. Answers come from staff typing a
paper form (a task of the collection loop) or from a citizen through the instance's public
link, which is open only while a task of the collection phase is open. The summary tasks
(F-__-0-2-03, F-__-0-2-05) store the tables computed here from the instance's answers;
whatever a client posts for them is dropped by form validation and never used.
"""
from __future__ import annotations

import copy
import secrets

from sqlalchemy import or_, select

from models import HumanTask, Instance, QualityRecord, SurveyAnswer, SurveyLink, utcnow

from engine import append_event
from formjs.forms import load_form
from records.quality import record_type_for_form, retention_until
from programmes.surveys.questionnaire import ANSWER_FORM, latest_questionnaire
from programmes.surveys.summary import Answer, summarise
from programmes.surveys.tokens import ensure_signing_key, needs_token, spend_token
from workcal.jalali import local_date
from workcal.store import zone_of

# Summary form -> (task data key of the computed table, the questionnaires it summarises).
SUMMARIES = {
    "survey_summary": ("survey_results", ("citizen_survey", "visitor_survey")),
    "poll_summary": ("poll_results", ("poll_answer",)),
}
ANSWER_FORMS = frozenset(form for _, forms in SUMMARIES.values() for form in forms)
# A ready task with one of these forms means the instance collects answers; the value is the
# questionnaires its public links offer.
COLLECTING = {
    "survey_collection": ("citizen_survey", "visitor_survey"),
    "citizen_survey": ("citizen_survey", "visitor_survey"),
    "visitor_survey": ("citizen_survey", "visitor_survey"),
    "poll_collection": ("poll_answer",),
    "poll_answer": ("poll_answer",),
}
# Later tasks that show the stored table (and the key it is under in the instance data).
RESULTS_SHOWN = {
    "survey_mayor_decision": "survey_results", "corrective_action": "survey_results",
    "survey_followup": "survey_results", "poll_report": "poll_results",
    "poll_filing": "poll_results",
}
# The report of poll results (F-__-0-2-06) keeps the report the unit received, not only its
# action: these instance data keys are copied into it when the unit completes it.
REPORT_KEEPS = {"poll_report": ("poll_subject", "concerned_unit", "findings", "conclusions",
                                "recommendations", "poll_results")}
# Fields of a paper questionnaire a citizen does not fill: hidden on the public page. A
# required one gets its value from the server (today, for the date the form was filled).
PAPER_ONLY = ("questionnaire_number", "completed_on")
TOKEN_BYTES = 16


# ------------------------------------------------------------------ answers and summaries

def _register_codes(form_keys) -> dict[str, str]:
    """Record code -> form key, for the answer forms that are register records."""
    codes = {}
    for form_key in form_keys:
        record_type = record_type_for_form(form_key)
        if record_type is not None:
            codes[record_type.code] = form_key
    return codes


def load_answers(session, instance_id: int, form_keys) -> list[Answer]:
    """Every stored answer of the instance to those questionnaires, oldest first (a poll's, to
    the version of its questionnaire it asks now)."""
    answers = []
    codes = _register_codes(form_keys)
    if codes:
        rows = session.scalars(
            select(QualityRecord).where(
                QualityRecord.instance_id == instance_id, QualityRecord.code.in_(codes),
                or_(QualityRecord.disposal.is_(None), QualityRecord.disposal != "destroyed"))
            .order_by(QualityRecord.id))
        # A record no task produced came in through the public link.
        answers += [Answer(codes[r.code], "paper" if r.human_task_id else "public", r.data or {})
                    for r in rows]
    others = [key for key in form_keys if key not in codes.values()]
    if others:
        rows = session.scalars(select(SurveyAnswer).where(
            SurveyAnswer.instance_id == instance_id, SurveyAnswer.form_key.in_(others))
            .order_by(SurveyAnswer.id))
        # A poll's answers count against the questionnaire they answered: the latest one's.
        current = {key: questionnaire_version(session, instance_id, key) for key in others}
        answers += [Answer(r.form_key, r.channel, r.data or {}) for r in rows
                    if current[r.form_key] is None or r.questionnaire_version == current[r.form_key]]
    return answers


def instance_form(session, instance_id: int, form_key: str) -> dict:
    """The questionnaire the instance asks for a form key: a poll's own (its plan's latest
    version), else the form."""
    if form_key == ANSWER_FORM:
        questionnaire = latest_questionnaire(session, instance_id)
        if questionnaire is not None:
            return questionnaire.schema
    return load_form(form_key, session=session)


def questionnaire_version(session, instance_id: int, form_key: str) -> int | None:
    """The version of the poll's questionnaire an answer given now answers (None otherwise)."""
    if form_key != ANSWER_FORM:
        return None
    questionnaire = latest_questionnaire(session, instance_id)
    return questionnaire.version if questionnaire is not None else None


def compute_summary(session, instance_id: int, summary_form: str) -> dict | None:
    """The table a summary form records, computed now from the instance's answers."""
    if summary_form not in SUMMARIES:
        return None
    _, form_keys = SUMMARIES[summary_form]
    schemas = {key: instance_form(session, instance_id, key) for key in form_keys}
    results = summarise(schemas, load_answers(session, instance_id, form_keys))
    for form in results["forms"]:  # a poll's: the version of its questionnaire summarised
        version = questionnaire_version(session, instance_id, form["form_key"])
        if version is not None:
            form["questionnaire_version"] = version
    return results


def shown_results(session, task: HumanTask) -> dict | None:
    """The table a task's page shows: computed live on a summary task, else the stored one."""
    if task.form_key in SUMMARIES:
        key = SUMMARIES[task.form_key][0]
        stored = (task.instance.data or {}).get(key)
        if task.status != "ready" and isinstance(stored, dict):
            return stored
        return compute_summary(session, task.instance_id, task.form_key)
    stored = (task.instance.data or {}).get(RESULTS_SHOWN.get(task.form_key or "", ""))
    return stored if isinstance(stored, dict) else None


def instance_results(session, instance: Instance) -> dict | None:
    """The summary table stored on an instance, else the one of the answers so far (if any)."""
    data = instance.data or {}
    for key, _ in SUMMARIES.values():
        if isinstance(data.get(key), dict):
            return data[key]
    process_forms = set((instance.version.forms or {}).values())
    for summary_form in SUMMARIES:
        if summary_form in process_forms:
            live = compute_summary(session, instance.id, summary_form)
            return live if live["respondents"] else None
    return None


def server_data(session, task: HumanTask) -> dict:
    """Data the server adds when a task completes: computed tables, the report received."""
    instance_data = task.instance.data or {}
    if task.form_key in SUMMARIES:
        return {SUMMARIES[task.form_key][0]: compute_summary(session, task.instance_id,
                                                             task.form_key)}
    keeps = REPORT_KEEPS.get(task.form_key or "", ())
    return {key: instance_data[key] for key in keeps if key in instance_data}


def keep_answer(session, task: HumanTask, user, data: dict, now) -> SurveyAnswer | None:
    """Store a typed paper answer that is not a register record (keep_record stores those)."""
    if task.form_key not in ANSWER_FORMS or record_type_for_form(task.form_key) is not None:
        return None
    answer = SurveyAnswer(instance_id=task.instance_id, form_key=task.form_key,
                          district_id=task.district_id, data=data, channel="paper",
                          created_at=now, created_by_id=user.id,
                          questionnaire_version=questionnaire_version(
                              session, task.instance_id, task.form_key))
    session.add(answer)
    return answer


# ------------------------------------------------------------------ public links

def collecting_forms(session, instance: Instance) -> tuple[str, ...]:
    """The questionnaires the instance takes answers to now (none once collection ended)."""
    if instance.status != "running":
        return ()
    form_keys = session.scalars(select(HumanTask.form_key).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "ready")).all()
    offered: list[str] = []
    for form_key in form_keys:
        for key in COLLECTING.get(form_key or "", ()):
            if key not in offered:
                offered.append(key)
    return tuple(offered)


def public_links(session, instance: Instance) -> list[SurveyLink]:
    """The links of the questionnaires the instance takes answers to now (those made so far)."""
    forms = collecting_forms(session, instance)
    if not forms:
        return []
    existing = {link.form_key: link for link in session.scalars(
        select(SurveyLink).where(SurveyLink.instance_id == instance.id))}
    return [existing[form_key] for form_key in forms if form_key in existing]


def missing_links(session, instance: Instance) -> tuple[str, ...]:
    """The questionnaires the instance takes answers to now that have no public link yet (or
    a link that answers with personal tokens but has no secret to sign them: made before)."""
    made = {link.form_key for link in public_links(session, instance)
            if link.signing_key or not needs_token(link)}
    return tuple(key for key in collecting_forms(session, instance) if key not in made)


def create_public_links(session, instance: Instance, user) -> list[SurveyLink]:
    """Make the missing links of the questionnaires the instance takes answers to now (an
    explicit action of a user who may act on its collecting task; the caller checks that),
    and return them all. Once a link exists it is kept: calling again makes nothing."""
    existing = {link.form_key: link for link in public_links(session, instance)}
    for form_key in missing_links(session, instance):
        link = existing.get(form_key)
        if link is None:
            link = SurveyLink(token=secrets.token_urlsafe(TOKEN_BYTES), instance_id=instance.id,
                              form_key=form_key, created_at=utcnow(), created_by_id=user.id)
            session.add(link)
        if needs_token(link):
            ensure_signing_key(link)
    session.flush()
    return public_links(session, instance)


def open_link(session, token: str) -> SurveyLink | None:
    """The link of a token while its instance still collects that form's answers, else None."""
    if not token or len(token) > 64:
        return None
    link = session.scalars(select(SurveyLink).where(SurveyLink.token == token)).first()
    if link is None or link.form_key not in collecting_forms(session, link.instance):
        return None
    return link


def public_schema(link: SurveyLink, session) -> dict:
    """The questionnaire as a citizen sees it (a poll's own questions): the paper-only fields
    left out."""
    schema = copy.deepcopy(instance_form(session, link.instance_id, link.form_key))
    schema["components"] = [c for c in schema.get("components") or []
                            if not (isinstance(c, dict) and c.get("key") in PAPER_ONLY)]
    return schema


def public_values(instance: Instance, schema: dict) -> dict:
    """What the public page shows filled in: the read-only fields (e.g. the poll's subject)."""
    data = instance.data or {}
    return {c["key"]: data[c["key"]] for c in schema.get("components") or []
            if isinstance(c, dict) and c.get("readonly") and c.get("key") in data}


def store_public_answer(session, link: SurveyLink, clean: dict, nonce: str | None = None):
    """Store a validated public answer and log it in the instance history; flushes. nonce:
    the personal token it spends (tokens.check_token), refused (TokenRefused) if spent meanwhile."""
    spend_token(session, link, nonce)
    now, instance = utcnow(), link.instance
    data = dict(clean)
    if "completed_on" in {c.get("key") for c in instance_form(session, link.instance_id,
                                                              link.form_key).get("components", [])
                          if isinstance(c, dict)}:
        data["completed_on"] = local_date(now, zone_of(session)).isoformat()
    record_type = record_type_for_form(link.form_key)
    if record_type is not None:
        row = QualityRecord(code=record_type.code, instance_id=instance.id, human_task_id=None,
                            district_id=instance.district_id, data=data, created_at=now,
                            created_by_id=None, retention_until=retention_until(now, record_type))
    else:
        row = SurveyAnswer(instance_id=instance.id, form_key=link.form_key,
                           district_id=instance.district_id, data=data, channel="public",
                           created_at=now, created_by_id=None,
                           questionnaire_version=questionnaire_version(session, instance.id,
                                                                       link.form_key))
    session.add(row)
    session.flush()
    append_event(session, instance, "survey_answer_received",
                 data={"form": link.form_key, "channel": "public",
                       **({"record": record_type.code, "record_id": row.id} if record_type
                          else {"answer_id": row.id})})
    session.flush()
    return row

