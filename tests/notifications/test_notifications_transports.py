"""Transports against real servers on loopback: SMTP (aiosmtpd) and an HTTP SMS endpoint."""
import json

import pytest

from app.config import load_config
from notifications import (FileMailer, FileSmsProvider, HttpSmsProvider, SmtpMailer,
                           TransportError, transports_from_config)

from notification_support import free_port

SUBJECT = "پاسخ پیام شما با کد رهگیری K7QX-29PA"
BODY = "شهروند گرامی، پاسخ پیام K7QX-29PA آماده است:\nآسفالت کوچهٔ گلستان ترمیم شد.\nسامانه ارتباط مردمی ۱۳۷ شهرداری"


def test_a_persian_email_arrives_intact_through_a_real_smtp_server(smtp_server):
    mailer = SmtpMailer("127.0.0.1", smtp_server.port,
                        sender="سامانه ارتباط مردمی ۱۳۷ <no-reply@city.example.ir>",
                        timeout_seconds=5)
    mailer.send("citizen@example.ir", SUBJECT, BODY)

    [received] = smtp_server.messages
    assert received["Subject"] == SUBJECT
    # SMTP carries lines as CRLF; the text itself must be untouched.
    assert received.get_content().replace("\r\n", "\n").strip() == BODY
    assert received.get_content_charset() == "utf-8"
    assert received["From"].addresses[0].display_name == "سامانه ارتباط مردمی ۱۳۷"
    assert received["Message-ID"].endswith("@city.example.ir>")
    assert smtp_server.envelopes == [("no-reply@city.example.ir", ["citizen@example.ir"])]


def test_an_unreachable_smtp_server_is_a_failure():
    mailer = SmtpMailer("127.0.0.1", free_port(), timeout_seconds=2)
    with pytest.raises(OSError):
        mailer.send("citizen@example.ir", SUBJECT, BODY)


def test_the_http_sms_provider_posts_to_its_url_with_its_key(sms_endpoint):
    HttpSmsProvider(sms_endpoint.url, "secret-key-1", timeout_seconds=5).send("09121234567", BODY)

    [request] = sms_endpoint.requests
    assert request["path"] == "/v1/sms"
    assert request["headers"]["Authorization"] == "Bearer secret-key-1"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert request["json"] == {"to": "09121234567", "text": BODY}


@pytest.mark.parametrize("status", [500, 401, 302])
def test_a_non_2xx_sms_answer_is_a_failure(sms_endpoint, status):
    sms_endpoint.status = status
    provider = HttpSmsProvider(sms_endpoint.url, "secret-key-1", timeout_seconds=5)
    with pytest.raises(TransportError, match=str(status)):
        provider.send("09121234567", BODY)
    # A redirect is not followed (it would turn the POST into a GET without the message).
    assert len(sms_endpoint.requests) == 1


def test_an_unreachable_sms_provider_is_a_failure():
    provider = HttpSmsProvider(f"http://127.0.0.1:{free_port()}/sms", "k", timeout_seconds=2)
    with pytest.raises(TransportError, match="unreachable"):
        provider.send("09121234567", BODY)


def test_the_file_transports_append_each_message_for_development(tmp_path):
    mail_path, sms_path = tmp_path / "dev" / "mail.txt", tmp_path / "dev" / "sms.jsonl"
    for n in (1, 2):
        FileMailer(mail_path).send("citizen@example.ir", f"{SUBJECT} {n}", BODY)
        FileSmsProvider(sms_path).send("09121234567", f"{BODY} {n}")

    mail = mail_path.read_text(encoding="utf-8")
    assert mail.count("To: citizen@example.ir") == 2 and f"Subject: {SUBJECT} 2" in mail
    lines = [json.loads(line) for line in sms_path.read_text(encoding="utf-8").splitlines()]
    assert [(line["to"], line["text"]) for line in lines] == [
        ("09121234567", f"{BODY} 1"), ("09121234567", f"{BODY} 2")]


def test_the_default_configuration_needs_no_mail_server_or_sms_account():
    transports = transports_from_config(load_config())
    assert isinstance(transports["email"], FileMailer)
    assert isinstance(transports["sms"], FileSmsProvider)
    assert transports["email"].path.parent.name == "instance"


def test_the_configuration_chooses_smtp_and_the_http_provider():
    transports = transports_from_config(load_config({
        "MAIL_TRANSPORT": "smtp", "SMTP_HOST": "mail.city.ir", "SMTP_PORT": 587,
        "SMTP_USERNAME": "noreply", "SMTP_PASSWORD": "pw", "SMTP_STARTTLS": True,
        "MAIL_FROM": "x <noreply@city.ir>", "SMS_PROVIDER": "http",
        "SMS_HTTP_URL": "https://sms.example.ir/send", "SMS_HTTP_KEY": "k",
        "SMS_HTTP_TIMEOUT_SECONDS": 3.0}))
    mailer, provider = transports["email"], transports["sms"]
    assert (mailer.host, mailer.port, mailer.username, mailer.starttls) == ("mail.city.ir", 587,
                                                                            "noreply", True)
    assert (provider.url, provider.api_key, provider.timeout_seconds) == (
        "https://sms.example.ir/send", "k", 3.0)
    with pytest.raises(ValueError, match="MAIL_TRANSPORT"):
        transports_from_config(load_config({"MAIL_TRANSPORT": "pigeon"}))
    with pytest.raises(ValueError, match="SMS_HTTP_URL"):
        transports_from_config(load_config({"SMS_PROVIDER": "http"}))


def test_the_transports_take_every_setting_from_the_apps_configuration():
    config = load_config({"MAIL_FILE_PATH": "/tmp/city-mail.txt"})
    transports = transports_from_config(config)
    assert transports["email"].sender == config["MAIL_FROM"]
    assert str(transports["email"].path) == "/tmp/city-mail.txt"
    assert str(transports["sms"].path) == config["SMS_FILE_PATH"]
    with pytest.raises(KeyError):  # no second set of defaults behind the app's
        transports_from_config({})
