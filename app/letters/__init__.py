"""Printable official letters (records/letters.py): PDF and HTML from a Jinja template per kind
(app/templates/letters/<kind>.html), right to left in Vazirmatn, numbered once.

URL table:
  POST /letters/instances/<id>/<kind>   issue_instance_letter  (number given once; → the letter)
  POST /letters/records/<id>            issue_record_letter    (a quality record as a letter)
  GET  /letters/<id>                    letter                 (the letter as a page, printable)
  GET  /letters/<id>.pdf                letter_pdf             (A4 PDF)

Seeing a letter follows the case: the instance rule (people.access.can_view_instance) or the
records list's district rule; giving it a number also takes the permission issue_letters in
its district (people.permissions). Another district's or an unknown id: 403/404 page.
"""
from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_babel import force_locale
from flask_login import current_user, login_required

from models import District, HumanTask, Instance, Letter, QualityRecord, User
from models.errors import Forbidden, NotFound
from people.permissions import may
from records.letters import (KINDS, MAX_ID, check_letter_access, find_letter, get_letter,
                             issue_letter, letter_kinds_of, may_see_record)
from records.quality import RECORDS_BY_CODE, record_data

from ..audit.dossier_views import render_pdf
from ..db import db_session
from ..i18n import N_
from ..records.fields import describe_record, load_record_form
from ..records.listing import record_code

bp = Blueprint("letters", __name__, url_prefix="/letters")

TITLES = {
    "complaint_answer": N_("Formal answer to the complainant"),
    "press_rebuttal": N_("Rebuttal letter to the press"),
    "press_invitation": N_("Press conference invitation"),
    "quality_record": N_("Quality record"),
}
# The forms whose fields a letter's template reads from the case, in this order (the first
# form that has a field gives its readable text).
CASE_FORMS = {
    "complaint_answer": ("complaint_register", "complaint_examination", "complaint_announcement"),
    "press_rebuttal": ("press_rebuttal", "press_monitoring", "news_preparation"),
    "press_invitation": ("press_invitation", "press_schedule"),
}


def _get(model, object_id: int):
    if not 0 < object_id <= MAX_ID:
        abort(404)
    row = db_session().get(model, object_id)
    if row is None:
        abort(404)
    return row


def _refuse(exc: Exception):
    abort(403 if isinstance(exc, Forbidden) else 404)


@bp.route("/instances/<int:instance_id>/<kind>", methods=["POST"])
@login_required
def issue_instance_letter(instance_id, kind):
    instance = _get(Instance, instance_id)
    if kind not in KINDS or KINDS[kind].process_key is None:
        abort(404)
    try:
        letter = issue_letter(db_session(), kind, current_user, instance=instance)
    except (Forbidden, NotFound) as exc:
        _refuse(exc)
    return redirect(url_for("letters.letter", letter_id=letter.id), 303)


@bp.route("/records/<int:record_id>", methods=["POST"])
@login_required
def issue_record_letter(record_id):
    record = _get(QualityRecord, record_id)
    try:
        letter = issue_letter(db_session(), "quality_record", current_user, record=record)
    except (Forbidden, NotFound) as exc:
        _refuse(exc)
    return redirect(url_for("letters.letter", letter_id=letter.id), 303)


def _letter_or_refuse(letter_id: int) -> Letter:
    if not 0 < letter_id <= MAX_ID:
        abort(404)
    try:
        return get_letter(db_session(), current_user, letter_id)
    except (Forbidden, NotFound) as exc:
        _refuse(exc)


def _readable(form_keys, data: dict, session) -> dict[str, str]:
    """{field key: readable text} of the case's values, as the record page shows them."""
    out: dict[str, str] = {}
    for form_key in form_keys:
        schema = load_record_form(form_key, session)
        if schema is None:
            continue
        own = len(describe_record(schema, {}))
        for field in describe_record(schema, data)[:own]:
            out.setdefault(field.key, field)
    return out


def _context(letter: Letter, web: bool) -> dict:
    session = db_session()
    district = session.get(District, letter.district_id)
    issuer = session.get(User, letter.issued_by_id) if letter.issued_by_id else None
    context = {"letter": letter, "kind": letter.kind, "title": TITLES[letter.kind], "web": web,
               "district": district, "issuer": issuer, "instance": None, "record": None}
    if letter.record_id is not None:
        record = session.get(QualityRecord, letter.record_id)
        record_type = RECORDS_BY_CODE.get(record.code)
        task = session.get(HumanTask, record.human_task_id) if record.human_task_id else None
        schema = load_record_form(record_type.form_key if record_type else None, session, task)
        context.update(record=record, record_type=record_type, code=record_code(record.code, district),
                       fields=describe_record(schema, record_data(session, record)), author=(
                           session.get(User, record.created_by_id) if record.created_by_id else None))
    if letter.instance_id is not None:
        instance = session.get(Instance, letter.instance_id)
        data = instance.data or {}
        fields = _readable(CASE_FORMS.get(letter.kind, ()), data, session)
        context.update(instance=instance, case=data, f=fields,
                       text=lambda key: fields[key].text if key in fields else str(data.get(key) or ""))
    return context


def _render(letter: Letter, web: bool) -> str:
    with force_locale("fa"):  # an official letter is Persian whatever the page language
        return render_template(f"letters/{letter.kind}.html", **_context(letter, web))


@bp.route("/<int:letter_id>")
@login_required
def letter(letter_id):
    return _render(_letter_or_refuse(letter_id), web=True)


@bp.route("/<int:letter_id>.pdf")
@login_required
def letter_pdf(letter_id):
    letter_row = _letter_or_refuse(letter_id)
    with force_locale("fa"):
        pdf = render_pdf(render_template(f"letters/{letter_row.kind}.html",
                                         **_context(letter_row, web=False)))
    filename = f"letter-{letter_row.number.replace('/', '-')}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"',
                             "Cache-Control": "no-store"})


# --- what app/templates/letters/_links.html shows on task, instance and record pages ----------

def letters_for(instance=None, task=None, record=None) -> list[dict]:
    """The letters a page's case can be printed as: kind, title, the letter if issued, whether
    this user may give it a number, and where to post."""
    if task is not None and instance is None:
        instance = task.instance
    if not current_user.is_authenticated:
        return []
    session = db_session()
    out = []
    if record is not None and may_see_record(current_user, record):
        out.append(_link("quality_record", find_letter(session, "quality_record", record=record),
                         record.district_id, url_for("letters.issue_record_letter", record_id=record.id)))
    elif instance is not None:
        for kind in letter_kinds_of(instance):
            try:
                check_letter_access(current_user, kind.kind, instance=instance)
            except (Forbidden, NotFound):
                continue
            out.append(_link(kind.kind, find_letter(session, kind.kind, instance=instance),
                             instance.district_id, url_for("letters.issue_instance_letter",
                                                           instance_id=instance.id, kind=kind.kind)))
    return out


def _link(kind: str, letter: Letter | None, district_id: int | None, issue_url: str) -> dict:
    return {"kind": kind, "title": TITLES[kind], "letter": letter, "issue_url": issue_url,
            "may_issue": may(current_user, "issue_letters", district_id)}


@bp.app_context_processor
def _letters_helpers():
    return {"letters_for": letters_for}
