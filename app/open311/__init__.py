"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2): citizens' requests for apps.

Every resource is served as .json and .xml (the URL's extension); errors come in the spec's
shape ([{"code", "description"}] / <errors><error>) with the same HTTP status. Reading is
open; filing needs an api_key an administrator issued (/admin/api-keys).

URL table:
  GET   /open311/v2/services.<fmt>                      services        (locale=en)
  GET   /open311/v2/services/<service_code>.<fmt>       service         (its definition)
  POST  /open311/v2/requests.<fmt>                      create_request  (form: api_key,
        service_code, jurisdiction_id, lat+long or address_string, description, email,
        device_id, account_id, first_name, last_name, phone, media_url; multipart media)
  GET   /open311/v2/requests.<fmt>                      requests        (service_request_id,
        service_code, start_date, end_date, status, jurisdiction_id)
  GET   /open311/v2/requests/<service_request_id>.<fmt> request_detail
  GET   /open311/v2/tokens/<token>.<fmt>                token
"""
from flask import Blueprint, g, request
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from ..api_keys.keys import key_for
from ..db import db_session
from ..extensions import config_limit, limiter
from . import resources
from .formats import Open311Error, render, render_error

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FMT = "<any(json, xml):fmt>"


def limit_key() -> str:
    """Whom a limit counts: the client's valid api_key when it sends one (an app's users behind
    many addresses share its allowance; users behind one NAT don't share one cap), else the
    client address. An unknown key counts as the address: made-up keys get no fresh allowance."""
    if "open311_limit_key" not in g:  # once per request, whatever the number of limits
        raw = request.values.get("api_key")
        key = key_for(db_session(), raw) if raw else None
        g.open311_limit_key = f"api_key:{key.id}" if key is not None else get_remote_address()
    return g.open311_limit_key


def _limit(view):
    """Every Open311 endpoint's limit per api_key or client address (config OPEN311_RATE_LIMIT)."""
    return limiter.limit(config_limit("OPEN311_RATE_LIMIT"), key_func=limit_key)(view)


def _requested_format() -> str:
    fmt = (request.view_args or {}).get("fmt")
    return fmt if fmt else ("xml" if request.path.endswith(".xml") else "json")


@bp.errorhandler(Open311Error)
def _open311_error(exc):
    return render_error(_requested_format(), exc)


@bp.errorhandler(HTTPException)
def _http_error(exc):
    # Rate limits (429), bad methods and the like reach clients in Open311's shape too.
    return render_error(_requested_format(), Open311Error(exc.code or 500, exc.description or exc.name))


def _english() -> bool:
    return request.args.get("locale", "").lower().startswith("en")


@bp.get(f"/services.{FMT}")
@_limit
def services(fmt):
    return render(fmt, "services", "service", resources.service_list(_english()))


@bp.get(f"/services/<service_code>.{FMT}")
@_limit
def service(service_code, fmt):
    return render(fmt, "service_definition", "", resources.service_definition(service_code))


@bp.post(f"/requests.{FMT}")
@_limit
@limiter.limit(config_limit("OPEN311_POST_RATE_LIMIT"), key_func=limit_key)
def create_request(fmt):
    session = db_session()
    api_key = key_for(session, request.form.get("api_key"))
    if api_key is None:
        raise Open311Error(403, "Invalid api_key received -- can't proceed with create_request.")
    filed = resources.file_from_form(session, request.form, request.files, api_key)
    return render(fmt, "service_requests", "request", resources.created_records(filed), 201)


@bp.get(f"/requests.{FMT}")
@_limit
def requests(fmt):
    session = db_session()
    found = resources.find_requests(session, request.args)
    return render(fmt, "service_requests", "request",
                  resources.request_records(session, found, _english()))


@bp.get(f"/requests/<service_request_id>.{FMT}")
@_limit
def request_detail(service_request_id, fmt):
    session = db_session()
    found = resources.request_by_id(session, service_request_id, request.args)
    return render(fmt, "service_requests", "request",
                  resources.request_records(session, [found], _english()))


@bp.get(f"/tokens/<token>.{FMT}")
@_limit
def token(token, fmt):
    found = resources.request_by_token(db_session(), token)
    return render(fmt, "service_requests", "request",
                  [{"service_request_id": found.tracking_code, "token": found.api_token}])


@bp.route("/<path:anything>", methods=["GET", "POST"])
@_limit
def unknown(anything):
    # Any other path or format under /open311/v2 (services.csv, /foo) answers as Open311 does.
    raise Open311Error(404, "No such Open311 resource; see services.json and requests.json.")
