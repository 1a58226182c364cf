"""The API's diagram endpoints: validate and deploy with the studio's one validation
(modeling.validation.check_diagram), every problem in the 400's details.

  POST  /api/v1/processes/validate         validate_diagram  ({"xml": ...} -> {ok, problems, timers})
  POST  /api/v1/processes/<key>/deploy     deploy_diagram    ({"xml": ...}; process owners)
"""
from flask import g, jsonify, request
from flask_babel import gettext

from modeling import studio
from models.errors import BpmnValidationError, Forbidden, InvalidData, NotFound
from people.permissions import may

from ..db import db_session
from ..studio.api_views import problems_json, timers_json
from .auth import json_error, token_required
from . import bp


def _xml() -> str:
    body = request.get_json(silent=True)
    xml = body.get("xml") if isinstance(body, dict) else None
    if not isinstance(xml, str) or not xml.strip():
        raise InvalidData("Send the diagram's XML in the field xml.")
    if len(xml.encode("utf-8")) > studio.MAX_BYTES:
        raise InvalidData("The file is larger than 5 MB.")
    return xml


@bp.post("/processes/validate")
@token_required
def validate_diagram():
    if not may(g.api_user, "view_studio"):
        raise Forbidden("Only process owners, administrators and auditors may use the studio.")
    xml = _xml()
    problems = studio.check_diagram(db_session(), xml)
    return jsonify({"ok": not problems, "problems": problems_json(problems), "timers": timers_json(xml, problems)})


@bp.post("/processes/<key>/deploy")
@token_required
def deploy_diagram(key):
    if not may(g.api_user, "edit_diagrams"):
        raise Forbidden("Only process owners may deploy diagrams.")
    if not studio.KEY_RE.fullmatch(key):
        raise NotFound("Process {key} has no deployed version.", key=key)
    xml = _xml()
    try:
        version, created = studio.deploy(db_session(), key, xml, g.api_user)
    except studio.StudioRefused as exc:
        return json_error(400, gettext("The diagram has problems; nothing was deployed."),
                          {"problems": problems_json(exc.problems)})
    except BpmnValidationError as exc:  # deploy_process refused what validation let through
        return json_error(400, gettext("The diagram has problems; nothing was deployed."),
                          {"problems": [{"element_id": e.element_id, "message": str(e.message),
                                         "line": e.line, "kind": "bpmn"} for e in exc.errors]})
    return jsonify({"key": version.process_key, "version": version.version, "created": created}), \
        (201 if created else 200)
