"""GET /api/v1/processes/<key>/versions/<n>/statistics: the per-element statistics of a
process version (programmes/oversight/element_statistics.py), as the statistics page shows
them (app/instances/statistics_views.py). Errors (403, 404) are the blueprint's JSON errors."""
from flask import g, jsonify

from programmes.oversight.element_statistics import element_statistics

from ..db import db_session
from ..instances.statistics_views import statistics_json
from . import bp
from .auth import token_required


@bp.get("/processes/<key>/versions/<int:number>/statistics")
@token_required
def process_statistics(key, number):
    return jsonify(statistics_json(element_statistics(db_session(), g.api_user, key, number)))
