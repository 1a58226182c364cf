"""Other systems told of what happens here: webhooks (events out, issue 22). The events come
from the engine's hooks (webhook_events.py); administrators keep the subscriptions
(subscriptions.py); notifications/webhooks.py queues, signs and sends the deliveries."""


def register(engine) -> None:
    """After every step, queue the events it caused for the subscriptions that asked for them."""
    from programmes.integrations.webhook_events import WebhookEvents
    engine.hooks.step_stored.append(WebhookEvents().on_step)
