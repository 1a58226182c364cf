"""Webhook deliveries: queued in the transaction of an event, signed, sent after commit.

queue_event writes one webhook_deliveries row per subscriber in the caller's transaction (an
outbox); the scheduler (app/scheduler.py send_webhooks_job) claims due rows in a transaction of
its own (FOR UPDATE SKIP LOCKED on PostgreSQL, a lease against a crashed sender), posts each
outside any transaction with a timeout, and records the result in a transaction per delivery:
a 2xx is delivered; anything else (another status, a timeout, a refused connection) is retried
with backoff until max_attempts, then the delivery is failed. A delivery to a subscription
disabled meanwhile is cancelled, not sent.

Each request carries (docs/WEBHOOKS.md):
  X-City-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
  X-City-Event-Id: the event's id (the same for a retry, a redelivery and every subscriber)
  X-City-Event: the event kind
"""
import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import requests
from sqlalchemy import and_, or_, select, update

from models import clock, utcnow
from models.errors import InvalidData
from models.webhooks import EVENT_KINDS, WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-City-Signature"
EVENT_ID_HEADER = "X-City-Event-Id"
EVENT_KIND_HEADER = "X-City-Event"
DELIVERY_HEADER = "X-City-Delivery"
DEFAULT_TOLERANCE_SECONDS = 300
URL_MAX_CHARS = 2000
RESPONSE_KEPT_CHARS = 500  # of a failed response's body, in the log


@dataclass(frozen=True)
class DeliverySettings:
    """The sender's settings (app/config.py WEBHOOK_*)."""
    timeout_seconds: float = 10.0
    max_attempts: int = 8
    first_retry_seconds: int = 30
    max_retry_seconds: int = 3600
    lease_seconds: int = 300
    batch_size: int = 50


@dataclass(frozen=True)
class ClaimedDelivery:
    """What a sender needs of a claimed row once its transaction has ended."""
    id: int
    url: str
    secret: str
    event_id: str
    event_kind: str
    body: str
    attempts: int
    attempts_before_redelivery: int
    claimed_until: datetime


# ---------------------------------------------------------------- signing

def sign_body(secret: str, body: bytes, timestamp: int) -> str:
    """The X-City-Signature value of a body sent at timestamp (unix seconds)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(secret: str, body: bytes, header: str,
                     tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS, now: float | None = None) -> bool:
    """True if header signs body with secret and its timestamp is within tolerance of now.

    The receivers' function: docs/WEBHOOKS.md has the same code to copy."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError, AttributeError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_seconds:
        return False  # too old (or from the future): a replay
    expected = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


def new_secret() -> str:
    """A new subscription's signing secret."""
    return "whsec_" + secrets.token_urlsafe(32)


def check_url(url) -> str:
    """The URL stripped, or InvalidData when it is not an absolute http(s) URL."""
    url = str(url or "").strip()
    message = "The address must be an http:// or https:// URL, e.g. https://example.org/hooks."
    if not url or len(url) > URL_MAX_CHARS or any(ord(char) < 32 or char.isspace() for char in url):
        raise InvalidData(message, {"url": message})
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidData(message, {"url": message})
    return url


def redacted_url(url: str) -> str:
    """The URL without user, password, query or fragment (where a receiver may keep a token):
    what logs and the audit chain say of an address."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def check_event_kinds(kinds) -> list[str]:
    """The chosen event kinds in a fixed order, or InvalidData (none, or one unknown)."""
    kinds = [str(kind) for kind in kinds or ()]
    unknown = [kind for kind in kinds if kind not in EVENT_KINDS]
    if unknown or not kinds:
        message = "Choose at least one of the listed events."
        raise InvalidData(message, {"events": message})
    return [kind for kind in EVENT_KINDS if kind in kinds]


# ---------------------------------------------------------------- the outbox

def event_body(event_id: str, kind: str, data: dict) -> str:
    """The JSON body of an event, as every subscriber receives it."""
    return json.dumps({"id": event_id, "type": kind,
                       "created_at": clock.now().isoformat(timespec="seconds"), "data": data},
                      ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def queue_event(session, subscription_ids, kind: str, data: dict) -> str:
    """Queue one event for the given subscriptions in the caller's transaction; its id."""
    event_id = "evt_" + uuid.uuid4().hex
    body = event_body(event_id, kind, data)
    now = utcnow()
    for subscription_id in subscription_ids:
        session.add(WebhookDelivery(subscription_id=subscription_id, event_id=event_id,
                                    event_kind=kind, body=body, status="pending", attempts=0,
                                    attempts_before_redelivery=0, next_attempt_at=now,
                                    created_at=now))
    return event_id


def enabled_subscriptions(session) -> list[tuple[int, frozenset]]:
    """(id, event kinds) of every enabled subscription."""
    rows = session.execute(select(WebhookSubscription.id, WebhookSubscription.events)
                           .where(WebhookSubscription.enabled.is_(True))
                           .order_by(WebhookSubscription.id)).all()
    return [(row.id, frozenset(row.events or ())) for row in rows]


def retry_delay_seconds(attempts: int, settings: DeliverySettings) -> int:
    """Seconds to wait after this many failed attempts: first, doubling, at most max."""
    return min(settings.first_retry_seconds * 2 ** max(attempts - 1, 0), settings.max_retry_seconds)


def _claimable(now):
    table = WebhookDelivery
    return or_(and_(table.status == "pending", table.next_attempt_at <= now),
               and_(table.status == "sending", table.claimed_until < now))


def claim_due_deliveries(session, settings: DeliverySettings) -> list[ClaimedDelivery]:
    """Claim up to batch_size due deliveries for lease_seconds in the caller's transaction
    (it commits); deliveries of disabled subscriptions are cancelled instead."""
    now = utcnow()
    claimed_until = now + timedelta(seconds=settings.lease_seconds)
    query = (select(WebhookDelivery.id).where(_claimable(now))
             .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(settings.batch_size))
    if session.get_bind().dialect.name == "postgresql":
        # Another scheduler's claim in progress is passed over, not waited for.
        query = query.with_for_update(skip_locked=True)
    ids = session.scalars(query).all()
    if not ids:
        return []
    rows = session.execute(
        select(WebhookDelivery, WebhookSubscription.url, WebhookSubscription.secret,
               WebhookSubscription.enabled)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookDelivery.id.in_(ids)).order_by(WebhookDelivery.id)).all()
    claimed = []
    for delivery, url, secret, enabled in rows:
        if not enabled:
            delivery.status, delivery.claimed_until = "cancelled", None
            continue
        delivery.status, delivery.claimed_until = "sending", claimed_until
        claimed.append(ClaimedDelivery(delivery.id, url, secret, delivery.event_id,
                                       delivery.event_kind, delivery.body, delivery.attempts,
                                       delivery.attempts_before_redelivery, claimed_until))
    session.flush()
    return claimed


def post_delivery(delivery: ClaimedDelivery, timeout_seconds: float) -> tuple[int | None, str | None]:
    """POST one signed delivery: (HTTP status, None) or (status or None, the failure)."""
    body = delivery.body.encode("utf-8")
    timestamp = int(clock.now().timestamp())
    headers = {"Content-Type": "application/json; charset=utf-8",
               "User-Agent": "city-bpmn-webhooks/1",
               SIGNATURE_HEADER: sign_body(delivery.secret, body, timestamp),
               EVENT_ID_HEADER: delivery.event_id, EVENT_KIND_HEADER: delivery.event_kind,
               DELIVERY_HEADER: str(delivery.id)}
    try:
        response = requests.post(delivery.url, data=body, headers=headers, timeout=timeout_seconds,
                                 allow_redirects=False)
    except requests.Timeout:
        return None, f"no answer within {timeout_seconds:g} seconds"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"
        query = urlsplit(delivery.url).query
        if query:  # the message quotes the URL; a token in its query stays out of the log
            error = error.replace("?" + query, "")
        return None, error[:2000]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}: {response.text[:RESPONSE_KEPT_CHARS]}"


def record_result(session, delivery: ClaimedDelivery, status_code: int | None, error: str | None,
                  settings: DeliverySettings) -> str:
    """Record one attempt's result (the caller commits); the delivery's new status."""
    now = utcnow()
    attempts = delivery.attempts + 1
    values = {"attempts": attempts, "last_status_code": status_code, "last_attempt_at": now,
              "claimed_until": None, "last_error": error}
    if error is None:
        status, values["delivered_at"] = "delivered", now
    elif attempts - delivery.attempts_before_redelivery >= settings.max_attempts:
        status = "failed"
    else:
        status = "pending"
        values["next_attempt_at"] = now + timedelta(seconds=retry_delay_seconds(
            attempts - delivery.attempts_before_redelivery, settings))
    # Only while the lease is ours: a sender that took the row over owns its state now.
    changed = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id, WebhookDelivery.status == "sending",
               WebhookDelivery.claimed_until == delivery.claimed_until)
        .values(status=status, **values).execution_options(synchronize_session=False)).rowcount
    if error is not None:
        # The URL and the error only: never the secret nor the signature.
        log.log(logging.ERROR if status == "failed" else logging.WARNING,
                "webhook delivery %s (%s) to %s: attempt %d %s: %s%s", delivery.id,
                delivery.event_kind, redacted_url(delivery.url), attempts,
                "failed for good" if status == "failed" else "failed, will retry", error,
                "" if changed else " (lease lost, not recorded)")
    return status


def redeliver(session, delivery_id: int, subscription_id: int) -> WebhookDelivery | None:
    """Queue a delivery again now, with max_attempts more attempts (the caller checks who may)."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription_id:
        return None
    if delivery.status != "sending":  # one being sent now is left to its sender
        delivery.status = "pending"
        delivery.next_attempt_at = utcnow()
        delivery.attempts_before_redelivery = delivery.attempts
        session.flush()
    return delivery

