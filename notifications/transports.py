"""How a message leaves: e-mail by SMTP (or to a file), SMS by an HTTP provider (or to a file).

Every transport raises on failure; notifications.sender turns that into a retry.
"""
import json
import smtplib
import threading
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Protocol

from models import clock

# A sender for a transport built by hand; the app's comes from MAIL_FROM (app/config.py).
DEFAULT_SENDER = "no-reply@localhost"


class Mailer(Protocol):
    def send(self, recipient: str, subject: str, body: str) -> None: ...


class SmsProvider(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class TransportError(Exception):
    """A transport could not hand a message over."""


def build_email(sender: str, recipient: str, subject: str, body: str) -> EmailMessage:
    """A UTF-8 e-mail (Persian subject and body) with Date and Message-ID."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject or ""
    message["Date"] = format_datetime(clock.now())
    # An explicit domain: make_msgid() would otherwise ask DNS for this host's name.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body, charset="utf-8")
    return message


class SmtpMailer:
    """Sends e-mail through an SMTP server (optionally STARTTLS and login)."""

    def __init__(self, host: str, port: int = 25, username: str | None = None,
                 password: str | None = None, starttls: bool = False,
                 sender: str = DEFAULT_SENDER, timeout_seconds: float = 10.0):
        self.host, self.port = host, int(port)
        self.username, self.password = username or None, password or None
        self.starttls, self.sender = starttls, sender
        self.timeout_seconds = timeout_seconds

    def send(self, recipient: str, subject: str, body: str) -> None:
        """Deliver one e-mail to the server; raise on any refusal or connection error."""
        message = build_email(self.sender, recipient, subject, body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_seconds) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            refused = smtp.send_message(message)
        if refused:
            raise TransportError(f"recipient refused: {refused}")


class FileMailer:
    """Development mailer: appends each e-mail, readable, to a UTF-8 text file."""

    def __init__(self, path, sender: str = DEFAULT_SENDER):
        self.path, self.sender = Path(path), sender
        self._lock = threading.Lock()

    def send(self, recipient: str, subject: str, body: str) -> None:
        """Append the e-mail to the file."""
        text = (f"From: {self.sender}\nTo: {recipient}\nSubject: {subject or ''}\n"
                f"Date: {format_datetime(clock.now())}\n\n{body}\n\n{'=' * 72}\n")
        _append(self.path, text, self._lock)


class HttpSmsProvider:
    """POSTs {"to", "text"} as JSON with a bearer key; anything but a 2xx answer is a failure."""

    def __init__(self, url: str, api_key: str, timeout_seconds: float = 10.0):
        if not url:
            raise ValueError("the HTTP SMS provider needs a URL (SMS_HTTP_URL)")
        self.url, self.api_key, self.timeout_seconds = url, api_key, timeout_seconds
        # No redirects: urllib would repeat a redirected POST as a GET without the message.
        self._opener = urllib.request.build_opener(_NoRedirect)

    def send(self, phone: str, text: str) -> None:
        """Post one text message; raise TransportError unless the provider answers 2xx."""
        request = urllib.request.Request(
            self.url, method="POST",
            data=json.dumps({"to": phone, "text": text}, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8",
                     "Authorization": f"Bearer {self.api_key}"})
        try:
            with self._opener.open(request, timeout=self.timeout_seconds) as response:
                status = response.status
                answer = response.read(500)
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace")
            raise TransportError(f"SMS provider answered {exc.code}: {detail}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise TransportError(f"SMS provider unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise TransportError(f"SMS provider answered {status}: "
                                 f"{answer.decode('utf-8', 'replace')}")


class BotApiTransport:
    """Telegram Bot API (and Bale's, which follows it): each message is a sendMessage call.

    The outbox row's recipient is the chat id and its body the JSON of the call's other
    parameters (text, reply_markup: notifications.outbox.queue_bot_message); base_url is
    https://api.telegram.org/bot<TOKEN>/ or Bale's https://tapi.bale.ai/bot<TOKEN>/.
    """

    def __init__(self, base_url: str, timeout_seconds: float = 10.0):
        if not base_url:
            raise ValueError("the bot transport needs the Bot API's base URL (BOT_API_BASE_URL)")
        self.url = base_url.rstrip("/") + "/sendMessage"
        self.timeout_seconds = timeout_seconds
        self._opener = urllib.request.build_opener(_NoRedirect)

    def send(self, chat_id: str, body: str) -> None:
        """Call sendMessage; raise TransportError unless the API answers 2xx with ok true."""
        payload = {"chat_id": chat_id, **json.loads(body)}
        request = urllib.request.Request(
            self.url, method="POST", data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with self._opener.open(request, timeout=self.timeout_seconds) as response:
                answer = response.read(2000)
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace")
            raise TransportError(f"Bot API answered {exc.code}: {detail}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise TransportError(f"Bot API unreachable: {exc}") from exc
        try:
            ok = json.loads(answer.decode("utf-8")).get("ok") is True
        except (ValueError, AttributeError):
            ok = False
        if not ok:
            raise TransportError(f"Bot API refused the message: {answer[:500].decode('utf-8', 'replace')}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # urllib then raises HTTPError for the 3xx answer


class FileSmsProvider:
    """Development SMS provider: appends one JSON line per text message."""

    def __init__(self, path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def send(self, phone: str, text: str) -> None:
        """Append {"at", "to", "text"} as one line."""
        line = json.dumps({"at": clock.utcnow().isoformat(), "to": phone, "text": text},
                          ensure_ascii=False)
        _append(self.path, line + "\n", self._lock)


def _append(path: Path, text: str, lock: threading.Lock) -> None:
    with lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)


def transports_from_config(config) -> dict:
    """{"email": mailer, "sms": provider, "bot": Bot API (when BOT_API_BASE_URL is set)} from the
    MAIL_* / SMTP_* / SMS_* / BOT_* settings of the app's configuration (app/config.py declares
    them with their defaults; every one must be there)."""
    sender = config["MAIL_FROM"]
    mail_kind = str(config["MAIL_TRANSPORT"]).strip().lower()
    if mail_kind == "smtp":
        mailer = SmtpMailer(config["SMTP_HOST"], int(config["SMTP_PORT"]),
                            config["SMTP_USERNAME"], config["SMTP_PASSWORD"],
                            bool(config["SMTP_STARTTLS"]), sender,
                            float(config["SMTP_TIMEOUT_SECONDS"]))
    elif mail_kind == "file":
        mailer = FileMailer(config["MAIL_FILE_PATH"], sender)
    else:
        raise ValueError(f"MAIL_TRANSPORT must be 'file' or 'smtp', not {mail_kind!r}")
    sms_kind = str(config["SMS_PROVIDER"]).strip().lower()
    if sms_kind == "http":
        provider = HttpSmsProvider(config["SMS_HTTP_URL"], config["SMS_HTTP_KEY"],
                                   float(config["SMS_HTTP_TIMEOUT_SECONDS"]))
    elif sms_kind == "file":
        provider = FileSmsProvider(config["SMS_FILE_PATH"])
    else:
        raise ValueError(f"SMS_PROVIDER must be 'file' or 'http', not {sms_kind!r}")
    transports = {"email": mailer, "sms": provider}
    if config.get("BOT_API_BASE_URL"):  # no bot configured: its rows wait (and retry) for one
        transports["bot"] = BotApiTransport(config["BOT_API_BASE_URL"],
                                            float(config["SMS_HTTP_TIMEOUT_SECONDS"]))
    return transports
