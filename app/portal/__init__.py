"""The citizens' portal: file a request, follow it, judge the answer, ask to meet the mayor.

URL table (no login; every endpoint rate-limited per client address):
  GET       /p/                          home           (what a citizen can do here)
  GET/POST  /p/requests/new              new_request    (file a request or complaint, with a photo)
  GET       /p/boundaries.geojson        boundaries     (the districts' boundaries the map draws)
  GET       /p/requests/filed            filed          (the tracking code and follow-up key, once)
  GET/POST  /p/track                     track          (tracking code + follow-up check)
  GET       /p/track/<code>              timeline       (what happened, once the check passed)
  GET/POST  /p/satisfaction/<token>      satisfaction   (the citizen's own answer to the feedback call)
  GET/POST  /p/meetings/new              new_meeting    (ask to meet the district mayor, F-07)
  GET       /p/media/<token>.<jpg|png>   media          (a filed photo, Open311 media_url: media.py)
"""
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from sqlalchemy import select

from programmes.citizens import boundaries as citizen_boundaries
from programmes.citizens import requests as citizen_requests

from programmes.citizens import tracking as citizen_tracking
from programmes.citizens.meetings import meeting_form, request_meeting
from models.errors import Conflict, InvalidData, NotFound
from formjs.forms import parse_html_form, row_action_values
from models import District

from ..db import db_session
from ..extensions import config_limit, limiter

bp = Blueprint("portal", __name__, url_prefix="/p")
limiter.limit(config_limit("PORTAL_RATE_LIMIT"))(bp)
# A form of text is a few KB; only the filing page takes a photo (at most 2 MB, checked again).
MAX_FORM_BYTES = 64 * 1024
MAX_FILING_BYTES = citizen_requests.PHOTO_MAX_BYTES + MAX_FORM_BYTES
FOLLOWED_KEY = "portal_followed"  # the codes whose check this browser passed
FILED_KEY = "portal_filed"


@bp.url_value_preprocessor
def _cap_body_size(endpoint, _values):
    # Before CSRF protection reads the form, so an oversized body is refused unread (413).
    limit = MAX_FILING_BYTES if endpoint == "portal.new_request" else MAX_FORM_BYTES
    request.max_content_length = limit
    request.max_form_memory_size = MAX_FORM_BYTES


def _districts():
    return db_session().scalars(select(District).order_by(District.code)).all()


@bp.route("/")
def home():
    return render_template("portal/home.html")


@bp.route("/requests/new", methods=["GET", "POST"])
@limiter.limit(config_limit("PORTAL_FILE_RATE_LIMIT"), methods=["POST"])
def new_request():
    values, errors, status = {"district": request.args.get("district", "")}, {}, 200
    if request.method == "POST":
        values = request.form.to_dict()
        photo = request.files.get("photo")
        fields = {**values, "photo": photo.read(citizen_requests.PHOTO_MAX_BYTES + 1) if photo and photo.filename else None}
        fields["photo_name"] = photo.filename if photo else None
        try:
            filed, key = citizen_requests.file_request(db_session(), fields, values.get("district"))
        except InvalidData as exc:
            errors, status = exc.details, 400
        else:
            session[FILED_KEY] = {"code": filed.tracking_code, "key": key}
            _remember(filed.tracking_code)
            return redirect(url_for(".filed"), code=303)
    return render_template("portal/new_request.html", services=citizen_requests.SERVICES,
                           districts=_districts(), values=values, errors=errors, map=_map_settings(),
                           has_boundaries=citizen_boundaries.boundaries_exist(db_session())), status


def _map_settings() -> dict:
    """What the filing page's map needs: tiles, attribution, where it opens."""
    lat, lon, zoom = (current_app.config["MAP_CENTER"].split(",") + ["", "", ""])[:3]
    return {"tiles": current_app.config["MAP_TILE_URL"], "attribution": current_app.config["MAP_TILE_ATTRIBUTION"],
            "lat": lat.strip(), "lon": lon.strip(), "zoom": zoom.strip() or "12"}


@bp.route("/boundaries.geojson")
def boundaries():
    response = jsonify(citizen_boundaries.boundaries_geojson(db_session()))
    response.mimetype = "application/geo+json"
    return response


@bp.route("/requests/filed")
def filed():
    # Shown once: the follow-up key does not stay in the session cookie, which a shared
    # computer or a proxy's log would keep (the tracking code stays followed, _remember).
    shown = session.pop(FILED_KEY, None)
    if not shown:
        return redirect(url_for(".home"))
    return render_template("portal/filed.html", code=shown["code"], key=shown["key"])


def _remember(code: str) -> None:
    followed = [c for c in session.get(FOLLOWED_KEY, []) if c != code]
    session[FOLLOWED_KEY] = (followed + [code])[-10:]


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(config_limit("PORTAL_TRACK_RATE_LIMIT"), methods=["POST"])
def track():
    code, failed = request.values.get("code", ""), False
    if request.method == "POST":
        dbs, check = db_session(), request.form.get("check")
        # a filing (137 message, complaint, meeting) or a Mardom Salam service-desk item (120-…)
        found = citizen_requests.find_followed_request(dbs, code, check) or \
            citizen_tracking.find_followed_desk_item(dbs, code, check)
        if found is not None:
            _remember(found.tracking_code)
            return redirect(url_for(".timeline", code=found.tracking_code), code=303)
        failed = True
    return render_template("portal/track.html", code=code, failed=failed), 400 if failed else 200


@bp.route("/track/<code>")
def timeline(code):
    dbs = db_session()
    found = citizen_requests.request_by_code(dbs, code)
    if found is None:
        desk = citizen_tracking.desk_item_by_code(dbs, code)
        if desk is None or desk.tracking_code not in session.get(FOLLOWED_KEY, []):
            return redirect(url_for(".track", code=code))
        return render_template("portal/timeline.html", req=desk, desk=True,
                               steps=citizen_tracking.desk_timeline(desk),
                               state=citizen_tracking.desk_state(desk), service=None)
    if found.tracking_code not in session.get(FOLLOWED_KEY, []):
        return redirect(url_for(".track", code=code))
    feedback_open = citizen_tracking.open_feedback_task(dbs, found) is not None
    return render_template("portal/timeline.html", req=found,
                           steps=citizen_tracking.citizen_timeline(dbs, found),
                           state=citizen_tracking.request_state(dbs, found),
                           service=citizen_requests.SERVICES_BY_CODE.get(found.service_code),
                           ask_satisfaction=feedback_open and found.satisfaction_token
                           and not found.satisfaction_answered)


@bp.route("/satisfaction/<token>", methods=["GET", "POST"])
def satisfaction(token):
    dbs = db_session()
    try:
        found = citizen_tracking.satisfaction_request(dbs, token)
    except NotFound:
        return render_template("portal/satisfaction_closed.html"), 404
    answered = found.satisfaction_answered or citizen_tracking.open_feedback_task(dbs, found) is None
    errors, status = {}, 200
    if request.method == "POST" and not answered:
        try:
            citizen_tracking.answer_satisfaction(dbs, token, request.form.get("satisfied"),
                                                 request.form.get("note", ""))
        except InvalidData as exc:
            errors, status = exc.details, 400
        except Conflict:
            answered = True
        else:
            _remember(found.tracking_code)
            return render_template("portal/satisfaction_thanks.html", req=found,
                                   satisfied=request.form.get("satisfied"))
    if answered:
        status = 409 if request.method == "POST" else 200
        return render_template("portal/satisfaction_closed.html", req=found), status
    state = citizen_tracking.request_state(dbs, found)
    return render_template("portal/satisfaction.html", req=found, answer=state["answer"],
                           errors=errors), status


@bp.route("/meetings/new", methods=["GET", "POST"])
@limiter.limit(config_limit("PORTAL_FILE_RATE_LIMIT"), methods=["POST"])
def new_meeting():
    schema = meeting_form(db_session())
    values, errors, status, district = {}, {}, 200, request.values.get("district", "")
    rows = row_action_values(schema, request.form) if request.method == "POST" else None
    if rows is not None:  # "add / remove a row" without JavaScript: shown again, nothing filed
        values = rows
    elif request.method == "POST":
        values = parse_html_form(schema, request.form)
        try:
            filed, key = request_meeting(db_session(), district, values, locale=str(get_locale()))
        except InvalidData as exc:
            errors, status = exc.details, 400
        else:
            session[FILED_KEY] = {"code": filed.tracking_code, "key": key}
            _remember(filed.tracking_code)
            return redirect(url_for(".filed"), code=303)
    return render_template("portal/new_meeting.html", schema=schema, values=values, errors=errors,
                           districts=_districts(), district=district), status


@bp.errorhandler(429)
def _too_many(_error):
    return render_template("portal/too_many.html"), 429

from . import drafts  # noqa: E402,F401  draft regulations open for comment (app/portal/drafts.py)
from . import media  # noqa: E402,F401  filed photos at their public address (app/portal/media.py)
