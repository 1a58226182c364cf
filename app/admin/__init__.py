"""The organisation, kept by a city-wide administrator (permission manage_organisation):
units, roles, users' memberships and substitutes. Thin views over people.organisation,
people.catalogue, people.accounts and people.substitutes; no JavaScript needed.

URL table:
  GET   /admin/                                      index (links)
  GET   /admin/units                                 units        (tree; ?district=d1|city)
  GET   /admin/units/new  POST /admin/units/new      unit_new
  GET   /admin/units/<id>  POST /admin/units/<id>    unit_edit
  POST  /admin/units/import                          units_import (multipart: file)
  GET   /admin/roles  POST /admin/roles              roles        (list, add)
  GET   /admin/channels  POST /admin/channels        channels     (137 intake channels: list, add)
  GET   /admin/users                                 users        (?q= username or name)
  GET   /admin/users/new  POST /admin/users/new      user_new     (username, full_name, password twice)
  GET   /admin/users/<id>                            user_memberships
  POST  /admin/users/<id>/password                   user_password (password twice; accounts.py)
  POST  /admin/users/<id>/grants                     grant_add    (role, scope, unit|district, from, until)
  POST  /admin/users/<id>/grants/<grant_id>/remove   grant_remove
  GET   /admin/substitutes  POST /admin/substitutes  substitutes  (list, add)
  POST  /admin/substitutes/<id>/end                  substitute_end
  GET   /admin/boundaries  POST /admin/boundaries    boundaries   (list; upload: district, file)
  POST  /admin/boundaries/<code>/remove              boundary_remove
  (views in boundaries.py: the districts' GeoJSON boundaries the portal's map finds districts in)
  GET   /admin/connectors  POST /admin/connectors    connectors   (list, add; manage_connectors)
  GET   /admin/connectors/<id>  POST ...             connector_edit
  (views in connectors.py: the other systems service tasks call)
"""
from datetime import timedelta
from functools import wraps

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from people.permissions import may

bp = Blueprint("admin", __name__, url_prefix="/admin")


def organisation_admin(view):
    """Let the view run only for a city-wide administrator; others get a 403 page."""
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not may(current_user, "manage_organisation"):
            return render_template("error.html", message=_(
                "Only a system administrator may manage the organisation.")), 403
        return view(*args, **kwargs)
    return wrapper


@bp.app_template_filter("last_day")
def last_day(moment):
    """The last moment before an exclusive end (valid_until), to show its day."""
    return moment - timedelta(seconds=1) if moment is not None else None


from . import views  # noqa: E402,F401  (registers the routes)
from . import boundaries  # noqa: E402,F401  districts' boundaries (app/admin/boundaries.py)
from . import accounts  # noqa: E402,F401  a new user, a user's new password (app/admin/accounts.py)
from . import connectors  # noqa: E402,F401  connectors service tasks call (app/admin/connectors.py)
