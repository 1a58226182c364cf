"""The OpenAPI 3.1 description of /api/v1."""


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema):
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*codes):
    text = {400: "Invalid input; details maps each field to its message", 401: "No valid token",
            403: "Another district's or role's resource", 404: "Not found",
            409: "Already completed or claimed by someone else",
            429: "Too many failed logins for this username or address; wait Retry-After seconds"}
    return {str(c): {"description": text[c], **_json(_ref("Error"))} for c in codes}


def _op(summary, ok, *errors, body=None, params=(), status="200"):
    op = {"summary": summary, "responses": {status: {"description": "OK", **_json(ok)}, **_errors(*errors)}}
    if body is not None:
        op["requestBody"] = {"required": True, **_json(body)}
    if params:
        op["parameters"] = list(params)
    return op


def _path_id(name):
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def _query(name, schema_type="string", text=""):
    return {"name": name, "in": "query", "required": False, "schema": {"type": schema_type}, "description": text}


_DIAGRAM = {"type": "object", "required": ["xml"], "properties": {"xml": {"type": "string",
             "description": "the BPMN 2.0 file's text"}}}
SCHEMAS = {
    "Validation": {"type": "object", "properties": {
        "ok": {"type": "boolean"},
        "problems": {"type": "array", "items": {"type": "object", "properties": {
            "element_id": {"type": ["string", "null"]}, "kind": {"type": "string"}, "category": {"type": "string"},
            "line": {"type": ["integer", "null"]}, "message": {"type": "string"},
            "message_en": {"type": "string"}, "message_fa": {"type": "string"}}}},
        "timers": {"type": "array", "items": {"type": "object", "properties": {
            "element_id": {"type": "string"}, "kind": {"type": "string"}, "expression": {"type": "string"},
            "meaning": {"type": "string"}, "meaning_fa": {"type": "string"}, "meaning_en": {"type": "string"}}}}}},
    "Error": {"type": "object", "required": ["error", "details"],
              "properties": {"error": {"type": "string"}, "details": {"type": "object"}}},
    "Process": {"type": "object", "properties": {
        "key": {"type": "string"}, "name": {"type": "string"}, "version": {"type": "integer"},
        "content_sha256": {"type": "string"}, "deployed_at": {"type": "string", "format": "date-time"}}},
    "Task": {"type": "object", "properties": {
        "id": {"type": "integer"}, "instance_id": {"type": "integer"}, "process": {"type": "string"},
        "task": {"type": "string"}, "name": {"type": "string"}, "role": {"type": ["string", "null"]},
        "lane": {"type": ["string", "null"]}, "district": {"type": "string"},
        "status": {"enum": ["ready", "completed", "cancelled"]},
        "assignee": {"type": ["string", "null"]}, "form_key": {"type": ["string", "null"]},
        "created_at": {"type": "string"}, "due_at": {"type": ["string", "null"]},
        "completed_at": {"type": ["string", "null"]}, "completed_by": {"type": ["string", "null"]},
        "form": {"type": "object", "description": "bpmn.io form-js schema (GET /tasks/{id} only)"},
        "data": {"type": "object", "description": (
            "The task's own data (GET /tasks/{id} only): for a ready task what the engine gives "
            "it, e.g. its item of a multi-instance sub-process (which can differ from the "
            "instance's data); for a completed task what was submitted to it")},
        "case": {"type": "object", "description": (
            "GET /tasks/{id} only: the case the task decides on, as its page shows it: the "
            "earlier steps (newest first; those the task's form declares with the form-js "
            "property caseForms, else all), each with task, name, form_key, form_version, role, "
            "by, at, round, superseded, changed (field paths changed since the round before) and "
            "fields: [{key, label, text, columns?, rows?}] in the language asked for"),
            "properties": {"steps": {"type": "array", "items": {"type": "object"}}}}}},
    "Instance": {"type": "object", "properties": {
        "id": {"type": "integer"}, "process": {"type": "string"}, "version": {"type": "integer"},
        "title": {"type": "string"}, "district": {"type": "string"},
        "status": {"enum": ["running", "completed", "error"]}, "error": {"type": ["string", "null"]},
        "data": {"type": "object"}, "started_at": {"type": "string"},
        "completed_at": {"type": ["string", "null"]},
        "open_tasks": {"type": "array", "items": _ref("Task")}}},
    "InstanceSummary": {"type": "object", "properties": {
        "id": {"type": "integer"}, "process": {"type": "string"}, "version": {"type": "integer"},
        "title": {"type": "string"}, "tracking_code": {"type": ["string", "null"]},
        "district": {"type": "string"}, "status": {"type": "string"},
        "channel": {"type": ["string", "null"]}, "category": {"type": ["string", "null"]},
        "started_at": {"type": "string"}, "completed_at": {"type": ["string", "null"]}}},
    "Unit": {"type": "object", "properties": {
        "id": {"type": "integer"}, "code": {"type": "string"}, "title_fa": {"type": "string"},
        "title_en": {"type": "string"}, "parent": {"type": ["string", "null"]},
        "district": {"type": ["string", "null"], "description": "null for a city unit"},
        "head": {"type": ["string", "null"]},
        "categories": {"type": "array", "items": {"type": "string"}}}},
    "User": {"type": "object", "properties": {
        "id": {"type": "integer"}, "username": {"type": "string"}, "display_name": {"type": "string"},
        "roles": {"type": "array", "description": "grants in force now", "items": {
            "type": "object", "properties": {"role": {"type": "string"},
                                             "district": {"type": ["string", "null"]},
                                             "unit": {"type": ["string", "null"]}}}}}},
    "Event": {"type": "object", "properties": {
        "seq": {"type": "integer"}, "type": {"type": "string"}, "task": {"type": ["string", "null"]},
        "actor": {"type": ["string", "null"]}, "at": {"type": "string"}, "data": {"type": "object"},
        "sha256": {"type": "string"}, "prev_sha256": {"type": "string"}}},
}


_DMN = {"type": "object", "required": ["xml"], "properties": {"xml": {"type": "string",
         "description": "the DMN 1.3 file's text (or send it as the raw body, application/xml)"}}}
_DECISION = {"type": "object", "properties": {
    "key": {"type": "string"}, "version": {"type": "integer"}, "name": {"type": "string"},
    "hit_policy": {"type": "string"}, "file_name": {"type": ["string", "null"]},
    "content_sha256": {"type": "string"}, "deployed_at": {"type": "string"},
    "inputs": {"type": "array", "items": {"type": "object"}},
    "outputs": {"type": "array", "items": {"type": "object"}}}}
_KEY = {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}
# Decision tables (issue 23, app/api/decisions.py).
DECISION_PATHS = {
    "/decisions": {"get": _op("Deployed decision tables (newest versions)", {"type": "object", "properties": {
        "decisions": {"type": "array", "items": _DECISION}}}, 401, 403)},
    "/decisions/validate": {"post": _op(
        "Validate a DMN file: every problem on its decision, column or cell", {"type": "object", "properties": {
            "ok": {"type": "boolean"}, "problems": {"type": "array", "items": {"type": "object"}}}},
        400, 401, 403, body=_DMN)},
    "/decisions/deploy": {"post": _op(
        "Deploy a DMN file (process owners): a new version of each decision whose content changed "
        "(201), or the version in force (200); a file with problems is refused with all of them",
        _DECISION, 400, 401, 403, status="201", body=_DMN)},
    "/decisions/{decision_id}/evaluate": {"post": _op(
        "Try a decision: its newest (or the given) version over the inputs", {"type": "object", "properties": {
            "version": {"type": "integer"}, "matched_rules": {"type": "array", "items": {"type": "string"}},
            "matched_indexes": {"type": "array", "items": {"type": "integer"}},
            "output": {"type": ["object", "array", "null"]}}}, 400, 401, 403, 404,
        params=[{"name": "decision_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        body={"type": "object", "properties": {"inputs": {"type": "object"},
                                               "version": {"type": "integer"}}})},
    "/decisions/{key}/versions": {"get": _op(
        "Every version of a decision, newest first", {"type": "object", "properties": {
            "key": {"type": "string"}, "versions": {"type": "array", "items": _DECISION}}},
        401, 403, 404, params=[_KEY])},
    "/decisions/{key}/versions/{number}": {"get": {
        **_op("The DMN file a version was deployed in", {"type": "string"}, 401, 403, 404,
              params=[_KEY, {"name": "number", "in": "path", "required": True, "schema": {"type": "integer"}}])}},
}


def openapi_document() -> dict:
    """The API description served at /api/v1/openapi.json."""
    task_id = _path_id("task_id")
    return {
        "openapi": "3.1.0",
        "info": {"title": "City citizen-communication workflows API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            # Partner systems (app/api/inbound.py): X-Partner, X-Timestamp and this header, the
            # hex HMAC-SHA256 of "<timestamp>.<body>" with the partner's secret.
            "partnerSignature": {"type": "apiKey", "in": "header", "name": "X-Signature"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/auth/token": {"post": {**_op("Exchange username and password for a bearer token",
                                           {"type": "object", "properties": {"token": {"type": "string"},
                                            "token_type": {"type": "string"}, "expires_in_seconds": {"type": "integer"}}},
                                           400, 401, 429, body={"type": "object", "required": ["username", "password"],
                                           "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}),
                                     "security": []}},
            "/processes": {"get": _op("Deployed processes (latest versions)",
                                      {"type": "object", "properties": {"processes": {"type": "array", "items": _ref("Process")}}}, 401)},
            "/processes/validate": {"post": _op(
                "Validate a diagram as the studio does: every problem on its element, every timer's meaning",
                _ref("Validation"), 400, 401, 403, body=_DIAGRAM)},
            "/processes/{key}/deploy": {"post": _op(
                "Deploy a diagram as a new version of the process (process owners); a diagram with "
                "problems is refused with all of them in details.problems", {"type": "object", "properties": {
                    "key": {"type": "string"}, "version": {"type": "integer"}, "created": {"type": "boolean"}}},
                400, 401, 403, 404, status="201",
                params=[{"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}],
                body=_DIAGRAM)},
            **DECISION_PATHS,
            "/processes/{key}/instances": {"post": _op(
                "Start an instance of the latest version in a district", _ref("Instance"), 400, 401, 403, 404,
                status="201", params=[{"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}],
                body={"type": "object", "required": ["district"], "properties": {
                    "district": {"type": ["string", "integer"], "description": "district code or id"},
                    "data": {"type": "object", "description": (
                        "initial data: only the fields of the form the instance opens with "
                        "(read-only ones excepted) and the keys its start event declares (BPMN "
                        "property startDataKeys); any other key is refused with 400")},
                    "title": {"type": "string"}}})},
            "/instances": {"get": _op(
                "Find instances the caller may see, newest first, one keyset page: the filters, "
                "search and pages of /instances", {"type": "object", "properties": {
                    "instances": {"type": "array", "items": _ref("InstanceSummary")},
                    "total": {"type": "integer", "description": "matches (at most 1000)"},
                    "total_is_capped": {"type": "boolean", "description": "more than 1000 match"},
                    "per_page": {"type": "integer"},
                    "next": {"type": ["string", "null"], "description": "the next (older) page's URL"},
                    "previous": {"type": ["string", "null"], "description": "the newer page's URL"}}},
                400, 401, params=[
                    _query("q", text="a tracking code, a citizen's phone or name, or words (all must match)"),
                    _query("process", text="process key"), _query("version", "integer", "needs process"),
                    _query("district", text="district code"),
                    _query("unit", text="unit code: an open task routed to it"),
                    _query("status", text="running, completed, error, suspended or cancelled"),
                    _query("channel", text="e.g. phone, web"), _query("category", text="e.g. service"),
                    _query("started_from", text="Solar Hijri day, e.g. 1405/09/01 (Persian digits too)"),
                    _query("started_to", text="Solar Hijri day, inclusive"),
                    _query("ended_from", text="Solar Hijri day"), _query("ended_to", text="Solar Hijri day, inclusive"),
                    _query("overdue", "boolean", "with an open task past its due date"),
                    _query("after", "integer", "the next page: instances older than this id"),
                    _query("before", "integer", "the previous page: instances newer than this id"),
                    _query("per_page", "integer", "1..100 (default 25)")])},
            "/instances/{instance_id}": {"get": _op("An instance with its open tasks", _ref("Instance"), 401, 403, 404,
                                                    params=[_path_id("instance_id")])},
            "/instances/{instance_id}/events": {"get": _op(
                "The instance's event history", {"type": "object", "properties": {
                    "instance_id": {"type": "integer"}, "events": {"type": "array", "items": _ref("Event")}}},
                401, 403, 404, params=[_path_id("instance_id")])},
            "/instances/{instance_id}/messages": {"post": _op(
                "Deliver a named message to an instance waiting for it: only a message its "
                "diagram declares receivable from outside (externalMessageRole), by a holder of "
                "that role (else 403)", _ref("Instance"),
                400, 401, 403, 404, 409, params=[_path_id("instance_id")],
                body={"type": "object", "required": ["name"], "properties": {
                    "name": {"type": "string"}, "payload": {"type": "object"}}})},
            "/tasks": {"get": _op("The caller's ready tasks by due date (none last), one page",
                                  {"type": "object", "properties": {
                                      "tasks": {"type": "array", "items": _ref("Task")},
                                      "page": {"type": "integer"}, "per_page": {"type": "integer"},
                                      "next_page": {"type": ["integer", "null"]}}}, 400, 401,
                                  params=[_query("process"), _query("district", text="district code"),
                                          _query("overdue", "boolean"),
                                          _query("page", "integer", "1 or more (default 1)"),
                                          _query("per_page", "integer", "1..500 (default 100)")])},
            "/tasks/{task_id}": {"get": _op("A task with its form and its own data", _ref("Task"), 401, 403, 404, params=[task_id])},
            "/tasks/{task_id}/claim": {"post": _op("Claim a task", _ref("Task"), 401, 403, 404, 409, params=[task_id])},
            "/tasks/{task_id}/unclaim": {"post": _op("Release a claimed task", _ref("Task"), 401, 403, 404, 409, params=[task_id])},
            "/tasks/{task_id}/reassign": {"post": _op(
                "Hand a task to another holder of its role", _ref("Task"), 400, 401, 403, 404, 409, params=[task_id],
                body={"type": "object", "required": ["username"], "properties": {"username": {"type": "string"}}})},
            "/tasks/{task_id}/complete": {"post": _op(
                "Complete a task with its form data",
                {"type": "object", "properties": {"task": _ref("Task"), "instance": _ref("Instance")}},
                400, 401, 403, 404, 409, params=[task_id],
                body={"type": "object", "properties": {"data": {"type": "object"}}})},
            "/units": {"get": _op(
                "Organisational units (for pickers): of a district, and answering a 137 category",
                {"type": "object", "properties": {"units": {"type": "array", "items": _ref("Unit")}}},
                400, 401, params=[_query("district", text="district code, or city for city units"),
                                  _query("category", text="a 137 category, e.g. service")])},
            "/users": {"get": _op(
                "Active users holding a role now (for pickers): by role, district (city-wide "
                "holders included) and unit",
                {"type": "object", "properties": {"users": {"type": "array", "items": _ref("User")}}},
                400, 401, params=[_query("role", text="role code"),
                                  _query("district", text="district code"),
                                  _query("unit", text="unit code")])},
            "/dashboard": {"get": _op(
                "The oversight dashboard's figures (as /dashboard): open work per district and role "
                "with its age in working days and overdue count; the 137 messages of the last 8 Solar "
                "Hijri weeks answered within 24/48/72 clock hours and closed within 3 days, by "
                "district and by week", {"type": "object", "properties": {
                    "as_of": {"type": "string"}, "districts": {"type": "array"},
                    "open_work": {"type": "object"}, "messages_137": {"type": "object"}}},
                401, 403, 404, params=[_query("district", text="district code (central roles; "
                                                              "a district head: their own)")])},
            "/processes/{key}/versions/{number}/statistics": {"get": _op(
                "Per-element statistics of a process version (as its statistics page): for each "
                "user task and timer, instances passed, waiting now, and the average and 90th "
                "percentile of the time spent there (clock seconds, and in words), over the "
                "instances the caller may view", {"type": "object", "properties": {
                    "process": {"type": "string"}, "version": {"type": "integer"},
                    "versions": {"type": "array", "items": {"type": "integer"}},
                    "instances": {"type": "object"}, "elements": {"type": "array"}}},
                401, 403, 404, params=[{"name": "key", "in": "path", "required": True,
                                        "schema": {"type": "string"}}, _path_id("number")])},
            "/inbound/messages": {"post": {**_op(
                "A partner system's answer (signed, no token): deliver the named message to the "
                "instance (instance_id or tracking_code) if it waits for it at an event its diagram "
                "declares receivable from outside (else 409); the same message_id again does nothing "
                "(delivered: false)", {"type": "object", "properties": {
                    "delivered": {"type": "boolean"}, "instance_id": {"type": "integer"},
                    "tracking_code": {"type": ["string", "null"]}, "status": {"type": "string"}}},
                400, 401, 403, 404, 409,
                body={"type": "object", "required": ["message_id", "message"], "properties": {
                    "message_id": {"type": "string"}, "message": {"type": "string"},
                    "instance_id": {"type": "integer"}, "tracking_code": {"type": "string"},
                    "correlation_key": {"type": "string"}, "payload": {"type": "object"}}},
                params=[{"name": "X-Partner", "in": "header", "required": True, "schema": {"type": "string"}},
                        {"name": "X-Timestamp", "in": "header", "required": True,
                         "schema": {"type": "string"}, "description": "Unix seconds"}]),
                "security": [{"partnerSignature": []}]}},
            "/openapi.json": {"get": {**_op("This OpenAPI 3.1 description", {"type": "object"}),
                                      "security": []}},
            **repair_paths(),
            **webhook_paths(),
        },
    }


def webhook_paths() -> dict:
    """Webhook subscriptions (app/api/webhooks.py): city-wide administrators only."""
    subscription = {"type": "object", "properties": {
        "id": {"type": "integer"}, "url": {"type": "string"}, "description": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string"}}, "enabled": {"type": "boolean"},
        "created_at": {"type": "string"}}}
    delivery = {"type": "object", "properties": {
        "id": {"type": "integer"}, "event_id": {"type": "string"}, "event": {"type": "string"},
        "status": {"enum": ["pending", "sending", "delivered", "failed", "cancelled"]},
        "attempts": {"type": "integer"}, "last_status_code": {"type": ["integer", "null"]}}}
    one = [_path_id("subscription_id")]
    return {
        "/webhooks": {
            "get": _op("Webhook subscriptions, with their deliveries counted by status",
                       {"type": "object", "properties": {"webhooks": {"type": "array", "items": subscription}}},
                       401, 403),
            "post": _op("Subscribe an http(s) address to event kinds (instance.started, "
                        "instance.completed, task.created, task.completed, task.escalated, "
                        "message.closed); the answer has the signing secret, this once "
                        "(docs/WEBHOOKS.md)", subscription, 400, 401, 403, status="201",
                        body={"type": "object", "required": ["url", "events"], "properties": {
                            "url": {"type": "string"}, "description": {"type": "string"},
                            "events": {"type": "array", "items": {"type": "string"}}}})},
        "/webhooks/{subscription_id}/deliveries": {"get": _op(
            "The subscription's latest deliveries, newest first",
            {"type": "object", "properties": {"deliveries": {"type": "array", "items": delivery}}},
            401, 403, 404, params=one)},
        "/webhooks/{subscription_id}/enable": {"post": _op(
            "Enable a subscription", subscription, 401, 403, 404, params=one)},
        "/webhooks/{subscription_id}/disable": {"post": _op(
            "Disable a subscription: nothing is sent to it, queued deliveries included",
            subscription, 401, 403, 404, params=one)},
        "/webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver": {"post": _op(
            "Send a delivery again (as many attempts again, the same event id)", delivery,
            400, 401, 403, 404, params=one + [_path_id("delivery_id")])},
    }


def repair_paths() -> dict:
    """The incident actions (app/api/instance_actions.py): holders of repair_instances only."""
    reason = {"reason": {"type": "string", "description": "why (required, except retry and resume)"}}
    plain = {"type": "object", "properties": reason}
    paths = {f"/instances/{{instance_id}}/{action}": {"post": _op(
        summary, _ref("Instance"), 400, 401, 403, 404, 409, params=[_path_id("instance_id")], body=plain)}
        for action, summary in (
            ("retry", "Run the failed step of an instance in error again"),
            ("suspend", "Suspend a running instance: its tasks and timers wait"),
            ("resume", "Resume a suspended instance"),
            ("cancel", "Cancel an instance: its open tasks and timers are cancelled"))}
    paths["/instances/{instance_id}/data"] = {"patch": _op(
        "Set the case data (merged over the top-level keys; replace: true replaces them all); "
        "the event records the diff", {"type": "object", "properties": {
            "instance": _ref("Instance"), "changes": {"type": "object"}}},
        400, 401, 403, 404, 409, params=[_path_id("instance_id")],
        body={"type": "object", "required": ["data", "reason"], "properties": {
            "data": {"type": "object"}, "replace": {"type": "boolean"}, **reason}})}
    paths["/instances/{instance_id}/move"] = {"post": _op(
        "Move the token: cancel the activity `from` and start the activity `to`", _ref("Instance"),
        400, 401, 403, 404, 409, params=[_path_id("instance_id")],
        body={"type": "object", "required": ["from", "to", "reason"], "properties": {
            "from": {"type": "string"}, "to": {"type": "string"}, **reason}})}
    return paths
