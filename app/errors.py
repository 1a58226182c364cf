"""HTTP errors as a page for people and as JSON under /api."""
from flask import render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: "The request was not valid.", 403: "You may not see or do this.",
    404: "This page does not exist.", 405: "This action is not allowed here.",
    413: "The upload is too large.", 500: "Something went wrong; nothing was saved.",
}


def init_error_pages(app) -> None:
    """Register the handlers."""

    @app.errorhandler(HTTPException)
    def _http_error(exc):
        code = exc.code or 500
        if request.path.startswith("/api/"):
            from .api.auth import json_error
            return json_error(code, exc.description or exc.name)
        return render_template("error.html", message=_(MESSAGES.get(code, exc.name))), code
