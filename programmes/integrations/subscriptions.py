"""Webhook subscriptions kept by a city-wide administrator (manage_webhooks): made (the secret
shown once), enabled and disabled, their delivery log read and a delivery sent again by hand.
Each change is an operator event of the city chain; the secret never is."""
from sqlalchemy import func, select

from engine import append_operator_event
from models.errors import Forbidden, InvalidData, NotFound
from models.webhooks import WebhookDelivery, WebhookSubscription
from notifications.webhooks import (check_event_kinds, check_url, new_secret, redacted_url,
                                    redeliver)
from people.permissions import may
from models import utcnow

from .webhook_events import forget_subscriptions

DESCRIPTION_MAX_CHARS = 200
LOG_PAGE_SIZE = 100


def _require_admin(user) -> None:
    if not may(user, "manage_webhooks"):
        raise Forbidden("Only a system administrator may manage webhooks.")


def list_subscriptions(session, user) -> list[tuple[WebhookSubscription, dict]]:
    """Every subscription, newest first, with its deliveries counted by status."""
    _require_admin(user)
    counts: dict = {}
    for subscription_id, status, count in session.execute(
            select(WebhookDelivery.subscription_id, WebhookDelivery.status, func.count())
            .group_by(WebhookDelivery.subscription_id, WebhookDelivery.status)):
        counts.setdefault(subscription_id, {})[status] = count
    rows = session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id.desc()))
    return [(row, counts.get(row.id, {})) for row in rows]


def create_subscription(session, url, events, description, user) -> tuple[WebhookSubscription, str]:
    """A new enabled subscription; (row, its secret: shown to the administrator this once)."""
    _require_admin(user)
    url = check_url(url)
    kinds = check_event_kinds(events)
    description = str(description or "").strip()
    if len(description) > DESCRIPTION_MAX_CHARS or any(ord(char) < 32 for char in description):
        raise InvalidData("The description may have at most {limit} characters, on one line.",
                          {"description": "too long or not one line"}, limit=DESCRIPTION_MAX_CHARS)
    secret = new_secret()
    row = WebhookSubscription(url=url, description=description, events=kinds, secret=secret,
                              enabled=True, created_at=utcnow(), created_by_id=user.id)
    session.add(row)
    session.flush()
    shown_url = redacted_url(url)
    append_operator_event(session, "webhook_subscribed", actor=user, reason=description or shown_url,
                          data={"subscription_id": row.id, "url": shown_url, "events": kinds})
    forget_subscriptions(session)
    return row, secret


def subscription_of(session, subscription_id: int, user) -> WebhookSubscription:
    """One subscription, or NotFound."""
    _require_admin(user)
    row = session.get(WebhookSubscription, subscription_id)
    if row is None:
        raise NotFound("No webhook subscription {subscription_id} exists.",
                       subscription_id=subscription_id)
    return row


def set_subscription_enabled(session, subscription_id: int, enabled: bool, user) -> WebhookSubscription:
    """Enable or disable a subscription: a disabled one is sent nothing, queued deliveries
    included (they are cancelled when their turn comes)."""
    row = subscription_of(session, subscription_id, user)
    if row.enabled != enabled:
        row.enabled = enabled
        session.flush()
        append_operator_event(session, "webhook_enabled" if enabled else "webhook_disabled",
                              actor=user, reason=row.description or redacted_url(row.url),
                              data={"subscription_id": row.id})
        forget_subscriptions(session)
    return row


def delivery_log(session, subscription_id: int, user, limit: int = LOG_PAGE_SIZE) -> list[WebhookDelivery]:
    """The subscription's latest deliveries, newest first."""
    subscription_of(session, subscription_id, user)
    return list(session.scalars(select(WebhookDelivery)
                                .where(WebhookDelivery.subscription_id == subscription_id)
                                .order_by(WebhookDelivery.id.desc()).limit(limit)))


def redeliver_by_hand(session, subscription_id: int, delivery_id: int, user) -> WebhookDelivery:
    """Send a delivery of this subscription again at the scheduler's next run."""
    row = subscription_of(session, subscription_id, user)
    if not row.enabled:
        raise InvalidData("Enable the subscription before sending a delivery again.")
    delivery = redeliver(session, delivery_id, subscription_id)
    if delivery is None:
        raise NotFound("No delivery {delivery_id} of this subscription exists.", delivery_id=delivery_id)
    append_operator_event(session, "webhook_redelivered", actor=user,
                          reason=row.description or redacted_url(row.url),
                          data={"subscription_id": row.id, "delivery_id": delivery.id,
                                "event_id": delivery.event_id})
    return delivery
