"""The e-mail and SMS connectors: the message a service task sends, queued in the outbox in the
caller's transaction (notifications' sender delivers it over the configured transports)."""
from models import OutboxMessage, utcnow

MAX_SUBJECT_CHARS = 300


class MessageRefused(ValueError):
    """The parameters make no message (no recipient, no text)."""


def queue_connector_message(session, connector: dict, params: dict,
                            instance_id: int | None) -> OutboxMessage:
    """Queue the connector's e-mail or SMS (params to, subject, body); MessageRefused if empty."""
    recipient = str(params.get("to") or "").strip()
    body = str(params.get("body") or "").strip()
    if not recipient or not body:
        raise MessageRefused("an e-mail or SMS connector needs the parameters to and body")
    channel = "email" if connector["kind"] == "email" else "sms"
    subject = str(params.get("subject") or "").strip()[:MAX_SUBJECT_CHARS] if channel == "email" else None
    now = utcnow()
    message = OutboxMessage(instance_id=instance_id, template=f"connector:{connector['name']}"[:60],
                            channel=channel, recipient=recipient[:255], subject=subject, body=body,
                            status="pending", attempts=0, next_attempt_at=now, created_at=now)
    session.add(message)
    return message
