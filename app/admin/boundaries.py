"""The districts' boundaries page (see the URL table in app/admin/__init__.py): an administrator
uploads each district's GeoJSON polygon; a malformed file is refused whole, nothing changes."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models.errors import InvalidData
from programmes.citizens.boundaries import GEOJSON_MAX_BYTES, list_boundaries, remove_boundary, save_boundary

from ..db import db_session
from . import bp, organisation_admin
from .views import _districts, _field_errors


def _page(errors=None, chosen="", status=200):
    session = db_session()
    return render_template("admin/boundaries.html", rows=list_boundaries(session),
                           districts=_districts(session), errors=errors or {}, chosen=chosen), status


@bp.route("/boundaries", methods=["GET", "POST"])
@organisation_admin
def boundaries():
    if request.method == "GET":
        return _page()
    session = db_session()
    chosen = request.form.get("district", "")
    upload = request.files.get("file")
    text = upload.read(GEOJSON_MAX_BYTES + 1) if upload is not None and upload.filename else b""
    try:
        row = save_boundary(session, chosen, text, current_user)
    except InvalidData as exc:
        session.rollback()
        return _page(_field_errors(exc), chosen, 400)
    flash(_("The boundary of %(district)s was saved.", district=row.district.name_fa), "success")
    return redirect(url_for("admin.boundaries"), code=303)


@bp.post("/boundaries/<code>/remove")
@organisation_admin
def boundary_remove(code):
    if remove_boundary(db_session(), code):
        flash(_("The boundary was removed."), "success")
    return redirect(url_for("admin.boundaries"), code=303)
