"""End to end: a staff notification leaves through the outbox after commit to a real SMTP
server on loopback, once; one held in quiet hours leaves when the working day begins."""
from datetime import datetime
from zoneinfo import ZoneInfo

from engine_support import ready_task
from message_137_support import deploy_messages, referred_message
from models import clock
from notifications import send_due_notifications, transports_from_config
from programmes.staff.events import notify_overdue

TEHRAN = ZoneInfo("Asia/Tehran")


def transports_for(app, smtp_server, sms_endpoint):
    return transports_from_config({**app.config, "MAIL_TRANSPORT": "smtp", "SMTP_HOST": "127.0.0.1",
                                   "SMTP_PORT": smtp_server.port, "SMS_PROVIDER": "http",
                                   "SMS_HTTP_URL": sms_endpoint.url, "SMS_HTTP_KEY": "k"})


def mail_to(smtp_server, address):
    return [mail for mail in smtp_server.messages if mail["To"] == address]


def test_the_executive_unit_gets_one_email_of_a_referred_message_after_commit(app, db, smtp_server, sms_endpoint):
    deploy_messages(app)
    message = referred_message(db)
    task = ready_task(db, message.id, "Task_executive_reply")
    db.rollback()
    transports = transports_for(app, smtp_server, sms_endpoint)
    send_due_notifications(app.extensions["db_sessions"], transports)
    [mail] = mail_to(smtp_server, "department_head_d1@example.org")
    assert message.tracking_code in mail["Subject"]
    assert f"/tasks/{task.id}" in mail.get_content()
    assert send_due_notifications(app.extensions["db_sessions"], transports) == 0
    assert len(mail_to(smtp_server, "department_head_d1@example.org")) == 1


def test_an_overdue_email_of_the_evening_leaves_on_the_next_working_morning(app, db, smtp_server, sms_endpoint):
    deploy_messages(app)
    referred_message(db)
    transports = transports_for(app, smtp_server, sms_endpoint)
    send_due_notifications(app.extensions["db_sessions"], transports)  # the referral's messages
    clock.set_now(datetime(2026, 12, 16, 20, 0, tzinfo=TEHRAN))  # Wednesday evening
    assert notify_overdue(db) == 1
    db.commit()
    send_due_notifications(app.extensions["db_sessions"], transports)
    clock.set_now(datetime(2026, 12, 18, 12, 0, tzinfo=TEHRAN))  # Friday: still quiet
    send_due_notifications(app.extensions["db_sessions"], transports)
    assert [m["Subject"] for m in smtp_server.messages if "مهلت گذشته" in m["Subject"]] == []
    clock.set_now(datetime(2026, 12, 19, 7, 30, tzinfo=TEHRAN))  # Saturday's opening
    send_due_notifications(app.extensions["db_sessions"], transports)
    [overdue] = [m for m in smtp_server.messages if "مهلت گذشته" in m["Subject"]]
    assert overdue["To"] == "department_head_d1@example.org"
