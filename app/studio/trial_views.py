"""The studio's "Try it": a draft run in memory, step by step (engine.trial), for process owners.

URL table (JSON in, JSON out; CSRF through the X-CSRFToken header; permission edit_diagrams):
  POST  /studio/<key>/trial/start   {xml?, data}                       xml absent: the draft
  POST  /studio/<key>/trial/step    {xml, token, task_id, form_key, form: [[name, value], ...]}
                                    or {..., answers: {...}} instead of form
  POST  /studio/<key>/trial/timer   {xml, token, timer_id}
  POST  /studio/<key>/trial/rows    {form_key, form: [..., ["_rows", "add:L" | "remove:L[i]"]]}
                                    -> {form_html}: a dynamic list's row added or removed

Nothing is stored: the trial's state travels as a signed token (the app's secret key, this
user and process, at most MAX_TOKEN_CHARS) that the browser sends back with the next step,
with the diagram's XML (a changed diagram refuses the old state). The answer: {status,
token, steps, budget, path, counts, data, tasks: [{id, element_id, name, form_key, schema
(form-js), form_html}],
timers: [{id, element_id, due_at, due_display}], problem: {element_id, message} | null}; a
diagram that would be refused at deploy answers 400 {problems}, bad input 400 {error, errors}.
"""
from datetime import datetime

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import get_locale
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict

from engine import (TRIAL_STEP_BUDGET, TrialRefused, TrialSetup, complete_trial_task,
                    fire_trial_timer, start_trial)
from formjs.forms import (FormNotFound, load_form, parse_html_form, prefill_values,
                          row_action_values, shown_form)
from modeling import studio
from models.errors import BpmnValidationError, InvalidData, WorkflowError
from people.permissions import may
from workcal.store import calendar_for

from . import bp
from .api_views import translate_problem
from ..db import db_session
from ..i18n import format_datetime, localize_digits, say, translate_error

MAX_TOKEN_CHARS = 400_000  # a trial's signed state; past it the trial must start again
TOKEN_MAX_AGE = 12 * 3600  # seconds: a trial left overnight starts again
_SALT = "studio-trial"


class _BadRequest(Exception):
    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message, self.errors = message, errors or {}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def _setup() -> TrialSetup:
    session = db_session()
    return TrialSetup(engine=current_app.extensions["bpmn_engine"], session=session,
                      calendar=calendar_for(session, None), locale=str(get_locale()),
                      budget=int(current_app.config.get("TRIAL_STEP_BUDGET", TRIAL_STEP_BUDGET)))


def _body() -> dict:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # JSON nested deeper than Python's parser follows
        body = None
    if not isinstance(body, dict):
        raise _BadRequest(_("Send the trial's request as a JSON object."))
    return body


def _xml(key: str, body: dict) -> bytes:
    xml = body.get("xml")
    if xml is None or xml == "":
        try:
            text, _what = studio.source(db_session(), key)
        except WorkflowError:
            raise _BadRequest(_("There is no draft of this process to try.")) from None
        return text.encode("utf-8")
    if not isinstance(xml, str) or len(xml) > studio.MAX_BYTES:
        raise _BadRequest(_("Send the diagram's XML as text (at most 5 MB)."))
    return xml.encode("utf-8")


def _token_state(key: str, body: dict) -> tuple[str, int]:
    token = body.get("token")
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        raise _BadRequest(_("The trial could not be read; start it again."))
    try:
        content = _serializer().loads(token, max_age=TOKEN_MAX_AGE)
    except BadSignature:
        raise _BadRequest(_("The trial could not be read; start it again.")) from None
    if content.get("k") != key or content.get("u") != current_user.id:
        raise _BadRequest(_("The trial could not be read; start it again."))
    return content["s"], int(content["n"])


def _text(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise _BadRequest(_("The trial's request lacks %(name)s.", name=name))
    return value


def _posted_form(body: dict) -> tuple[dict | None, MultiDict]:
    """The schema of the posted form_key (None: no form) and the posted fields."""
    pairs, form_key = body.get("form"), body.get("form_key")
    if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 and
                                              all(isinstance(v, str) for v in p) for p in pairs):
        raise _BadRequest(_("The trial's request lacks %(name)s.", name="form"))
    if not form_key:
        return None, MultiDict()
    try:
        schema = load_form(form_key, session=db_session())
    except (FormNotFound, ValueError):
        raise _BadRequest(_("The form %(form)s of this task is missing.", form=form_key)) from None
    return schema, MultiDict([tuple(p) for p in pairs])


def _answers(body: dict) -> dict | None:
    """The answers of a step: JSON `answers`, or the rendered form's fields (`form`), parsed as
    the task page parses a post."""
    if "form" not in body:
        return body.get("answers")
    schema, form = _posted_form(body)
    return parse_html_form(schema, form) if schema is not None else {}


def _answer(key: str, trial, budget: int):
    token = None
    if trial.state_json is not None:
        token = _serializer().dumps({"k": key, "u": current_user.id, "s": trial.state_json,
                                     "n": trial.steps})
        if len(token) > MAX_TOKEN_CHARS:
            return jsonify(error=_("The trial grew too large to keep; start it again.")), 400
    problem = None
    if trial.problem is not None:
        problem = {"element_id": trial.problem.element_id, "message": say(trial.problem.message)}
    return jsonify(
        status=trial.status, token=token, steps=trial.steps, budget=budget, path=trial.path,
        steps_text=_("Engine steps: {steps} of {budget}").format(
            steps=localize_digits(trial.steps), budget=localize_digits(budget)),
        counts=trial.counts, data=trial.data, problem=problem,
        tasks=[{"id": t.id, "element_id": t.element_id, "name": t.name, "form_key": t.form_key,
                "schema": t.schema, "form_html": _form_html(t)} for t in trial.tasks],
        timers=[{"id": t.id, "element_id": t.element_id, "due_at": t.due_at,
                 "due_display": format_datetime(datetime.fromisoformat(t.due_at.rstrip("Z")))}
                for t in trial.timers])


def _form_html(task) -> str:
    if task.schema is None:
        return ""
    values = prefill_values(task.schema, task.data)
    return render_template("studio/_trial_form.html", schema=shown_form(task.schema, values),
                           values=values, prefix=f"trial-{task.element_id}-")


def _refused(exc: BpmnValidationError, xml: bytes):
    """A diagram the trial cannot run: every problem, as validation lists them."""
    problems = studio.validate(xml, db_session())
    listed = [{**p.as_dict(), "message": translate_problem(p)} for p in problems]
    if not listed:
        listed = [{"element_id": e.element_id, "message": say(e.message), "line": e.line,
                   "kind": "engine"} for e in exc.errors]
    return jsonify(problems=listed, error=_("The diagram cannot be tried: %(count)s problem(s).",
                                            count=len(listed))), 400


def _trial_call(key: str, action):
    """Check the right, run the action; every refusal is a JSON answer, never a 500."""
    if not may(current_user, "edit_diagrams"):
        return jsonify(error=_("Only those who edit diagrams may try them.")), 403
    if not studio.KEY_RE.fullmatch(key):
        return jsonify(error=_("There is no process %(key)s.", key=key)), 404
    xml = b""
    try:
        body = _body()
        xml = _xml(key, body)
        setup = _setup()
        return _answer(key, action(setup, xml, body), setup.budget)
    except _BadRequest as exc:
        return jsonify(error=exc.message, errors=exc.errors), 400
    except BpmnValidationError as exc:
        return _refused(exc, xml)
    except (TrialRefused, InvalidData) as exc:
        return jsonify(error=translate_error(exc), errors=exc.details), 400
    except WorkflowError as exc:
        return jsonify(error=translate_error(exc)), exc.status


@bp.route("/<key>/trial/start", methods=["POST"])
@login_required
def trial_start(key):
    def action(setup, xml, body):
        data = body.get("data") or {}
        return start_trial(setup, xml, data)
    return _trial_call(key, action)


@bp.route("/<key>/trial/step", methods=["POST"])
@login_required
def trial_step(key):
    def action(setup, xml, body):
        state, spent = _token_state(key, body)
        return complete_trial_task(setup, xml, state, spent, _text(body, "task_id"), _answers(body))
    return _trial_call(key, action)


@bp.route("/<key>/trial/timer", methods=["POST"])
@login_required
def trial_timer(key):
    def action(setup, xml, body):
        state, spent = _token_state(key, body)
        return fire_trial_timer(setup, xml, state, spent, _text(body, "timer_id"))
    return _trial_call(key, action)


@bp.route("/<key>/trial/rows", methods=["POST"])
@login_required
def trial_rows(key):
    """A dynamic list's "add a row" / "remove this row" in a trial's form: the form drawn
    again with every typed value and one row more or less (as on the task page without
    JavaScript); nothing runs."""
    if not may(current_user, "edit_diagrams"):
        return jsonify(error=_("Only those who edit diagrams may try them.")), 403
    try:
        schema, form = _posted_form(_body())
    except _BadRequest as exc:
        return jsonify(error=exc.message, errors=exc.errors), 400
    values = row_action_values(schema, form) if schema is not None else None
    if values is None:
        return jsonify(error=_("The trial's request lacks %(name)s.", name="_rows")), 400
    return jsonify(form_html=render_template(
        "studio/_trial_form.html", schema=shown_form(schema, values), values=values,
        prefix=f"trial-rows-{len(form)}-"))
