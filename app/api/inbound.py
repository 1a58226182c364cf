"""Answers from other city systems: a signed message to a waiting instance.

  POST  /api/v1/inbound/messages   inbound_message  (headers X-Partner, X-Timestamp, X-Signature:
                                   HMAC-SHA256 hex of "<timestamp>.<body>" with the partner's
                                   secret; body {"message_id", "message", "instance_id" or
                                   "tracking_code", "correlation_key", "payload": {...}})

No bearer token: the partner is who signed the body (programmes/intake/partners.py). 200 with
"delivered": false when this message id was delivered before (nothing done again).
"""
import json

from flask import current_app, jsonify, request

from programmes.intake.partners import authenticate_partner, receive_partner_message

from ..db import db_session
from . import bp


@bp.post("/inbound/messages")
def inbound_message():
    raw = request.get_data(cache=True)
    session = db_session()
    partner = authenticate_partner(session, request.headers.get("X-Partner"),
                                   request.headers.get("X-Timestamp"),
                                   request.headers.get("X-Signature"), raw,
                                   current_app.config["INBOUND_SIGNATURE_TOLERANCE_SECONDS"])
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        body = None  # refused as "not a JSON object" by the domain check
    instance, delivered = receive_partner_message(session, partner, body)
    return jsonify({"delivered": delivered, "instance_id": instance.id,
                    "tracking_code": instance.tracking_code, "status": instance.status})
