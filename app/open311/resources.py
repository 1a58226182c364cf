"""The GeoReport v2 resources: services, service requests (a list, one, by token), filing one.

Requests are the citizen_requests rows (what the portal and Open311 filed); their status and
deadline come from the workflow (programmes.citizens.tracking.request_state). The citizen's contact
(name, phone, e-mail) is never part of a record: the records are public in the spec. A photo
the citizen filed is served at an unguessable public address (app/portal/media.py), given as
the record's media_url.

Privacy: a request of a private service (a complaint about staff, a meeting request) or
raised at a Mardom Salam meeting is never listed nor found by id (404, as if it did not exist)
but by the client that filed it, with its api_key;
services.json marks each service public or private. A public request's description is shown
only when the citizen agreed (the portal's warning; for clients, the attribute
description_public of the service definition), else it is null.
"""
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import undefer

from programmes.messages137.tracking import normalise_tracking_code
from programmes.citizens.requests import (OUTSIDE_CITY, SERVICES, SERVICES_BY_CODE, STAFF_CHANNEL,
                                          file_request, is_public, public_request_clause,
                                          shown_description)
from programmes.citizens.tracking import request_states
from models.errors import InvalidData
from models import CitizenRequest, District, Instance, utcnow

from ..api_keys.keys import key_for
from .formats import Open311Error, parse_w3c, w3c

MAX_RESULTS = 1000
DEFAULT_WINDOW = timedelta(days=90)
STATUSES = ("open", "closed")
# A photo's type -> the extension of its public address (programmes.citizens.requests takes these two)
MEDIA_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}
GROUPS = {"137": ("سامانه ۱۳۷", "137 citizen messages"), "complaints": ("شکایات", "Complaints")}
NOTICES = {
    "citizen_message_137": "پیام شما در سامانه ۱۳۷ ثبت شد و برای پاسخ به واحد اجرایی منطقه ارجاع می‌شود.",
    "complaints": "شکایت شما ثبت شد و در مهلت مقرر بررسی و نتیجه اعلام می‌شود.",
}
# programmes.citizens.requests field -> the Open311 parameter the client sent it as
OPEN311_NAMES = {"lon": "long", "address": "address_string", "contact_phone": "phone",
                 "contact_email": "email", "contact_name": "first_name", "photo": "media",
                 "district": "jurisdiction_id", "location": "lat"}
CONSENT_ATTRIBUTE = "description_public"
# The consent a client's app asks for, declared in each public service's definition.
CONSENT_DEFINITION = {
    "variable": True, "code": CONSENT_ATTRIBUTE, "datatype": "singlevaluelist", "required": False,
    "datatype_description": "true only if the citizen was told the description will be public and agreed",
    "order": 1, "description": "متن درخواست در فهرست عمومی نمایش داده می‌شود؛ آیا شهروند موافق است؟",
    "values": [{"key": "true", "name": "بله، متن عمومی شود"}, {"key": "false", "name": "خیر"}],
}


def _service_name(service, english: bool) -> str:
    return service.name_en if english else service.name_fa


def service_list(english: bool = False) -> list[dict]:
    """Every service a client may file, as GET services returns them; "public" says whether its
    requests are listed (a private one's keywords say so too, for clients that drop unknown fields)."""
    return [{"service_code": s.code, "service_name": _service_name(s, english),
             "description": s.description_fa, "metadata": s.public, "type": "realtime",
             "keywords": f"{s.group},{s.code}" + ("" if s.public else ",private"),
             "group": GROUPS[s.group][1 if english else 0], "public": s.public}
            for s in SERVICES]


def service_definition(code: str) -> dict:
    """A service's extra attributes: a public service's the citizen's consent to a public description."""
    service = SERVICES_BY_CODE.get(code)
    if service is None:
        raise Open311Error(404, f"service_code {code!r} is not a service; see services.json.")
    return {"service_code": code, "attributes": [dict(CONSENT_DEFINITION)] if service.public else []}


def _district_codes(session) -> list[str]:
    return list(session.scalars(select(District.code).order_by(District.id)))


def district_for(session, code) -> District | None:
    """The district a jurisdiction_id names; None when none was given; 400 when unknown."""
    if not code:
        return None
    district = session.scalars(select(District).where(District.code == str(code))).first()
    if district is None:
        raise Open311Error(400, f"jurisdiction_id {code!r} is not a district of this city; "
                                f"give one of {', '.join(_district_codes(session))}.")
    return district


def file_from_form(session, form, files, api_key) -> CitizenRequest:
    """File a POSTed request (form fields as the spec names them) and start its procedure."""
    name = " ".join(p for p in (form.get("first_name", "").strip(), form.get("last_name", "").strip()) if p)
    media = files.get("media")
    fields = {"service_code": form.get("service_code"), "description": form.get("description"),
              "address": form.get("address_string"), "lat": form.get("lat"), "lon": form.get("long"),
              "contact_name": name, "contact_phone": form.get("phone"),
              "contact_email": form.get("email"), "media_url": form.get("media_url"),
              "photo": media.read() if media is not None and media.filename else None,
              "photo_name": media.filename if media is not None else None,
              "description_public": form.get(f"attribute[{CONSENT_ATTRIBUTE}]")}
    try:
        request, _ = file_request(session, fields, form.get("jurisdiction_id", ""),
                                  channel="open311", api_key_id=api_key.id)
    except InvalidData as exc:
        raise Open311Error(400, *_filing_errors(session, exc.details, form)) from None
    return request


def _filing_errors(session, details: dict, form) -> list[str]:
    """One description per bad parameter, named as the client sent it."""
    errors = []
    for field, message in details.items():
        if field == "district":
            given = form.get("jurisdiction_id", "")
            codes = ", ".join(_district_codes(session))
            message = (f"{given!r} is not a district of this city; give one of {codes}." if given else
                       f"required: this city has several districts, give one of {codes}.")
        elif field == "service_code":
            message = "missing or unknown; see services.json for the service codes."
        elif field == "description" and not str(form.get("description") or "").strip():
            message = "required: describe the request."
        elif field == "address" and not str(form.get("address_string") or "").strip():
            message = "give address_string, or lat and long."
        elif field == "location" and message == OUTSIDE_CITY:
            message = "the point (lat, long) is outside the city: it lies in none of its districts."
        elif field == "location":
            message = "lat and long must both be given as numbers (lat -90..90, long -180..180)."
        errors.append(f"{OPEN311_NAMES.get(field, field)}: {message}")
    return errors


def created_records(request: CitizenRequest) -> list[dict]:
    """The answer to a POST: the new request's id, its token and what happens next."""
    return [{"service_request_id": request.tracking_code, "token": request.api_token,
             "service_notice": _notice(request), "account_id": None}]


def _notice(request: CitizenRequest) -> str | None:
    service = SERVICES_BY_CODE.get(request.service_code)
    return NOTICES.get(service.process_key) if service else None


def request_records(session, requests: list[CitizenRequest], english: bool = False) -> list[dict]:
    """The public records of requests, as GET requests returns them."""
    districts = {d.id: d for d in session.scalars(select(District))}
    states = request_states(session, requests)
    return [_record(r, states[r.id], districts.get(r.district_id), english) for r in requests]


def _record(request: CitizenRequest, state: dict, district: District | None, english: bool) -> dict:
    service = SERVICES_BY_CODE.get(request.service_code)
    return {
        "service_request_id": request.tracking_code, "status": state["status"],
        "status_notes": state["status_notes"],
        "service_name": _service_name(service, english) if service else request.service_code,
        "service_code": request.service_code, "description": shown_description(request),
        "agency_responsible": _agency(district, english), "service_notice": _notice(request),
        "requested_datetime": w3c(request.created_at), "updated_datetime": w3c(state["updated_at"]),
        "expected_datetime": w3c(state["expected_at"]), "address": request.address,
        "address_id": None, "zipcode": None, "lat": request.lat, "long": request.lon,
        "media_url": media_url_of(request),
    }


def media_url_of(request: CitizenRequest) -> str | None:
    """The photo the citizen filed, at its public address; else the URL an Open311 client gave."""
    if request.media_token and request.photo_type in MEDIA_EXTENSIONS:
        path = url_for("portal.media", token=request.media_token, ext=MEDIA_EXTENSIONS[request.photo_type])
        return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path
    return request.media_url


def request_by_media_token(session, token: str, ext: str) -> CitizenRequest | None:
    """The public request whose photo has this address (token and extension); its bytes come
    from programmes.citizens.requests.photo_bytes (the row's for photos filed before 0018)."""
    if not token:
        return None
    found = session.scalars(_public_requests().where(CitizenRequest.media_token == token)
                            .options(undefer(CitizenRequest.photo))).first()
    if found is None or MEDIA_EXTENSIONS.get(found.photo_type) != ext:
        return None
    return found


def _public_requests():
    """The requests GET requests may list: every filed request of a public service, with its instance."""
    return select(CitizenRequest).join(Instance, Instance.id == CitizenRequest.instance_id) \
        .where(public_request_clause())


def _agency(district: District | None, english: bool) -> str | None:
    if district is None:
        return None
    return f"{district.name_en} municipality" if english else f"شهرداری {district.name_fa}"


def _comma_list(value) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def find_requests(session, args) -> list[CitizenRequest]:
    """The requests GET requests asks for, newest first, at most MAX_RESULTS.

    service_request_id (a comma list) overrides every other filter but jurisdiction_id;
    without dates the window is the last 90 days. Confidential cases are never listed, nor,
    but by their id, requests staff registered.
    """
    # A complaint about staff is confidential (people.access): never in the public list.
    query = _public_requests().where(Instance.confidential.is_(False))
    district = district_for(session, args.get("jurisdiction_id"))
    if district is not None:
        query = query.where(CitizenRequest.district_id == district.id)
    ids = _comma_list(args.get("service_request_id"))
    if ids:
        codes = [code for code in map(normalise_tracking_code, ids) if code]
        query = query.where(CitizenRequest.tracking_code.in_(codes))
    else:
        # What staff registered from a call or a visit is followed by its code, never listed:
        # the citizen did not publish it.
        query = _filtered(query, args).where(CitizenRequest.channel != STAFF_CHANNEL)
    query = query.order_by(CitizenRequest.created_at.desc(), CitizenRequest.id.desc())
    return list(session.scalars(query.limit(MAX_RESULTS)).unique())


def _filtered(query, args):
    start = parse_w3c("start_date", args["start_date"]) if args.get("start_date") else None
    end = parse_w3c("end_date", args["end_date"]) if args.get("end_date") else None
    if start is None:
        start = (end or utcnow()) - DEFAULT_WINDOW
    query = query.where(CitizenRequest.created_at >= start)
    if end is not None:
        query = query.where(CitizenRequest.created_at <= end)
    codes = _comma_list(args.get("service_code"))
    if codes:
        query = query.where(CitizenRequest.service_code.in_(codes))
    statuses = _comma_list(args.get("status"))
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise Open311Error(400, f"status must be open or closed (a comma list); got {', '.join(unknown)}.")
    if set(statuses) == {"closed"}:
        query = query.where(Instance.status == "completed")
    elif set(statuses) == {"open"}:
        query = query.where(Instance.status != "completed")
    return query


def request_by_id(session, service_request_id: str, args) -> CitizenRequest:
    """One request by its tracking code (in the jurisdiction, when one is given), or 404."""
    code = normalise_tracking_code(service_request_id)
    found = session.scalars(select(CitizenRequest).where(
        CitizenRequest.tracking_code == code)).first() if code else None
    district = district_for(session, args.get("jurisdiction_id"))
    # A private request is not shown at all, as if it did not exist, but to the client that
    # filed it (its api_key given); the citizen follows their own on the portal.
    if found is None or (district is not None and found.district_id != district.id) or \
            not (is_public(found) or _filed_by_asker(session, found, args)):
        raise Open311Error(404, f"No service request {service_request_id!r} exists.")
    return found


def _filed_by_asker(session, found: CitizenRequest, args) -> bool:
    """True when the GET carries the api_key of the client that filed the request."""
    if found.api_key_id is None or not args.get("api_key"):
        return False
    key = key_for(session, args.get("api_key"))
    return key is not None and key.id == found.api_key_id


def request_by_token(session, token: str) -> CitizenRequest:
    """The request a POST's token stands for, or 404."""
    found = session.scalars(select(CitizenRequest).where(CitizenRequest.api_token == token)).first()
    if found is None:
        raise Open311Error(404, f"No service request has the token {token!r}.")
    return found
