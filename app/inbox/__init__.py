"""Staff inbox and task pages.

URL table:
  GET       /                         inbox      (filters: process, district, overdue; page)
  GET/POST  /tasks/<id>               task       (show the form / complete it)
  POST      /tasks/<id>/claim         claim
  POST      /tasks/<id>/unclaim       unclaim
  POST      /tasks/<id>/reassign      reassign
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import get_locale
from flask_login import current_user, login_required
from sqlalchemy import select

from cases import case_of
from engine import engine_of
from formjs.forms import (context_values, parse_html_form, prefill_values, row_action_values,
                          shown_form)
from engine import claim_task, unclaim_task
from models import District, ProcessVersion, utcnow
from models.errors import InvalidData, WorkflowError
from notifications.staff import mark_read, unread_task_ids, visit_inbox
from people import access
from workcal.store import calendar_for

from .. import task_service
from ..db import db_session, write_apart
from ..documents.uploads import take_uploads
from ..i18n import due_in_words, page_style, translate_error
from programmes.citizens.tracking import request_of_instance
from ..drafts.task_panel import task_extras as draft_task_extras
from ..mardom_salam.task_panel import task_extras as mardom_salam_task_extras
from ..survey_pages import task_extras

bp = Blueprint("inbox", __name__)
INBOX_PAGE_SIZE = 50


@bp.route("/")
@login_required
def inbox():
    session = db_session()
    filters = {"process_key": request.args.get("process") or None,
               "district_id": request.args.get("district", type=int),
               "overdue_only": request.args.get("overdue") == "1"}
    now, page = utcnow(), max(1, request.args.get("page", 1, type=int))
    # One row more than a page tells whether a next page exists.
    tasks = session.scalars(access.inbox_query(current_user, now=now, limit=INBOX_PAGE_SIZE + 1,
                                               offset=(page - 1) * INBOX_PAGE_SIZE, **filters)).all()
    has_next, tasks = len(tasks) > INBOX_PAGE_SIZE, tasks[:INBOX_PAGE_SIZE]
    # Each process key under the name of its latest deployed version, ordered by name.
    names = dict(session.execute(select(ProcessVersion.process_key, ProcessVersion.name)
                                 .order_by(ProcessVersion.process_key, ProcessVersion.version)).all())
    processes = sorted(names.items(), key=lambda item: item[1])
    calendars = {d: calendar_for(session, d) for d in {t.district_id for t in tasks if t.due_at}}
    due_words = {t.id: due_in_words(t.due_at, now, calendars[t.district_id])
                 for t in tasks if t.due_at}
    # New to this user: created since they last opened the inbox, or told of and not yet read.
    seen_before = write_apart(lambda apart: visit_inbox(apart, current_user))
    new_ids = {t.id for t in tasks if seen_before is None or t.created_at > seen_before}
    new_ids |= unread_task_ids(session, current_user, [t.id for t in tasks])
    return render_template("inbox/inbox.html", tasks=tasks, now=now, due_words=due_words,
                           new_ids=new_ids,
                           filters=filters, page=page, has_next=has_next,
                           processes=processes, districts=session.query(District).all())


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@login_required
def task(task_id):
    session = db_session()
    try:
        opened = task_service.open_task(session, task_id, current_user,
                                        with_state=request.method == "GET")
    except WorkflowError as exc:
        return render_template("error.html", message=translate_error(exc)), exc.status
    task, schema = opened.task, opened.schema
    values, errors, status = {}, {}, 200
    rows = row_action_values(schema, request.form) if schema and request.method == "POST" else None
    if rows is not None:  # "add / remove a row" without JavaScript: shown again, nothing saved
        values = {**rows, **context_values(schema, opened.data(session))}
    elif request.method == "POST":
        values = parse_html_form(schema, request.form) if schema else {}
        try:  # the files of its file fields are kept first; the data holds their ids
            values = take_uploads(session, task, schema, values, request.files, current_user)
            task_service.complete_task(session, task.id, current_user, values, locale=str(get_locale()))
        except InvalidData as exc:
            errors, status = exc.details, 400
            flash(translate_error(exc), "error")
            if schema:  # read-only context from the task, never from the post
                values = {**values, **context_values(schema, opened.data(session))}
        except WorkflowError as exc:
            flash(translate_error(exc), "error")
            return render_template("inbox/task.html", task=task, schema=schema, values=values,
                                   errors={}, can_act=False), exc.status
        else:
            flash(_("Task completed."), "success")
            if not access.can_view_instance(current_user, task.instance):
                # A complaint registered as one about staff: it went to inspection, out of sight.
                return redirect(url_for("inbox.inbox"))
            return redirect(url_for("instances.instance", instance_id=task.instance_id))
    elif schema and task.status == "ready":
        values = prefill_values(schema, opened.data(session))
    if request.method == "GET":
        # Seen: no longer new in bell and inbox (a write of its own: this GET only reads).
        write_apart(lambda apart: mark_read(apart, current_user, task_id=task.id))
    return render_template("inbox/task.html", task=task, values=values, errors=errors,
                           schema=shown_form(schema, values) if schema else None,
                           elsewhere_url=_elsewhere_url(session, task),
                           due_words=_due_words(session, task),
                           case=case_of(session, task.instance, schema, page_style(), task),
                           citizen_request=request_of_instance(session, task.instance_id),
                           can_act=access.can_act_on_task(current_user, task),
                           assignees=access.eligible_assignees(session, task)
                           if task.status == "ready" else [],
                           **task_extras(session, task, current_user),
                           **draft_task_extras(session, task, current_user),
                           **mardom_salam_task_extras(session, task, current_user)), status


def _due_words(session, task) -> str:
    """When an open task is due, in working days of its district's calendar ("" when not due)."""
    if task.status != "ready" or task.due_at is None:
        return ""
    return due_in_words(task.due_at, utcnow(), calendar_for(session, task.district_id))


def _elsewhere_url(session, task) -> str | None:
    """The page where this task is done, if it is not done with its form here."""
    page_of = engine_of(session).hooks.page_of(task)
    if page_of is None or task.status != "ready":
        return None
    endpoint, values = page_of(session, task)
    return url_for(endpoint, **values)


def _task_action(task_id, action, *args):
    session = db_session()
    try:
        action(session, task_id, current_user, *args)
    except WorkflowError as exc:
        session.rollback()
        flash(translate_error(exc), "error")
    return redirect(url_for("inbox.task", task_id=task_id), code=303)


@bp.route("/tasks/<int:task_id>/claim", methods=["POST"])
@login_required
def claim(task_id):
    return _task_action(task_id, claim_task)


@bp.route("/tasks/<int:task_id>/unclaim", methods=["POST"])
@login_required
def unclaim(task_id):
    return _task_action(task_id, unclaim_task)


@bp.route("/tasks/<int:task_id>/reassign", methods=["POST"])
@login_required
def reassign(task_id):
    reason = request.form.get("reassign_reason", "").strip()
    if not reason:  # the picker asks for one; the history keeps why the task changed hands
        flash(_("Say why you hand the task to a colleague."), "error")
        return redirect(url_for("inbox.task", task_id=task_id), code=303)
    return _task_action(task_id, task_service.reassign_task, request.form.get("username", ""), reason)
