"""Form previews for process owners: a form-js schema rendered as a task would show it.

URL table:
  GET   /forms/<key>/preview              preview   (process_owner / admin only)
"""
from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine.forms import FormNotFound, load_form
from people import access

bp = Blueprint("forms", __name__)


@bp.route("/forms/<key>/preview")
@login_required
def preview(key):
    if not access.can_preview_forms(current_user):
        abort(403)
    try:
        schema = load_form(key)
    except FormNotFound:
        return render_template("error.html", message=_("There is no form %(key)s.", key=key)), 404
    return render_template("forms/preview.html", key=key, schema=schema)
