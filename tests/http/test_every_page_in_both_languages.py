"""Every GET page of the app, in Persian and in English, as a user of each role group and as an
anonymous citizen: none answers with a server error, and no Persian page shows English words
or Latin digits in its visible text (outside left-to-right isolates and a short allow-list), nor
a tracking or form code outside an isolate.

The pages are filled from one seeded city: every diagram deployed, instances of several
procedures advanced through their pages (open and completed tasks, quality records, a 137
message escalated), a request filed on the portal with a photo, a draft regulation with a
comment, a Mardom Salam meeting with a request, a record under legal hold, records archived
and destroyed by the retention job, a complaints report, an API key, a chain digest, an
event tampered with (so the integrity check explains something) and a second version of a
diagram (studio diff and migration). Pages with URL parameters are visited for every seeded
value where they are cheap, for two (one for PDF and JSON) where they are not."""
import io
from html import escape as html_escape
import os
import re
from collections import defaultdict
from datetime import date, timedelta

import lxml.html
from sqlalchemy import select

from audit.digests import make_daily_digest
from programmes.complaints.report import generate_complaint_report
from records.retention import dispose_due_records
from models import (ChainDigest, CitizenRequest, District, Event, HumanTask, Instance,
                    QualityRecord, clock)
from models.drafts import DraftRegulation
from models.mardom_salam import MardomSalamMeeting
from people.accounts import find_district

from mardom_salam_support import add_request, hold_meeting, make_meeting, up_to_meeting
from path_support import PROCESSES, deploy
from portal_support import PNG_1PX, file_on_portal
from test_every_review_shows_what_it_decides import REVIEWS, walk_to_review
from app.demo import DEMO_PASSWORD

# One user of each role group; None is the anonymous citizen.
USERS = ("pr_expert_d1", "district_mayor_d1", "central_pr", "auditor", "process_owner", None)
# A demo user of every other role (app/demo.py): each sees pages or parts of pages the groups
# above do not (administration, disposals, confidential cases, Mardom Salam's desks, reports,
# the dashboard of a deputy): rendered in both languages for server errors only.
OTHER_ROLES = ("admin", "records_committee", "complaints_expert_d1", "central_inspection",
               "pr_head_d1", "communications_office", "special_followup_officer",
               "followup_working_group_d1", "mayor_bureau_head", "intake_operator_d1",
               "feedback_unit_d1", "followup_unit_d1", "department_head_d1", "deputy_d1",
               "manager_d1", "mayor_office_head_d1")
# Paths walked on the pages, from test_every_review_shows_what_it_decides: each leaves tasks
# done (with their quality records) and one open.
# The complaint's overdue follow-up first: each walk fires the next due timer of all instances,
# and a 137 message's calendar-hour escalation (waiting 96 h) falls before its 10 working days.
PATHS = ("complaints/Task_review_answer", "complaints/Task_followup_overdue",
         "citizen_message_137/Task_deputy_followup", "citizen_message_137/Task_field_investigation",
         "news/Task_sign_rebuttal", "press_conference/Task_approve_report",
         "citizen_survey/Task_review_survey_plan", "opinion_poll/Task_approve_poll_plan",
         "website_update/Task_check_publication", "public_meetings/Task_check_order")
BINARY = ("application/pdf", "application/json", "application/xml", "text/xml", "text/csv",
          "application/vnd.", "image/", "application/octet-stream", "application/bpmn",
          "text/javascript", "application/javascript", "text/css")
# Latin words a Persian page may show: names of standards and formats a clerk knows by them.
ALLOWED_WORDS = {"Open311", "BPMN", "PDF", "JSON", "CSV", "XLSX", "XML", "API", "SMS", "SHA",
                 "GeoReport", "Vazirmatn", "bpmn", "form-js", "FEEL", "ISO", "HTML", "JPEG", "WebP", "GIF",
                 "PNG", "URL", "xml", "DMN"}
# ... and the district code at the end of the demo users' full names (app/demo.py: data, not
# the interface).
ALLOWED = re.compile(r"— d\d\b|https?://\S+|[\w.+-]+@[\w-]+\.[\w.-]+|SHA-256|Open311|GeoReport v2|"
                     r"/[\w/<>.-]*\w|" + "|".join(sorted(ALLOWED_WORDS, key=len, reverse=True)))
CODES = re.compile(r"\b\d{3}-\d{6}-[0-9A-Z]{6}\b|\b[FP]-[_\d]{2}-\d-\d-\d{2}\b")
# Sources a process owner edits, shown as they are: a form version's form-js JSON, and the case
# data in the incident panel's JSON editor.
SOURCES = ('//pre[@data-testid="version-schema"]', '//textarea[@data-testid="data-json"]')
LRI_ISOLATE = re.compile("\u2066[^\u2069]*\u2069")
WORD = re.compile(r"[A-Za-z]{3,}")
LATIN_DIGITS = re.compile(r"[0-9]+")


# ---------------------------------------------------------------- what a Persian page shows

def _isolated(element) -> bool:
    """Inside an element written left to right (a <bdi dir="ltr"> or dir="ltr" isolate)."""
    return any(e.get("dir") == "ltr" for e in element.iterancestors()) or element.get("dir") == "ltr"


def visible_texts(html: str) -> list[tuple[str, bool]]:
    """(text, inside an LTR isolate) of each text node of the page, without scripts, styles,
    tags and attribute values."""
    root = lxml.html.document_fromstring(html)
    for element in root.iter("script", "style", "noscript", "template"):
        element.drop_tree()
    for element in root.xpath(" | ".join(SOURCES)):
        element.drop_tree()
    texts = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.text and element.text.strip():
            texts.append((element.text, _isolated(element)))
        parent = element.getparent()
        if element.tail and element.tail.strip() and parent is not None:
            texts.append((element.tail, _isolated(parent)))
    return texts


def english_on_persian_page(html: str) -> list[str]:
    """What a Persian page shows that is not Persian: English words and Latin digits outside
    an isolate, and codes outside an isolate. An isolate (an element with dir="ltr", or text
    between LRI and PDI) may hold Latin digits and one code, key or name, not English prose."""
    found = []
    for text, isolated in visible_texts(html):
        plain = LRI_ISOLATE.sub(" ", text)
        if not isolated:
            found += [f"code outside an isolate: {c}" for c in CODES.findall(plain)]
        rest = ALLOWED.sub(" ", CODES.sub(" ", plain))
        if isolated and len(text.split()) <= 1:
            continue
        found += WORD.findall(rest)
        if not isolated:
            found += [f"digits {d}" for d in LATIN_DIGITS.findall(rest)]
    return found


# ---------------------------------------------------------------- the seeded city

def _session(app):
    return app.extensions["db_sessions"]()


def _walk_review_path(app, login, name: str) -> None:
    walk_to_review(app, login, REVIEWS[name])
    clock.reset()


def _add_record(app, code: str, until: date) -> int:
    with _session(app) as s:
        record = QualityRecord(code=code, district_id=find_district(s, "d1").id,
                               data={"subject": "پرونده آزمایشی"}, retention_until=until)
        s.add(record)
        s.commit()
        return record.id


def seed_city(app, db, login) -> None:
    """Fill the database with something on every page (see the module's docstring)."""
    for path in sorted(PROCESSES.glob("*.bpmn")):
        deploy(app, path.stem)
    for name in PATHS:
        _walk_review_path(app, login, name)
    # A citizen files on the portal with a photo; a draft regulation gets a comment.
    file_on_portal(app.test_client(), photo=(io.BytesIO(PNG_1PX), "lamp.png"))
    staff = login("pr_expert_d1")
    with _session(app) as s:
        d1 = find_district(s, "d1").id
    assert staff.post("/drafts/new", data={
        "title": "دستورالعمل بازارچه‌های محلی", "intro": "", "district": d1,
        "sections": "ماده ۱ — ساعات کار از ۸ تا ۲۰ است.\n\nماده ۲ — عوارض ماهانه است."}).status_code == 303
    with _session(app) as s:
        draft = s.scalars(select(DraftRegulation)).first()
        section_id = draft.sections[0].id
    app.test_client().post(f"/p/drafts/{draft.id}", data={"section": section_id, "name": "",
                                                          "text": "ساعت ۲۲ بهتر است"})
    # Records: one under legal hold, one archived and one destroyed by the retention job.
    past = date.today() - timedelta(days=3)
    held = _add_record(app, "F-__-0-2-07", past)
    assert login("auditor").post(f"/audit/records/{held}/hold",
                                 data={"reason": "شکایت در دادگاه"}).status_code == 303
    _add_record(app, "F-__-0-2-03", date(2020, 1, 1))
    _add_record(app, "F-__-0-2-07", date(2020, 1, 1))
    with _session(app) as s:
        dispose_due_records(s)
        today = date.today()
        generate_complaint_report(s, d1, today.replace(day=1) - timedelta(days=31),
                                  today.replace(day=1) - timedelta(days=1))
        make_daily_digest(s, today - timedelta(days=1))
        s.commit()
    login("admin").post("/admin/api-keys", data={"name": "برنامه همراه شهر"})
    # A second version of a diagram (studio diff, migration) and of a form.
    news = (PROCESSES / "news.bpmn").read_text(encoding="utf-8")
    with _session(app) as s:
        from modeling.deploy import deploy_process
        deploy_process(s, news.replace('name="', 'name="۲ ', 1).encode(), filename="news.bpmn")
        s.commit()
    # Mardom Salam: a meeting held, with a request registered at it.
    meeting = make_meeting(app, db)
    up_to_meeting(db, meeting)
    hold_meeting(db, meeting)
    add_request(db, meeting)
    db.rollback()
    clock.reset()
    # An event changed behind the log's back: the integrity page has something to explain.
    with _session(app) as s:
        event = s.scalars(select(Event).where(Event.type == "task_completed")
                          .order_by(Event.id)).first()
        event.data = {**(event.data or {}), "tampered": True}
        s.commit()


# ---------------------------------------------------------------- the URLs to visit

def parameter_values(app) -> dict[str, list]:
    """Values for each URL parameter of the app's GET routes, from the seeded city."""
    with _session(app) as s:
        instances = s.scalars(select(Instance.id).order_by(Instance.id)).all()
        # Every open task, and the last completed task of each instance.
        tasks = s.scalars(select(HumanTask.id).where(HumanTask.status != "completed")).all()
        last_done = {}
        for task in s.scalars(select(HumanTask).where(HumanTask.status == "completed")
                              .order_by(HumanTask.id)):
            last_done[task.instance_id] = task.id
        tasks = sorted(set(tasks) | set(last_done.values()))
        records = s.scalars(select(QualityRecord.id).order_by(QualityRecord.id)).all()
        codes = [c for c in s.scalars(select(Instance.tracking_code)) if c]
        requests = s.scalars(select(CitizenRequest)).all()
        digests = [d.day.isoformat() for d in s.scalars(select(ChainDigest))]
        drafts = s.scalars(select(DraftRegulation.id)).all()
        meetings = s.scalars(select(MardomSalamMeeting.id)).all()
        districts = s.scalars(select(District.code)).all()
        return {
            "instance_id": instances, "task_id": tasks, "record_id": records,
            "draft_id": drafts, "meeting_id": meetings, "district_code": districts,
            "code": codes[:3] + ["137-000000-AAAAAA"], "day": digests,
            "token": [r.satisfaction_token for r in requests if r.satisfaction_token] + ["unknown"],
            "media_token": [r.media_token for r in requests if r.media_token],
            "number": [1, 2],
        }


# Pages shown for every seeded instance; the others (a PDF dossier takes WeasyPrint a second)
# for two of them.
MANY_INSTANCES = ("instances.instance", "api.instance", "audit.replay")
PROCESS_KEYS = ["news", "complaints", "citizen_message_137"]
FORM_KEYS = ["complaint_register", "poll_plan"]


def urls_of(app, values: dict[str, list]) -> list[str]:
    """One URL or more of every GET route of the app (static files and the API left out, the
    API speaks JSON)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "observability.prometheus_metrics"):
            continue  # /metrics: Prometheus' English text format (tests/http/test_observability.py)
        if rule.rule.startswith("/open311/"):
            urls += ["/open311/v2/services.json", "/open311/v2/services.xml",
                     "/open311/v2/requests.json", "/open311/v2/unknown"]
            continue
        per_argument = {}
        for argument in rule.arguments:
            if argument == "key":
                per_argument[argument] = FORM_KEYS if rule.endpoint.startswith("forms.") else PROCESS_KEYS
            elif argument == "fmt":
                per_argument[argument] = ["csv", "xlsx"]
            elif argument == "ext":
                per_argument[argument] = ["png"]
            elif argument == "token" and rule.endpoint == "portal.media":
                per_argument[argument] = values["media_token"]
            elif argument == "token" and rule.endpoint.startswith("public."):
                per_argument[argument] = ["unknown"]
            elif argument == "instance_id" and rule.endpoint not in MANY_INSTANCES:
                per_argument[argument] = values[argument][-1:] if rule.rule.endswith(
                    (".pdf", ".json", ".bpmn")) else values[argument][-2:]
            elif argument in values:
                per_argument[argument] = values[argument]
            else:
                per_argument[argument] = ["1"]
        combinations = [{}]
        for argument, choices in per_argument.items():
            combinations = [{**c, argument: v} for c in combinations for v in choices]
        for combination in combinations:
            urls.append(_build(rule, combination))
    urls.append("/audit/integrity?scope=all")  # the check, explaining the event changed
    return sorted(set(urls))


def _build(rule, arguments: dict) -> str:
    url = rule.rule
    for name, value in arguments.items():
        url = re.sub(r"<(?:[^:<>]+(?:\([^)]*\))?:)?%s>" % name, str(value), url)
    return url


def _dump(url, who, html):
    """Debugging: the offending text nodes of a page, appended to $PAGES_DUMP."""
    with open(os.environ["PAGES_DUMP"], "a", encoding="utf-8") as out:
        for text, isolated in visible_texts(html):
            direction = ' dir="ltr"' if isolated else ""
            if english_on_persian_page(f"<p{direction}>{html_escape(text)}</p>"):
                out.write(f"{url}\t{who}\t{' '.join(text.split())[:300]}\n")


def client_for(app, username: str | None, lang: str):
    client = app.test_client()
    if username:
        response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302
    client.post(f"/lang/{lang}", data={"next": "/"})
    return client


def _is_binary(response) -> bool:
    return response.mimetype.startswith(BINARY) or response.mimetype.endswith(("+json", "+xml"))


def test_every_page_answers_in_both_languages_and_persian_pages_show_no_english(app, db, login):
    seed_city(app, db, login)
    urls = urls_of(app, parameter_values(app))
    errors, english = [], defaultdict(set)
    for username in USERS:
        for lang in ("fa", "en"):
            client = client_for(app, username, lang)
            for url in urls:
                who = username or "anonymous"
                try:
                    response = client.get(url)
                except Exception as error:  # noqa: BLE001 - TESTING propagates a 500's cause
                    errors.append(f"500 {url} as {who} in {lang}: {error!r}")
                    continue
                if response.status_code >= 500:
                    errors.append(f"{response.status_code} {url} as {who} in {lang}")
                    continue
                if lang != "fa" or _is_binary(response) or response.status_code in (301, 302, 303):
                    continue
                found = english_on_persian_page(response.get_data(as_text=True))
                for word in found:
                    english[re.sub(r"/\d+(?=/|$)", "/<id>", url)].add(word)
                if found and os.environ.get("PAGES_DUMP"):
                    _dump(url, who, response.get_data(as_text=True))
    report = "\n".join(errors) + "\n" + "\n".join(
        f"{url}: {', '.join(sorted(words))}" for url, words in sorted(english.items()))
    assert not errors and not english, report


def test_every_page_answers_without_a_server_error_for_a_user_of_every_other_role(app, db, login):
    seed_city(app, db, login)
    urls = urls_of(app, parameter_values(app))
    assert "/reports/137" in urls
    errors = []
    for username in OTHER_ROLES:
        for lang in ("fa", "en"):
            client = client_for(app, username, lang)
            for url in urls:
                try:
                    status = client.get(url).status_code
                except Exception as error:  # noqa: BLE001 - TESTING propagates a 500's cause
                    errors.append(f"500 {url} as {username} in {lang}: {error!r}")
                    continue
                if status >= 500:
                    errors.append(f"{status} {url} as {username} in {lang}")
    assert not errors, "\n".join(errors)
