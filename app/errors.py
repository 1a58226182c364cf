"""HTTP errors as a page for people and as JSON under /api."""
from flask import g, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from .i18n import N_

MESSAGES = {
    400: N_("The request was not valid."), 403: N_("You may not see or do this."),
    404: N_("This page does not exist."), 405: N_("This action is not allowed here."),
    413: N_("The upload is too large."), 500: N_("Something went wrong; nothing was saved."),
}


def init_error_pages(app) -> None:
    """Register the handlers."""

    @app.errorhandler(HTTPException)
    def _http_error(exc):
        code = exc.code or 500
        if code >= 500 and g.get("db_session") is not None:
            g.db_session.rollback()  # after a failed flush the page could not even load current_user
        if request.path.startswith("/api/"):
            from .api.auth import json_error
            return json_error(code, exc.description or exc.name)
        return render_template("error.html", message=_(MESSAGES.get(code, exc.name))), code
