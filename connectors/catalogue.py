"""The connectors administrators configure (table `connectors`, /admin/connectors): checked,
saved, listed, and handed to the runtime as a plain snapshot (no ORM object across transactions).
"""
import json
import re
from urllib.parse import urlsplit

from sqlalchemy import select

from models import Connector, utcnow
from models.errors import InvalidData

from .secrets import SECRET_NAME, secret_names

KINDS = ("http", "email", "sms")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
NAME = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")
MAX_TIMEOUT_SECONDS = 120.0
# What an e-mail or SMS connector takes from the diagram.
MESSAGE_PARAMETERS = {"email": ("to", "subject", "body"), "sms": ("to", "body")}


def list_connectors(session) -> list[Connector]:
    """Every connector by name."""
    return list(session.scalars(select(Connector).order_by(Connector.name)))


def enabled_connectors(session) -> list[Connector]:
    """The connectors a service task may name now."""
    return [c for c in list_connectors(session) if c.enabled]


def find_connector(session, name: str) -> Connector | None:
    """The connector of this name, or None."""
    return session.scalars(select(Connector).where(Connector.name == name)).first()


def connector_parameters(connector: Connector) -> list[str]:
    """The parameter names a service task gives this connector (the studio offers them)."""
    if connector.kind in MESSAGE_PARAMETERS:
        return list(MESSAGE_PARAMETERS[connector.kind])
    return [p.strip() for p in (connector.parameters or "").split(",") if p.strip()]


def parse_mapping(text: str) -> list[tuple[str, str]]:
    """"target=path" pairs (lines or commas); ValueError for a malformed one."""
    pairs = []
    for part in re.split(r"[\n,]", text or ""):
        part = part.strip()
        if not part:
            continue
        target, sep, path = (s.strip() for s in part.partition("="))
        if not sep or not IDENTIFIER.match(target) or not path:
            raise ValueError(part)
        pairs.append((target, path))
    return pairs


def parse_statuses(text: str) -> set[int]:
    """"200,201" as {200, 201}; ValueError unless every one is an HTTP status."""
    statuses = {int(part) for part in (text or "").replace(" ", "").split(",") if part}
    if not statuses or any(s < 100 or s > 599 for s in statuses):
        raise ValueError(text)
    return statuses


def _headers(text: str, errors: dict) -> dict:
    """"Name: value" lines as a dict; a bad line is an error of the field."""
    headers = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not re.match(r"^[A-Za-z0-9-]{1,60}$", name.strip()):
            errors["headers"] = "Each header is a line \"Name: value\"."
            return {}
        headers[name.strip()] = value.strip()
    return headers


def save_connector(session, values: dict, user=None, connector: Connector | None = None) -> Connector:
    """Add (or change) a connector from the form's text values; InvalidData per field, nothing
    written then. Secrets are named (${secret:NAME}), never given: a value that looks like a
    credential in a header is refused."""
    get = lambda key: (values.get(key) or "").strip()  # noqa: E731
    errors = {}
    name, kind = get("name"), get("kind")
    if not NAME.match(name):
        errors["name"] = "A name is 2-60 small Latin letters, digits or _, starting with a letter."
    elif (other := find_connector(session, name)) is not None and other is not connector:
        errors["name"] = "Another connector has this name."
    if kind not in KINDS:
        errors["kind"] = "Choose HTTP, e-mail or SMS."
    title = get("title")
    if len(title) > 200:
        errors["title"] = "At most 200 characters."
    parameters = [p.strip() for p in get("parameters").split(",") if p.strip()]
    if any(not IDENTIFIER.match(p) for p in parameters):
        errors["parameters"] = "Parameter names are Latin identifiers separated by commas."
    method = get("method").upper() or "POST"
    if method not in METHODS:
        errors["method"] = "Choose GET, POST, PUT, PATCH or DELETE."
    base_url, path = get("base_url"), get("path_template")
    if kind == "http":
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.username or parts.password:
            errors["base_url"] = "An http:// or https:// address without a user or password in it."
    if len(path) > 500 or (path and not path.startswith("/")):
        errors["path_template"] = "A path starting with /, e.g. /letters/${case_id}."
    headers = _headers(values.get("headers") or "", errors)
    for header, value in headers.items():
        if header.lower() in ("authorization", "x-api-key", "api-key") and not secret_names(value):
            errors["headers"] = "Credentials are named as ${secret:NAME}, never written here."
    body = get("body_template")
    if body:
        try:
            json.loads(body)
        except ValueError:
            errors["body_template"] = "The body template must be JSON."
    for text_value in (*headers.values(), body, path):
        if any(not SECRET_NAME.match(n) for n in secret_names(text_value)):
            errors["headers"] = "A secret's name is capital Latin letters, digits or _."
    try:
        parse_statuses(get("expected_statuses") or "200,201,202,204")
    except ValueError:
        errors["expected_statuses"] = "HTTP statuses separated by commas, e.g. 200,201."
    try:
        parse_mapping(values.get("response_mapping") or "")
    except ValueError:
        errors["response_mapping"] = "Each line is target=path, e.g. letter_number=data.number."
    try:
        timeout = float(get("timeout_seconds") or 10)
        if not 0 < timeout <= MAX_TIMEOUT_SECONDS:
            raise ValueError
    except ValueError:
        errors["timeout_seconds"] = "A number of seconds between 0 and 120."
        timeout = 10.0
    if errors:
        raise InvalidData("The connector was not saved: {problems}", errors,
                          problems="; ".join(errors.values()))
    if connector is None:
        connector = Connector(created_at=utcnow())
        session.add(connector)
    connector.name, connector.kind, connector.title = name, kind, title
    connector.parameters = ", ".join(parameters)
    connector.method, connector.base_url, connector.path_template = method, base_url, path
    connector.headers, connector.body_template = headers, body
    connector.expected_statuses = get("expected_statuses") or "200,201,202,204"
    connector.response_mapping = (values.get("response_mapping") or "").strip()
    connector.timeout_seconds = timeout
    connector.enabled = values.get("enabled", "on") not in ("", "0", "off", "false", None)
    connector.updated_at = utcnow()
    session.flush()
    return connector


def snapshot(connector: Connector) -> dict:
    """What performing a call needs of a connector, as plain data."""
    return {"name": connector.name, "kind": connector.kind, "method": connector.method,
            "base_url": connector.base_url, "path_template": connector.path_template,
            "headers": dict(connector.headers or {}), "body_template": connector.body_template,
            "expected_statuses": connector.expected_statuses,
            "response_mapping": connector.response_mapping,
            "timeout_seconds": float(connector.timeout_seconds or 10.0)}
