"""Helpers of the SMS and bot door tests: a loopback server standing in for the SMS provider
and the Bot API (recording what it is sent), the doors' secrets, and updates as the Bot API
sends them."""
import json
import threading
from types import SimpleNamespace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from models import CitizenRequest, Instance
from models.intake import InboundMessage
from notifications import BotApiTransport, HttpSmsProvider, send_due_notifications
from open311_support import deploy_citizen_processes

SMS_SECRET, KAVENEGAR_SECRET, BOT_SECRET = "sms-door-5f2a9c", "kave-door-81b3d0", "bot-door-77e1aa"
PHONE = "09127654321"
CHAT = 4242001


class PartnerApi:
    """A loopback HTTP server that records every JSON body posted to it and answers ok."""

    def __init__(self):
        self.received = []  # (path, json)
        self.answer = {"ok": True, "result": {}}  # what the Bot API answers
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                partner.received.append((self.path, json.loads(raw.decode("utf-8"))))
                body = json.dumps(partner.answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def sms_to(self, phone: str) -> list[str]:
        """The texts the SMS provider was asked to send to a mobile."""
        return [body["text"] for path, body in self.received if path == "/sms" and body["to"] == phone]

    def bot_to(self, chat_id) -> list[dict]:
        """The sendMessage calls to a chat (each with text and reply_markup)."""
        return [body for path, body in self.received
                if path.endswith("/sendMessage") and str(body["chat_id"]) == str(chat_id)]


@pytest.fixture
def partner():
    api = PartnerApi()
    yield api
    api.close()


@pytest.fixture
def doors(app):
    """The 137 processes deployed and the three doors open with their secrets."""
    deploy_citizen_processes(app)
    app.config.update(SMS_IN_SECRET=SMS_SECRET, KAVENEGAR_IN_SECRET=KAVENEGAR_SECRET,
                      BOT_WEBHOOK_SECRET=BOT_SECRET, INTAKE_DEFAULT_DISTRICT="d2")
    return app.test_client()


def send_outbox(app, partner: PartnerApi) -> int:
    """Run the outbox sender against the loopback provider and Bot API."""
    transports = {"sms": HttpSmsProvider(partner.base + "/sms", "k"),
                  "bot": BotApiTransport(partner.base + "/bot123:ABC/"),
                  "email": _NoMail()}
    return send_due_notifications(app.extensions["db_sessions"], transports)


class _NoMail:
    def send(self, recipient, subject, body):
        pass  # staff e-mails of the new task: not what these tests look at


def update(update_id: int, text: str | None = None, chat_id=CHAT, location=None) -> dict:
    """A Bot API Update with a private chat's message."""
    message = {"message_id": update_id, "date": 1765000000,
               "chat": {"id": chat_id, "type": "private"}, "from": {"id": chat_id, "is_bot": False}}
    if text is not None:
        message["text"] = text
    if location is not None:
        message["location"] = {"latitude": location[0], "longitude": location[1]}
    return {"update_id": update_id, "message": message}


def post_update(client, body, secret: str = BOT_SECRET):
    return client.post("/channels/bot", json=body,
                       headers={"X-Telegram-Bot-Api-Secret-Token": secret})


def requests_by_channel(app, channel: str) -> list[SimpleNamespace]:
    """What was filed by a door (read in a session: the contact is sealed at rest)."""
    session = app.extensions["db_sessions"]()
    rows = [SimpleNamespace(tracking_code=r.tracking_code, contact_phone=r.contact_phone,
                            description=r.description, service_code=r.service_code, lat=r.lat,
                            district_code=r.instance.district.code, channel=r.instance.channel)
            for r in session.scalars(select(CitizenRequest).where(CitizenRequest.channel == channel))]
    session.close()
    return rows


def inbound_rows(app) -> list[InboundMessage]:
    session = app.extensions["db_sessions"]()
    rows = list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))
    session.close()
    return rows


def instance_of(app, code: str) -> Instance:
    session = app.extensions["db_sessions"]()
    instance = session.scalars(select(Instance).where(Instance.tracking_code == code)).one()
    _ = instance.district.code
    session.close()
    return instance
