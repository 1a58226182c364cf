"""Connectors to other city systems: what administrators configure (catalogue.py), the HTTP/JSON
call a service task makes through one (http_calls.py: templates, secrets, idempotency key,
timeout, a redacted summary), and e-mail and SMS through the outbox (messages.py). Free of
Flask and SpiffWorkflow: the engine's runtime (engine/runtime/service_calls.py) and the
scheduler use it."""
from .catalogue import (KINDS, connector_parameters, enabled_connectors, find_connector,
                        list_connectors, save_connector, snapshot)
from .http_calls import CallOutcome, perform_http_call
from .messages import queue_connector_message
from .secrets import redact, secrets_from_environ

__all__ = ["KINDS", "CallOutcome", "connector_parameters", "enabled_connectors", "find_connector",
           "list_connectors", "perform_http_call", "queue_connector_message", "redact",
           "save_connector", "secrets_from_environ", "snapshot"]
