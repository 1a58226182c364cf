"""A subscriber of webhooks for the tests: a real HTTP server on a loopback port that records
each request (headers and raw body) and answers with the statuses the test lines up."""
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from models.webhooks import WebhookDelivery, WebhookSubscription
from programmes.integrations.webhook_events import forget_subscriptions

DOCS = Path(__file__).resolve().parent.parent.parent / "docs" / "WEBHOOKS.md"


class Receiver:
    """Records POSTs; answers statuses.pop(0) while any are lined up, then 204."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers.items()), "body": raw,
                                          "json": json.loads(raw.decode("utf-8"))})
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def kinds(self) -> list[str]:
        return [request["json"]["type"] for request in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def documented_verifier():
    """verify_city_signature as docs/WEBHOOKS.md gives it to receivers (its first Python block)."""
    code = re.search(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S).group(1)
    namespace: dict = {}
    exec(compile(code, str(DOCS), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify_city_signature"]


def deliveries(session, subscription_id=None) -> list[WebhookDelivery]:
    session.expire_all()
    query = select(WebhookDelivery).order_by(WebhookDelivery.id)
    if subscription_id is not None:
        query = query.where(WebhookDelivery.subscription_id == subscription_id)
    return list(session.scalars(query))


def subscriptions(session) -> list[WebhookSubscription]:
    session.expire_all()
    return list(session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))


def forget_cached_subscriptions():
    """After a test: its subscriptions were rolled back, the shared app must not remember them."""
    forget_subscriptions()


@pytest.fixture(autouse=True)
def forget_subscriptions_after_test():
    """Imported by a test module: after each test, the shared app forgets its subscriptions."""
    yield
    forget_cached_subscriptions()


@pytest.fixture
def receiver():
    """A subscriber on the loopback, closed after the test."""
    server = Receiver()
    yield server
    server.close()
