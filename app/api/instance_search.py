"""GET /api/v1/instances: finding instances, with the filters, search and pages of /instances
(programmes.oversight.instance_search); each instance in summary (no data: GET
/api/v1/instances/<id> gives it to whoever may see it)."""
from flask import g, jsonify, request, url_for

from programmes.oversight.instance_search import parse_filters, parse_page, search_instances

from ..db import db_session
from ..i18n import local_zone
from .auth import token_required
from .serialize import _iso
from . import bp


def instance_summary(instance) -> dict:
    """One found instance, as the list shows it."""
    return {"id": instance.id, "process": instance.process_key, "version": instance.version.version,
            "title": instance.title, "tracking_code": instance.tracking_code,
            "district": instance.district.code, "status": instance.status,
            "channel": instance.channel, "category": instance.category,
            "started_at": _iso(instance.started_at), "completed_at": _iso(instance.completed_at)}


@bp.get("/instances")
@token_required
def find_instances():
    session = db_session()
    filters = parse_filters(session, request.args)  # InvalidData: 400 with details per field
    after, before, per_page = parse_page(request.args)
    page = search_instances(session, g.api_user, filters, after, before, per_page, tz=local_zone())
    link = {**filters.given, "per_page": per_page}
    return jsonify({
        "instances": [instance_summary(i) for i in page.rows], "total": page.total,
        "total_is_capped": page.total_is_capped, "per_page": per_page,
        "next": url_for("api.find_instances", after=page.next_after, **link)
        if page.next_after else None,
        "previous": url_for("api.find_instances", before=page.previous_before, **link)
        if page.previous_before else None})
