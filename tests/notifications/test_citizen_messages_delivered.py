"""End to end: what a citizen files on the portal reaches them by e-mail (real SMTP server on
loopback) and SMS (a real HTTP provider on loopback) once the sender runs after commit."""
import re

from app.cli import notifications_send  # noqa: F401 - the command the scheduler job mirrors
from notifications import send_due_notifications, transports_from_config

from portal_support import FILED, deploy_citizen_processes


def transports_for(app, smtp_server, sms_endpoint):
    return transports_from_config({**app.config, "MAIL_TRANSPORT": "smtp", "SMTP_HOST": "127.0.0.1",
                                   "SMTP_PORT": smtp_server.port, "SMS_PROVIDER": "http",
                                   "SMS_HTTP_URL": sms_endpoint.url, "SMS_HTTP_KEY": "k-123"})


def test_a_filed_request_reaches_the_citizen_by_email_and_sms_exactly_once(app, smtp_server, sms_endpoint):
    deploy_citizen_processes(app)
    client = app.test_client()
    filed = client.post("/p/requests/new", data=FILED, content_type="multipart/form-data")
    page = client.get(filed.headers["Location"]).get_data(as_text=True)
    code = re.search(r'data-testid="tracking-code">([^<]+)<', page).group(1)
    assert smtp_server.messages == [] and sms_endpoint.requests == []  # nothing before the sender runs

    transports = transports_for(app, smtp_server, sms_endpoint)
    # Besides the citizen's two, the staff the new task is offered to may get an e-mail (in
    # working hours; tests/notifications/test_staff_notifications_delivered.py).
    assert send_due_notifications(app.extensions["db_sessions"], transports) >= 2
    [mail] = _to_citizen(smtp_server)
    assert code in mail["Subject"]
    assert f"/p/track?code={code}" in mail.get_content()
    [sms] = sms_endpoint.requests
    assert sms["json"]["to"] == "09123456789" and code in sms["json"]["text"]
    assert sms["headers"]["Authorization"] == "Bearer k-123"

    assert send_due_notifications(app.extensions["db_sessions"], transports) == 0
    assert len(_to_citizen(smtp_server)) == 1 and len(sms_endpoint.requests) == 1


def _to_citizen(smtp_server):
    return [mail for mail in smtp_server.messages if mail["To"] == FILED["contact_email"]]


def test_the_cli_sends_the_outbox_with_the_configured_transports(app, tmp_path):
    deploy_citizen_processes(app)
    client = app.test_client()
    client.post("/p/requests/new", data={**FILED, "contact_email": ""}, content_type="multipart/form-data")
    app.config.update(SMS_PROVIDER="file", SMS_FILE_PATH=str(tmp_path / "sms.jsonl"))
    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code == 0 and re.search(r"sent [1-9]\d* message\(s\)", result.output)
    assert "09123456789" in (tmp_path / "sms.jsonl").read_text(encoding="utf-8")
