"""Shared pieces of the survey and poll HTTP tests: valid answers of every form, the public
link of an instance as staff see it (and the button that makes it), a citizen's anonymous
client, and reading back the answers, records and events the requests stored (with fresh,
short sessions)."""
import html
import re

from sqlalchemy import select

from models import Event, QualityRecord, SurveyAnswer
from tests.survey_form_data import (  # noqa: F401 - shared with the other survey tests
    CITIZEN_FORM, CORRECTIVE_ACTION, MAYOR_ACTION, MAYOR_NO_ACTION, PLAN_APPROVE, PLAN_RETURN,
    POLL_ANSWER, POLL_APPROVE, POLL_FILING, POLL_QUESTIONS, POLL_REPORT, POLL_SUMMARY, SURVEY_FOLLOWUP, SURVEY_PLAN)

# What a citizen fills on the public page: no questionnaire number, no date (the server's).
PUBLIC_CITIZEN_FORM = {k: v for k, v in CITIZEN_FORM.items()
                       if k not in ("questionnaire_number", "completed_on")}
VISITOR_FORM = {
    "questionnaire_number": "۵۵", "visit_date": "1404/07/06", "visit_purpose": "building_permit",
    "unit_visited": "اداره شهرسازی", "visit_count": "second", "age_group": "40_49",
    "staff_behaviour": "5", "staff_competence": "4", "guidance": "3", "waiting_time": "2",
    "response_time": "3", "fee_transparency": "3", "facilities": "4",
    "overall_satisfaction": "4", "comments": "نوبت‌دهی طولانی بود",
}
PUBLIC_VISITOR_FORM = {k: v for k, v in VISITOR_FORM.items() if k != "questionnaire_number"}
SURVEY_SUMMARY = {
    "analysis": "رضایت از روشنایی معابر و ترافیک پایین‌تر از سایر شاخص‌هاست.",
    "strengths": "فضای سبز و برخورد کارکنان", "improvement_areas": "روشنایی معابر",
    "suggestions": "بازدید و ترمیم روشنایی کوچه‌ها", "fieldwork_notes": "",
}

POLL_PLAN = {
    "poll_subject": "طرح پیاده‌راه‌سازی خیابان زند", "concerned_unit": "اداره حمل‌ونقل و ترافیک",
    "poll_objectives": "سنجش دیدگاه ساکنان و کسبه درباره پیاده‌راه",
    "poll_questions": POLL_QUESTIONS,
    "poll_method": "questionnaire_in_person", "target_population": "ساکنان و کسبه خیابان زند",
    "sampling_method": "stratified", "sample_size": "250", "start_date": "1404/08/01",
    "end_date": "1404/08/15", "estimated_cost": "۱۵۰,۰۰۰,۰۰۰",
}
POLL_RETURN = {"poll_plan_decision": "return", "return_reason": "کسبه را هم در نمونه بگنجانید"}
PUBLIC_POLL_ANSWER = {k: v for k, v in POLL_ANSWER.items() if k != "questionnaire_number"}
POLL_FIELDWORK = {"fieldwork_start": "1404/08/02", "fieldwork_end": "1404/08/14",
                  "method_used": "questionnaire_in_person",
                  "fieldwork_report": "پرسشنامه‌ها در سه نوبت تکمیل شد", "fieldwork_issues": ""}
# What a forged post adds beside the real fields of a summary form.
FORGED = {"survey_results": "999", "poll_results": "999", "respondents": "999", "mean": "5"}


def public_links(browser, instance_id: int) -> dict[str, str]:
    """form key -> public URL path, as the instance page shows them to this user."""
    body = browser.get(f"/instances/{instance_id}").get_data(as_text=True)
    found = {}
    for tag in re.findall(r'<input[^>]*data-testid="public-link"[^>]*>', body):
        url = html.unescape(re.search(r'value="([^"]+)"', tag).group(1))
        found[re.search(r'data-form="([^"]+)"', tag).group(1)] = re.sub(r"^https?://[^/]+", "", url)
    return found


def create_public_links(browser, instance_id: int) -> dict[str, str]:
    """Press the button that makes the instance's public links, then read them as public_links."""
    response = browser.post(f"/instances/{instance_id}/survey-links")
    assert response.status_code == 303, response.get_data(as_text=True)
    return public_links(browser, instance_id)


def personal_links(browser, instance_id: int, form_key: str, count: int = 1) -> list[str]:
    """URL paths of fresh personal links of a survey's public link (one answer each), as the
    instance page makes them for this user when asked (it stores nothing)."""
    body = browser.get(f"/instances/{instance_id}?personal={form_key}&count={count}").get_data(
        as_text=True)
    area = re.search(r'<textarea[^>]*data-testid="personal-links" data-form="%s"[^>]*>([^<]*)<'
                     % form_key, body)
    assert area, f"no personal links of {form_key} on the page"
    return [re.sub(r"^https?://[^/]+", "", html.unescape(url))
            for url in area.group(1).split()]


def citizen(app):
    """A client with no login (a citizen's browser)."""
    return app.test_client()


def _session(app):
    return app.extensions["db_sessions"]()


def records(app, instance_id: int, code: str | None = None) -> list[QualityRecord]:
    """The instance's quality records (of one code), oldest first."""
    query = select(QualityRecord).where(QualityRecord.instance_id == instance_id)
    if code:
        query = query.where(QualityRecord.code == code)
    with _session(app) as s:
        rows = s.scalars(query.order_by(QualityRecord.id)).all()
        s.expunge_all()
        return rows


def poll_answers(app, instance_id: int) -> list[SurveyAnswer]:
    with _session(app) as s:
        rows = s.scalars(select(SurveyAnswer).where(SurveyAnswer.instance_id == instance_id)
                         .order_by(SurveyAnswer.id)).all()
        s.expunge_all()
        return rows


def events(app, instance_id: int) -> list[Event]:
    with _session(app) as s:
        rows = s.scalars(select(Event).where(Event.instance_id == instance_id)
                         .order_by(Event.seq)).all()
        s.expunge_all()
        return rows


def question(results: dict, form_key: str, key: str) -> dict:
    """One question's summary in a stored results table."""
    form = next(f for f in results["forms"] if f["form_key"] == form_key)
    return next(q for q in form["questions"] if q["key"] == key)


def counts(q: dict) -> dict[str, tuple[int, int]]:
    """option value -> (paper, public) of a question's summary."""
    return {o["value"]: (o["by_channel"]["paper"], o["by_channel"]["public"]) for o in q["options"]}
