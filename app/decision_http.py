"""The decision-table endpoints' shared work, for the API (bearer tokens, app/api/decisions.py)
and the studio (logged-in process owners, app/studio/decision_views.py): read the request,
call one function of modeling.decisions, answer JSON."""
from flask import Response, jsonify, request
from flask_babel import gettext

from modeling import decisions
from models.errors import InvalidData, NotFound
from people.permissions import may

from .db import db_session
from .studio.api_views import problems_json

MAX_BYTES = 2_000_000


def posted_xml() -> bytes:
    """The DMN XML of a request: the raw body, the form field `xml`, or JSON {"xml": ...}."""
    if request.content_length and request.content_length > MAX_BYTES:
        raise InvalidData("The file is larger than 2 MB.")
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.form.get("xml", "").encode("utf-8")
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
        xml = body.get("xml") if isinstance(body, dict) else None
        return xml.encode("utf-8") if isinstance(xml, str) else b""
    return request.get_data()


def _file_name() -> str | None:
    name = (request.args.get("file_name") or "").strip()
    return name[:300] if name and name.isprintable() else None


def validate_response():
    problems = decisions.check_decisions(posted_xml())
    return jsonify({"ok": not problems, "problems": problems_json(problems)})


def deploy_response(user):
    xml = posted_xml()
    problems = decisions.check_decisions(xml)
    if problems:
        return jsonify({"error": gettext(decisions.REFUSED), "problems": problems_json(problems)}), 400
    session = db_session()
    before = {v.decision_key: v.version for v in decisions.list_decisions(session)}
    version = decisions.deploy_decisions(session, xml, user, file_name=_file_name())
    created = before.get(version.decision_key) != version.version
    return jsonify({**decisions.version_json(version), "created": created}), (201 if created else 200)


def evaluate_response(decision_id: str):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidData("Send the inputs as a JSON object.")
    inputs = body.get("inputs", {k: v for k, v in body.items() if k != "version"})
    version = body.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)
                                or not 0 < version < 1_000_000):
        raise InvalidData("The version must be a positive whole number.")
    if not isinstance(inputs, dict):
        raise InvalidData("Send the inputs as a JSON object.")
    return jsonify(decisions.evaluate_decision(db_session(), decision_id, inputs, version=version))


def list_response():
    return jsonify({"decisions": [decisions.version_json(v)
                                  for v in decisions.list_decisions(db_session())]})


def versions_response(key: str):
    found = decisions.decision_versions(db_session(), key)
    if not found:
        raise NotFound("Decision {key} is not deployed.", key=key)
    return jsonify({"key": key, "versions": [decisions.version_json(v) for v in found]})


def version_xml_response(key: str, number: int):
    xml = decisions.decision_version_xml(db_session(), key, number)
    return Response(xml, mimetype="application/xml")


def allowed(user, permission: str) -> bool:
    return may(user, permission)
