"""Open311 API keys, issued and revoked by a city-wide administrator.

A key is shown once, on the page that answers its creation; afterwards only its first 6
characters are shown, to recognise it. Revoked keys stay in the list as a record.

URL table:
  GET   /admin/api-keys                       key_list  (admin only)
  POST  /admin/api-keys                       create    (form: name; shows the new key once)
  POST  /admin/api-keys/<id>/revoke           revoke
"""
from functools import wraps

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models.errors import InvalidData, WorkflowError
from people.permissions import may

from ..db import db_session
from ..i18n import translate_error
from .keys import issue_api_key, list_api_keys, revoke_api_key

bp = Blueprint("api_keys", __name__, url_prefix="/admin/api-keys")


def admin_required(view):
    """Let the view run only for a city-wide administrator; others get a 403 page."""
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not may(current_user, "manage_api_keys"):
            return render_template("error.html", message=_("Only a system administrator may manage API keys.")), 403
        return view(*args, **kwargs)
    return wrapper


def _page(status: int = 200, new_key: str | None = None, new_row=None, error: str | None = None,
          name: str = ""):
    return render_template("api_keys/list.html", keys=list_api_keys(db_session()), new_key=new_key,
                           new_row=new_row, error=error, name=name), status


@bp.get("")
@admin_required
def key_list():
    return _page()


@bp.post("")
@admin_required
def create():
    name = request.form.get("name", "")
    try:
        row, key = issue_api_key(db_session(), name, current_user)
    except InvalidData as exc:
        return _page(400, error=translate_error(exc), name=name)
    # Rendered, not redirected: the key must not travel in a flash cookie or a URL.
    return _page(201, new_key=key, new_row=row)


@bp.post("/<int:key_id>/revoke")
@admin_required
def revoke(key_id):
    try:
        row = revoke_api_key(db_session(), key_id, current_user)
    except WorkflowError as exc:
        return render_template("error.html", message=translate_error(exc)), exc.status
    flash(_("The key of %(name)s was revoked: it is refused from now on.", name=row.name), "success")
    return redirect(url_for("api_keys.key_list"), code=303)
