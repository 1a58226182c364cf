"""Webhook subscriptions through the API, for a city-wide administrator (manage_webhooks): the
same functions as /admin/webhooks (programmes.integrations.subscriptions). The secret is in the
answer to the creation only."""
from flask import g, jsonify, request

from models.errors import InvalidData
from programmes.integrations.subscriptions import (create_subscription, delivery_log,
                                                   list_subscriptions, redeliver_by_hand,
                                                   set_subscription_enabled)

from ..db import db_session
from . import bp
from .auth import token_required


def _subscription_json(row, counts=None) -> dict:
    body = {"id": row.id, "url": row.url, "description": row.description, "events": row.events,
            "enabled": row.enabled, "created_at": row.created_at.isoformat() + "Z"}
    if counts is not None:
        body["deliveries"] = counts
    return body


def _delivery_json(delivery) -> dict:
    def iso(moment):
        return moment.isoformat() + "Z" if moment is not None else None
    return {"id": delivery.id, "event_id": delivery.event_id, "event": delivery.event_kind,
            "status": delivery.status, "attempts": delivery.attempts,
            "last_status_code": delivery.last_status_code, "last_error": delivery.last_error,
            "created_at": iso(delivery.created_at), "last_attempt_at": iso(delivery.last_attempt_at),
            "next_attempt_at": iso(delivery.next_attempt_at) if delivery.status == "pending" else None,
            "delivered_at": iso(delivery.delivered_at)}


@bp.get("/webhooks")
@token_required
def webhooks():
    return jsonify({"webhooks": [_subscription_json(row, counts) for row, counts
                                 in list_subscriptions(db_session(), g.api_user)]})


@bp.post("/webhooks")
@token_required
def webhook_create():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidData("The request body must be a JSON object.")
    events = body.get("events")
    if not isinstance(events, list):
        raise InvalidData("Choose at least one of the listed events.")
    url = body.get("url") if isinstance(body.get("url"), str) else ""
    row, secret = create_subscription(db_session(), url, events, str(body.get("description") or ""),
                                      g.api_user)
    return jsonify({**_subscription_json(row), "secret": secret}), 201


@bp.get("/webhooks/<int:subscription_id>/deliveries")
@token_required
def webhook_deliveries(subscription_id):
    rows = delivery_log(db_session(), subscription_id, g.api_user)
    return jsonify({"deliveries": [_delivery_json(row) for row in rows]})


@bp.post("/webhooks/<int:subscription_id>/enable")
@token_required
def webhook_enable(subscription_id):
    row = set_subscription_enabled(db_session(), subscription_id, True, g.api_user)
    return jsonify(_subscription_json(row))


@bp.post("/webhooks/<int:subscription_id>/disable")
@token_required
def webhook_disable(subscription_id):
    row = set_subscription_enabled(db_session(), subscription_id, False, g.api_user)
    return jsonify(_subscription_json(row))


@bp.post("/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver")
@token_required
def webhook_redeliver(subscription_id, delivery_id):
    delivery = redeliver_by_hand(db_session(), subscription_id, delivery_id, g.api_user)
    return jsonify(_delivery_json(delivery))
