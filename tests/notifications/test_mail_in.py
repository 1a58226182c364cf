"""E-mail in (issue 22): mail delivered by LMTP (smtplib.LMTP against the real listener on a
loopback port) becomes a trackable 137 message with its attachments, answered by e-mail with its
tracking code (the outbox sent to a real SMTP server); a Message-ID seen before, auto-replies,
bounces, other addresses, malformed mail and a sender past the limit make no case."""
import re
import smtplib
from pathlib import Path
from email import policy
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from app.mail_in_cli import start_listener
from documents import attachments_of_instance, read_attachment
from models import CitizenRequest, Instance
from models.inbound import InboundMail
from models.notifications import OutboxMessage
from notification_support import free_port
from notifications import send_due_notifications, transports_from_config
from portal_support import PNG_1PX, deploy_citizen_processes
from programmes.citizens.requests import find_followed_request
from programmes.intake.mail import html_to_text

ADDRESS = "137@city.example"
CITIZEN = "maryam@example.org"


@pytest.fixture
def listener(app):
    """The mail-in listener on a free loopback port, taking ADDRESS (district d1 by default)."""
    deploy_citizen_processes(app)
    app.config.update(MAIL_IN_ADDRESSES=f"{ADDRESS}, info137@city.example",
                      MAIL_IN_DEFAULT_DISTRICT="d1", MAIL_IN_SENDER_LIMIT=3)
    port = free_port()
    controller = start_listener(app, "127.0.0.1", port)
    yield port
    controller.stop()


def _mail(subject="چراغ کوچه خاموش است", body="سلام، چراغ کوچه ما سه شب است خاموش است.\nنشانی: خیابان بهار، کوچه ۱۲",
          sender=f"مریم احمدی <{CITIZEN}>", to=ADDRESS, message_id="<m-1@example.org>", **headers) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    if message_id:
        mail["Message-ID"] = message_id
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail


def _deliver(port, raw, to=ADDRESS, mail_from=CITIZEN) -> tuple[int, str]:
    """One LMTP delivery; (code, text) of the answer to RCPT if refused there, else to DATA."""
    raw = raw if isinstance(raw, bytes) else raw.as_bytes(policy=policy.SMTP)  # CRLF, as MTAs send
    with smtplib.LMTP("127.0.0.1", port) as client:
        client.ehlo("mx.city.example")  # LMTP sends it as LHLO
        client.mail(mail_from)
        code, text = client.rcpt(to)
        if code >= 300:
            return code, text.decode()
        code, text = client.data(raw)
        return code, text.decode()


def _count(app, model) -> int:
    session = app.extensions["db_sessions"]()
    try:
        return session.scalar(select(func.count()).select_from(model))
    finally:
        session.close()


def _requests_by_email(app) -> list[CitizenRequest]:
    session = app.extensions["db_sessions"]()
    rows = session.scalars(select(CitizenRequest).where(CitizenRequest.channel == "email")).all()
    for row in rows:
        (row.contact_email, row.contact_name, row.address, row.instance.data, row.instance.district.code)
    session.close()
    return rows


def test_a_mail_with_an_attachment_becomes_a_trackable_137_message_answered_with_its_code(app, listener, smtp_server):
    mail = _mail(to="137+d2@city.example")
    mail.add_attachment(PNG_1PX, maintype="image", subtype="png", filename="lamp.png")
    mail.add_attachment(b"MZ\x90\x00 a program", maintype="application", subtype="octet-stream",
                        filename="run.exe")
    code, text = _deliver(listener, mail, to="137+d2@city.example")
    assert code == 250, text
    tracking_code = re.search(r"Filed as (\S+)", text).group(1)

    [request] = _requests_by_email(app)
    assert request.tracking_code == tracking_code
    assert request.instance.district.code == "d2"  # the +tag of the address
    assert (request.contact_email, request.contact_name) == (CITIZEN, "مریم احمدی")
    assert request.address == "خیابان بهار، کوچه ۱۲"
    assert request.description.startswith("چراغ کوچه خاموش است\n\nسلام")
    assert "run.exe" in request.description  # the refused attachment is named, not kept
    assert request.instance.data["channel"] == "email" and request.instance.process_key == "citizen_message_137"
    session = app.extensions["db_sessions"]()
    [attachment] = attachments_of_instance(session, request.instance_id)
    assert (attachment.original_name, attachment.content_type, attachment.field_key) == \
        ("lamp.png", "image/png", "email_attachment")
    assert read_attachment(session, attachment) == PNG_1PX
    [kept] = session.scalars(select(InboundMail)).all()
    assert kept.outcome == "filed" and kept.instance_id == request.instance_id
    assert kept.refused_attachments == [{"name": "run.exe", "reason": "type"}]
    assert CITIZEN not in kept.sender_token
    session.close()

    # The answer leaves through the outbox, to the sender, with the code and the follow-up key.
    transports = transports_from_config({**app.config, "MAIL_TRANSPORT": "smtp", "SMTP_HOST": "127.0.0.1",
                                         "SMTP_PORT": smtp_server.port})
    send_due_notifications(app.extensions["db_sessions"], transports)
    [reply] = [m for m in smtp_server.messages if m["To"] == CITIZEN]
    assert tracking_code in reply["Subject"]
    follow_key = re.search(r"کلید پیگیری: (\S+)", reply.get_content()).group(1)
    session = app.extensions["db_sessions"]()
    assert find_followed_request(session, tracking_code, follow_key).instance_id == request.instance_id
    session.close()


def test_the_same_message_id_twice_makes_one_case(app, listener):
    assert _deliver(listener, _mail())[0] == 250
    code, text = _deliver(listener, _mail(body="the same mail, delivered again"))
    assert code == 250 and "Already received" in text
    assert len(_requests_by_email(app)) == 1
    # A mail without a Message-ID is known by its bytes: the same bytes again make nothing.
    raw = _mail(message_id=None, subject="بدون شناسه").as_bytes(policy=policy.SMTP)
    assert _deliver(listener, raw)[0] == 250 and _deliver(listener, raw)[0] == 250
    assert len(_requests_by_email(app)) == 2


def test_auto_replies_bounces_and_our_own_mail_are_ignored_and_never_answered(app, listener):
    outbox_before = _count(app, OutboxMessage)
    automatic = [
        (_mail(message_id="<a1@x>", Auto_Submitted="auto-replied", subject="Out of office"), CITIZEN),
        (_mail(message_id="<a2@x>", Precedence="bulk"), CITIZEN),
        (_mail(message_id="<a3@x>", List_Id="<news.example.org>"), CITIZEN),
        (_mail(message_id="<a4@x>", sender="MAILER-DAEMON <mailer-daemon@example.org>"), ""),  # a bounce
        (_mail(message_id="<a5@x>", sender=f"سامانه ۱۳۷ <{ADDRESS}>"), ADDRESS),  # a loop
    ]
    for mail, mail_from in automatic:
        code, text = _deliver(listener, mail, mail_from=mail_from)
        assert code == 250 and "ignored" in text, (mail["Message-ID"], text)
    assert _requests_by_email(app) == []
    assert _count(app, OutboxMessage) == outbox_before
    session = app.extensions["db_sessions"]()
    assert {row.outcome for row in session.scalars(select(InboundMail))} == {"ignored"}
    session.close()


def test_a_mail_to_another_address_is_refused(app, listener):
    code, _text = _deliver(listener, _mail(to="mayor@city.example"), to="mayor@city.example")
    assert code == 550
    code, _text = _deliver(listener, _mail(to="137@elsewhere.example"), to="137@elsewhere.example")
    assert code == 550
    assert _requests_by_email(app) == [] and _count(app, InboundMail) == 0


def test_malformed_mail_is_refused_or_read_as_well_as_it_can_and_the_listener_keeps_serving(app, listener):
    garbage = b"\x00\xff\xfe\r\nthis is not a mail at all\r\n\x00"
    code, _text = _deliver(listener, garbage)
    assert code in (250, 550)
    broken_mime = (b"From: =?utf-8?b?!!!?= <x@example.org>\r\nTo: 137@city.example\r\n"
                   b"Message-ID: <broken@x>\r\nSubject: =?unknown-charset?q?=FF?=\r\n"
                   b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n"
                   b"--zz\r\nContent-Type: text/plain; charset=no-such-charset\r\n"
                   b"Content-Transfer-Encoding: base64\r\n\r\n%%%not base64%%%\r\n"
                   b"--zz\r\nContent-Type: image/png; name=a.png\r\nContent-Disposition: attachment; filename=a.png\r\n"
                   b"Content-Transfer-Encoding: base64\r\n\r\n@@@@\r\n")  # and no closing boundary
    code, _text = _deliver(listener, broken_mime, mail_from="x@example.org")
    assert code in (250, 550)
    no_sender = b"To: 137@city.example\r\nMessage-ID: <nofrom@x>\r\nSubject: hi\r\n\r\nbody\r\n"
    assert _deliver(listener, no_sender)[0] == 550
    empty = _mail(message_id="<empty@x>", subject="", body="")
    assert _deliver(listener, empty)[0] == 550
    code, text = _deliver(listener, _mail(message_id="<after@x>"))
    assert code == 250 and "Filed as" in text  # still serving


def test_an_html_only_mail_becomes_plain_text(app, listener):
    mail = _mail(message_id="<html@x>", body="")
    mail.set_content("<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
                     "<body><p>درخت&nbsp;افتاده</p><div>نشانی: میدان <b>شهدا</b></div></body></html>",
                     subtype="html")
    assert _deliver(listener, mail)[0] == 250
    [request] = _requests_by_email(app)
    assert "<" not in request.description and "alert" not in request.description
    assert "درخت افتاده" in request.description and request.address == "میدان شهدا"


def test_a_sender_past_the_limit_is_refused(app, listener):
    for number in range(3):
        assert _deliver(listener, _mail(message_id=f"<n{number}@x>"))[0] == 250
    code, text = _deliver(listener, _mail(message_id="<n3@x>"))
    assert code == 550 and "Too many" in text
    assert len(_requests_by_email(app)) == 3
    assert _deliver(listener, _mail(message_id="<other@x>", sender="Ali <ali@example.org>"),
                    mail_from="ali@example.org")[0] == 250


def test_mail_without_a_district_tag_is_refused_when_no_default_district_is_set(app):
    deploy_citizen_processes(app)
    app.config.update(MAIL_IN_ADDRESSES=ADDRESS, MAIL_IN_DEFAULT_DISTRICT="")
    port = free_port()
    controller = start_listener(app, "127.0.0.1", port)
    try:
        assert _deliver(port, _mail())[0] == 550
        assert _deliver(port, _mail(message_id="<tagged@x>", to="137+d1@city.example"),
                        to="137+d1@city.example")[0] == 250
    finally:
        controller.stop()
    session = app.extensions["db_sessions"]()
    assert session.scalar(select(func.count()).select_from(Instance).where(
        Instance.process_key == "citizen_message_137")) == 1
    session.close()


def test_html_to_text_keeps_the_words_and_drops_markup():
    assert html_to_text("<p>a &amp; b</p><script>x()</script><br>c") == "a & b\n\nc"


def test_the_mail_in_role_is_a_flask_command_and_a_systemd_unit_reading_the_one_settings_file(app):
    result = app.test_cli_runner().invoke(args=["mail-in", "serve", "--help"])
    assert result.exit_code == 0 and "--port" in result.output
    unit = (Path(__file__).resolve().parents[2] / "deploy" / "systemd" / "mail-in.service").read_text()
    assert "EnvironmentFile=/etc/city137/env" in unit and "User=city137" in unit
    assert re.search(r"^ExecStart=\S+/flask mail-in serve --host 127\.0\.0\.1 --port 8024$", unit, re.M)


def test_the_imap_poller_files_unseen_mails_once_and_marks_them_seen(app):
    from app.mail_in_cli import poll_mailbox
    from imap_support import ImapStub
    deploy_citizen_processes(app)
    stub = ImapStub()
    try:
        app.config.update(MAIL_IN_ADDRESSES=ADDRESS, MAIL_IN_DEFAULT_DISTRICT="d1",
                          MAIL_IN_IMAP_HOST="127.0.0.1", MAIL_IN_IMAP_PORT=stub.port,
                          MAIL_IN_IMAP_SSL=False, MAIL_IN_IMAP_USERNAME="137",
                          MAIL_IN_IMAP_PASSWORD="secret-pass")
        tagged = _mail(message_id="<imap-1@x>", to="137+d2@city.example")
        tagged["Return-Path"] = f"<{CITIZEN}>"
        stub.add(tagged.as_bytes(policy=policy.SMTP))
        bounce = _mail(message_id="<imap-2@x>", sender="MAILER-DAEMON <mailer-daemon@example.org>")
        bounce["Return-Path"] = "<>"
        stub.add(bounce.as_bytes(policy=policy.SMTP))
        assert poll_mailbox(app) == 2
        assert stub.seen == {1, 2} and stub.logins == ["137"]
        [request] = _requests_by_email(app)
        assert request.instance.district.code == "d2" and request.contact_email == CITIZEN
        assert poll_mailbox(app) == 0  # nothing unseen is left
        stub.seen.clear()  # marked unseen by hand: the Message-ID still makes no second case
        assert poll_mailbox(app) == 2 and len(_requests_by_email(app)) == 1
        result = app.test_cli_runner().invoke(args=["mail-in", "poll", "--once"])
        assert result.exit_code == 0 and "read 0 mail(s)" in result.output
    finally:
        stub.close()
