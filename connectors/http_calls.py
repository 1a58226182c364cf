"""One HTTP/JSON call through a connector: the request built from its templates and the
parameters the diagram computed, secrets filled in from the settings, the idempotency key and
the attempt number in headers of their own, a timeout; the outcome with the response mapped
into case data and a summary that names no secret (recorded in the instance's history).

Called by the scheduler after commit, outside any transaction (engine.runtime.service_calls).
"""
import json
import re
import time
from dataclasses import dataclass, field
from urllib.parse import quote

import requests

from .catalogue import parse_mapping, parse_statuses
from .secrets import SECRET_REFERENCE, redact

IDEMPOTENCY_HEADER = "Idempotency-Key"
ATTEMPT_HEADER = "X-Attempt-Number"
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
EXCERPT_CHARS = 300
MAX_RESPONSE_BYTES = 1_000_000


class CallError(Exception):
    """The request could not be made from the templates (a missing secret or parameter)."""


@dataclass
class CallOutcome:
    """What one attempt gave: ok, the mapped data (into the case), the summary to record."""
    ok: bool
    data: dict = field(default_factory=dict)
    result: object = None  # the response's JSON document (the diagram's resultVariable)
    summary: dict = field(default_factory=dict)
    error: str | None = None


def _secret(name: str, secrets: dict) -> str:
    value = secrets.get(name)
    if not value:
        raise CallError(f"the secret {name} is not set (CONNECTOR_SECRET_{name})")
    return value


def _fill(text: str, params: dict, secrets: dict, url: bool = False) -> str:
    """A template with ${param} and ${secret:NAME} filled in (URL-quoted in a path)."""
    text = SECRET_REFERENCE.sub(lambda m: _secret(m.group(1), secrets), text or "")

    def param(match):
        if match.group(1) not in params:
            raise CallError(f"the template needs the parameter {match.group(1)}")
        value = params[match.group(1)]
        value = "" if value is None else value if isinstance(value, str) else json.dumps(value)
        return quote(value, safe="") if url else value
    return PLACEHOLDER.sub(param, text)


def _fill_json(node, params: dict, secrets: dict):
    """A JSON template's strings filled: "${name}" alone becomes the parameter's value as it is."""
    if isinstance(node, dict):
        return {key: _fill_json(value, params, secrets) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill_json(value, params, secrets) for value in node]
    if isinstance(node, str):
        whole = PLACEHOLDER.fullmatch(node)
        if whole:
            if whole.group(1) not in params:
                raise CallError(f"the template needs the parameter {whole.group(1)}")
            return params[whole.group(1)]
        return _fill(node, params, secrets)
    return node


def _path_value(document, path: str):
    """A dotted path into a JSON document (list items by number); @status is the status."""
    node = document
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def build_request(connector: dict, params: dict, secrets: dict) -> tuple[str, str, dict, bytes | None]:
    """(method, url, headers, body) of a call; CallError when a template cannot be filled."""
    method = connector["method"]
    url = connector["base_url"].rstrip("/") + _fill(connector["path_template"], params, secrets, url=True)
    headers = {name: _fill(value, params, secrets) for name, value in connector["headers"].items()}
    body = None
    if method not in ("GET", "DELETE"):
        template = connector["body_template"]
        document = _fill_json(json.loads(template), params, secrets) if template else params
        body = json.dumps(document, ensure_ascii=False).encode()
        headers.setdefault("Content-Type", "application/json")
    headers.setdefault("Accept", "application/json")
    return method, url, headers, body


def perform_http_call(connector: dict, params: dict, secrets: dict, idempotency_key: str,
                      attempt: int) -> CallOutcome:
    """Make one attempt of a call; never raises for the partner's failures (the outcome says)."""
    summary = {"attempt": attempt, "connector": connector["name"], "method": connector["method"]}
    try:
        method, url, headers, body = build_request(connector, params, secrets)
    except CallError as exc:
        summary["error"] = str(exc)
        return CallOutcome(False, summary=summary, error=str(exc))
    headers[IDEMPOTENCY_HEADER] = idempotency_key
    headers[ATTEMPT_HEADER] = str(attempt)
    summary.update(url=redact(url, secrets), request_headers=sorted(headers),
                   request_bytes=len(body or b""))
    started = time.monotonic()
    try:
        response = requests.request(method, url, headers=headers, data=body,
                                    timeout=connector["timeout_seconds"], allow_redirects=False,
                                    stream=True)
        try:
            content = response.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
        finally:
            response.close()
    except requests.Timeout:
        error = f"no answer within {connector['timeout_seconds']:g} s"
    except requests.RequestException as exc:
        error = redact(f"{exc.__class__.__name__}: {exc}", secrets)
    else:
        error = None
    summary["elapsed_ms"] = round((time.monotonic() - started) * 1000)
    if error is not None:
        summary["error"] = error
        return CallOutcome(False, summary=summary, error=error)
    text = content[:MAX_RESPONSE_BYTES].decode("utf-8", "replace")
    summary.update(status=response.status_code,
                   response_excerpt=redact(text[:EXCERPT_CHARS], secrets))
    if response.status_code not in parse_statuses(connector["expected_statuses"]):
        error = f"the partner answered HTTP {response.status_code}"
        summary["error"] = error
        return CallOutcome(False, summary=summary, error=error)
    try:
        document = json.loads(text) if text.strip() else None
    except ValueError:
        document = None
    if len(content) > MAX_RESPONSE_BYTES:
        document = None
    data = {}
    for target, path in parse_mapping(connector["response_mapping"]):
        data[target] = response.status_code if path == "@status" else _path_value(document, path)
    return CallOutcome(True, data=data, result=document, summary=summary)
