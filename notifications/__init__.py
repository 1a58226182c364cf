"""Citizen and staff notifications: an outbox written in the caller's transaction, Persian
templates, e-mail (SMTP or file), SMS (HTTP provider or file) and messenger-bot (Bot API) transports, and a sender with
retries and backoff. Free of Flask and SpiffWorkflow: the app wires it in (scheduler, CLI)."""
# Importing the model registers outbox_messages on Base.metadata even before models/ exports it.
from models.notifications import OutboxMessage

from .outbox import list_for_instance, queue_bot_message, queue_notification, render_notification
from .sender import claim_due_messages, send_claimed, send_due_notifications
from .transports import (BotApiTransport, FileMailer, FileSmsProvider, HttpSmsProvider, SmsProvider,
                         SmtpMailer, TransportError, transports_from_config)

__all__ = ["OutboxMessage", "BotApiTransport", "queue_bot_message", "list_for_instance", "queue_notification", "render_notification",
           "claim_due_messages", "send_claimed", "send_due_notifications",
           "FileMailer", "FileSmsProvider", "HttpSmsProvider", "SmsProvider", "SmtpMailer",
           "TransportError", "transports_from_config"]
