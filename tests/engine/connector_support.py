"""A partner system on the loopback (a local http.server in a thread) for the connector tests,
and helpers to configure connectors and run instances with service tasks."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import select

from app.scheduler import perform_service_calls
from connectors import save_connector
from modeling.deploy import deploy_process
from models import Event, ServiceCall

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "connectors"
SECRET = "s3cr3t-token-of-the-office-automation"
SECRETS = {"OA_TOKEN": SECRET}


class Partner:
    """The office automation: answers each request as `plan` says ("ok", "slow": answers after
    the caller gave up, "500"; the last one repeats), makes ONE effect per idempotency key."""

    def __init__(self, plan=("ok",), slow_seconds: float = 1.0):
        self.plan, self.slow_seconds = list(plan), slow_seconds
        self.requests, self.effects = [], {}
        self.lock = threading.Lock()
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with partner.lock:
                    index = len(partner.requests)
                    partner.requests.append({"path": self.path, "headers": dict(self.headers),
                                             "body": json.loads(body or b"null")})
                    behaviour = partner.plan[min(index, len(partner.plan) - 1)]
                    key = self.headers.get("Idempotency-Key")
                    if behaviour != "500" and key not in partner.effects:
                        partner.effects[key] = f"L-{len(partner.effects) + 1}"  # the one effect
                    number = partner.effects.get(key)
                if behaviour == "slow":
                    time.sleep(partner.slow_seconds)
                status = 500 if behaviour == "500" else 201
                answer = json.dumps({"data": {"number": number, "state": "registered"}} if status == 201
                                    else {"error": "down"}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the caller gave up already

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def add_connector(db, **values):
    """A connector saved and committed (defaults: the office automation's referral endpoint)."""
    defaults = {"name": "oa_referral", "kind": "http", "title": "Office automation",
                "parameters": "subject, case_id", "method": "POST",
                "base_url": "http://127.0.0.1:9", "path_template": "/referrals/${case_id}",
                "headers": "Authorization: Bearer ${secret:OA_TOKEN}",
                "body_template": '{"subject": "${subject}", "case": "${case_id}"}',
                "expected_statuses": "200,201", "response_mapping": "letter_number=data.number\noa_status=@status",
                "timeout_seconds": "0.3"}
    connector = save_connector(db, {**defaults, **values})
    db.commit()
    return connector


def deploy_fixture(app, name: str):
    session = app.extensions["db_sessions"]()
    try:
        version, _ = deploy_process(session, (FIXTURES / name).read_bytes(), filename=name)
        session.commit()
        return version
    finally:
        session.close()


def run_calls(app, secrets=SECRETS) -> int:
    """The scheduler's service-call job once."""
    return perform_service_calls(app.extensions["db_sessions"], secrets)


def call_rows(db, instance_id: int) -> list[ServiceCall]:
    db.expire_all()
    return list(db.scalars(select(ServiceCall).where(ServiceCall.instance_id == instance_id)))


def events_of(db, instance_id: int, kind: str | None = None) -> list[Event]:
    db.expire_all()
    rows = db.scalars(select(Event).where(Event.instance_id == instance_id).order_by(Event.seq))
    return [e for e in rows if kind is None or e.type == kind]
