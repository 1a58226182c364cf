"""Public pages for citizens: no login, Persian first, CSRF on as everywhere.

URL table:
  GET/POST  /p/surveys/<token>?r=<personal token>
                                        survey   (the questionnaire of an open survey or poll link)
  GET       /p/surveys/<token>/thanks   thanks   (after an answer was stored)

A token is the unguessable address of one questionnaire of one instance (programmes.surveys.answers);
it answers 404 when unknown or once the instance has left its collection phase. A survey's
link (F-01, F-02) takes one answer per person: only with a personal token `r`
(programmes.surveys.tokens), refused with a Persian page, storing nothing, when it is missing
(403), forged (403) or already answered with (409).
"""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from programmes.surveys import answers as surveys
from programmes.surveys.tokens import TokenRefused, check_token
from formjs.forms import parse_html_form, row_action_values, validate_submission
from models import SurveyLink

from ..db import db_session

bp = Blueprint("public", __name__, url_prefix="/p")
# A questionnaire is a few KB of text; anything much larger is refused (413) before parsing.
MAX_ANSWER_BYTES = 64 * 1024


@bp.url_value_preprocessor
def _cap_body_size(_endpoint, _values):
    # A URL value preprocessor runs before every before_request function, so the cap holds
    # already when CSRF protection reads the form.
    request.max_content_length = MAX_ANSWER_BYTES
    request.max_form_memory_size = MAX_ANSWER_BYTES


def _closed():
    return render_template("public/closed.html"), 404


def _refused(reason: str):
    return render_template("public/refused.html", reason=reason), 409 if reason == "used" else 403


@bp.route("/surveys/<token>", methods=["GET", "POST"])
def survey(token):
    session = db_session()
    link = surveys.open_link(session, token)
    if link is None:
        return _closed()
    try:
        nonce = check_token(session, link, request.args.get("r"))
    except TokenRefused as refused:
        return _refused(refused.reason)
    schema = surveys.public_schema(link, session)
    shown = surveys.public_values(link.instance, schema)
    values, errors, status = shown, {}, 200
    rows = row_action_values(schema, request.form) if request.method == "POST" else None
    if rows is not None:  # "add / remove a row" without JavaScript: shown again, nothing stored
        values = {**rows, **shown}
    elif request.method == "POST":
        posted = parse_html_form(schema, request.form)
        clean, errors = validate_submission(schema, posted, locale=str(get_locale()))
        if not errors:
            try:
                surveys.store_public_answer(session, link, clean, nonce)
            except StaleDataError:  # the instance moved on meanwhile (e.g. collection ended)
                session.rollback()
                return _closed()
            except TokenRefused as refused:  # answered with the same token meanwhile
                session.rollback()
                return _refused(refused.reason)
            return redirect(url_for(".thanks", token=token), code=303)
        values, status = {**posted, **shown}, 400
    return render_template("public/survey.html", schema=schema, values=values,
                           errors=errors), status


@bp.route("/surveys/<token>/thanks")
def thanks(token):
    known = db_session().scalars(select(SurveyLink.id).where(SurveyLink.token == token)).first()
    if known is None:
        return _closed()
    return render_template("public/thanks.html")
