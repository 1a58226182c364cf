"""The one guard every request passes before its view: numbers and text a database or an XML
document cannot hold are refused here, not in each view (issue 19).

- An id in the path (every <int:...> route) above the largest 32-bit integer names nothing:
  404, before the database is asked (PostgreSQL's integer columns, and SQLite's 64 bits,
  answered 500 to it).
- A numeric parameter the views read as a number (page, per_page, district, version, ...)
  outside the 32-bit range: 400.
- Text with characters XML 1.0 cannot carry (NUL and the other C0 controls but tab, line feed
  and carriage return; lone surrogates; U+FFFE, U+FFFF) in the path, the query, a form or a
  JSON body: 400 with a clear message, nothing changes. PostgreSQL refuses NUL in text and
  Open311's XML would be malformed for every client.

Answers come in the shape of the area asked: the API's JSON error, Open311's error list, or
the staff and citizens' error page.
"""
import json
import re

from flask import jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import NotFound

from .i18n import N_

MAX_ID = 2**31 - 1  # the largest value of an integer column (PostgreSQL's int4)
MIN_INT = -(2**31)
# Parameters the views read with type=int (or as an id; a district by its id or its code).
INT_PARAMS = frozenset({"page", "per_page", "instance", "instance_id", "task_id", "record_id",
                        "step", "version", "a", "b", "target", "ids", "count", "district"})
# Not allowed in XML 1.0 documents (and NUL not in PostgreSQL text): every C0 control but tab,
# line feed and carriage return, DEL, lone surrogates, and the two non-characters U+FFFE/U+FFFF.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
CONTROL_REFUSED = N_("The request contains control characters (such as NUL) that no text may "
                     "hold; remove them and send it again.")
NUMBER_REFUSED = N_("The number {name} is out of range.")


def has_forbidden_characters(text: str) -> bool:
    """True when text holds a character no stored text may hold (see FORBIDDEN_CHARACTERS)."""
    return bool(FORBIDDEN_CHARACTERS.search(text))


def strip_forbidden_characters(text: str) -> str:
    """text without the characters XML cannot carry (output of data stored before the guard)."""
    return FORBIDDEN_CHARACTERS.sub("", text)


def int_in_range(value) -> bool:
    """True for an int a database integer column holds (bool is not a number here)."""
    return isinstance(value, int) and not isinstance(value, bool) and MIN_INT <= value <= MAX_ID


def _json_has_forbidden(value, depth: int = 0) -> bool:
    if depth > 64:
        return False  # deeper bodies are the views' to refuse; nothing is stored from here
    if isinstance(value, str):
        return has_forbidden_characters(value)
    if isinstance(value, dict):
        return any(_json_has_forbidden(k, depth + 1) or _json_has_forbidden(v, depth + 1)
                   for k, v in value.items())
    if isinstance(value, list):
        return any(_json_has_forbidden(v, depth + 1) for v in value)
    return False


def _texts():
    """Every text of the request: path values, query, form fields (names too), file names."""
    for value in (request.view_args or {}).values():
        if isinstance(value, str):
            yield value
    yield request.path
    for source in (request.args, request.form):
        for name, values in source.lists():
            yield name
            yield from values
    for upload in request.files.values():
        if upload.filename:
            yield upload.filename


def _bad_number() -> str | None:
    for source in (request.args, request.form):
        for name in INT_PARAMS.intersection(source.keys()):
            for value in source.getlist(name):
                try:  # as the views read it (type=int): signs, spaces, any script's digits
                    number = int(value)
                except ValueError:
                    continue  # not a number: the view answers it (a district's code, say)
                if not MIN_INT <= number <= MAX_ID:
                    return name
    return None


def _json_body_has_forbidden() -> bool:
    if request.is_json:
        return _json_has_forbidden(request.get_json(silent=True))
    # The API's multipart task completion carries its JSON in the form field "data".
    if request.path.startswith("/api/") and "data" in request.form:
        try:
            return _json_has_forbidden(json.loads(request.form["data"]))
        except ValueError:
            return False
    return False


def _refusal(message: str, status: int = 400):
    """The refusal in the shape of the area asked."""
    if request.path.startswith("/api/"):
        from .api.auth import json_error
        return json_error(status, message)
    if request.path.startswith("/open311/"):
        from .open311.formats import Open311Error, render_error
        fmt = (request.view_args or {}).get("fmt") or ("xml" if request.path.endswith(".xml") else "json")
        return render_error(fmt, Open311Error(status, message))
    return render_template("error.html", message=message), status


def guard_request():
    """Refuse ids, numbers and text out of range before any view or database sees them."""
    if request.endpoint == "static":
        return None
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not isinstance(value, bool) and not int_in_range(value):
            raise NotFound()  # no row has such an id
    if any(has_forbidden_characters(text) for text in _texts()) or _json_body_has_forbidden():
        return _refusal(gettext(CONTROL_REFUSED))
    name = _bad_number()
    if name is not None:
        return _refusal(gettext(NUMBER_REFUSED).format(name=name))
    return None


def init_input_guard(app) -> None:
    """Run the guard before every request's view (after the URL is matched)."""
    app.before_request(guard_request)
