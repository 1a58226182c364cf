"""Quality records: the list of a user's districts, one record, exports.

URL table:
  GET  /records               record_list   (filters: code, district, process, from, to; page)
  GET  /records/<id>          record        (its form values read-only, register metadata)
  GET  /records/export.csv    export_csv    (same filters, every matching record)
  GET  /records/export.xlsx   export_xlsx
"""
from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from records.quality import REGISTER, record_data
from people.permissions import may
from models import HumanTask
from workcal.store import local_today

from ..db import db_session
from ..i18n import translate_error
from .export import XLSX_MIMETYPE
from .export import export_csv as build_csv
from .export import export_xlsx as build_xlsx
from .fields import describe_record, load_record_form
from .listing import (FilterError, Page, filter_args, get_record, list_process_keys,
                      list_records, list_revisions, parse_filters, process_names,
                      visible_districts)

bp = Blueprint("records", __name__)


def _list_page(session, page: Page | None, error: str | None = None):
    return render_template("records/list.html", page=page, error=error, register=REGISTER,
                           args=filter_args(request.args),
                           districts=visible_districts(session, current_user),
                           processes=list_process_keys(session),
                           process_names=process_names(session)), 400 if error else 200


@bp.route("/records")
@login_required
def record_list():
    session = db_session()
    try:
        filters = parse_filters(session, current_user, request.args)
    except FilterError as exc:
        return _list_page(session, None, translate_error(exc))
    return _list_page(session, list_records(session, current_user, filters,
                                            request.args.get("page", 1, type=int)))


@bp.route("/records/<int:record_id>")
@login_required
def record(record_id):
    session = db_session()
    row = get_record(session, current_user, record_id)
    if row is None:
        abort(404)  # another district's record too: its existence is not the user's business
    task = session.get(HumanTask, row.record.human_task_id) if row.record.human_task_id else None
    schema = load_record_form(row.record_type.form_key if row.record_type else None, session, task)
    fields = describe_record(schema, record_data(session, row.record))
    return render_template("records/record.html", row=row, fields=fields,
                           may_hold=may(current_user, "place_legal_holds"),
                           revisions=list_revisions(session, row.record))


def _export(build, extension: str, mimetype: str):
    session = db_session()
    try:
        filters = parse_filters(session, current_user, request.args)
    except FilterError as exc:
        return _list_page(session, None, translate_error(exc))
    filename = f"quality-records-{local_today(session).isoformat()}.{extension}"
    return Response(build(session, current_user, filters), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/records/export.csv")
@login_required
def export_csv():
    return _export(build_csv, "csv", "text/csv; charset=utf-8")


@bp.route("/records/export.xlsx")
@login_required
def export_xlsx():
    return _export(build_xlsx, "xlsx", XLSX_MIMETYPE)
