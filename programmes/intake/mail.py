"""E-mail to the 137 centre: each mail received (by the LMTP listener, app/mail_in_cli.py)
becomes a 137 message filed like a portal request (programmes.citizens.requests.file_request,
channel "email"), answered by e-mail with its tracking code through the outbox.

- Taken only for the configured addresses (MAIL_IN_ADDRESSES); a "+tag" names the district
  (137+d3@city.example -> district d3), else MAIL_IN_DEFAULT_DISTRICT; others are refused (550).
- The subject and text body are the description (an HTML-only mail is turned into plain text);
  a line "نشانی: ..." (or "آدرس:", "Address:") gives the address; the From address and name
  are the citizen's contact, so the tracking code goes back to it.
- Attachments pass documents' checks (type by content, size, virus scan) and are kept with the
  case; a refused one is named at the end of the description and in inbound_mails, never fatal.
- A Message-ID seen before makes nothing (inbound_mails.message_key is unique); auto-replies,
  bounces, mailing lists and mail from our own addresses are kept as "ignored" and answered by
  nothing, so the system never loops; a sender past MAIL_IN_SENDER_LIMIT mails within
  MAIL_IN_SENDER_WINDOW_SECONDS is refused.
"""
import hashlib
import re
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from email.utils import getaddresses, parseaddr
from html import unescape
from html.parser import HTMLParser

from sqlalchemy import func, select

from documents import UploadRefused, add_attachment, check_upload, store_of
from models import District, utcnow
from models.errors import InvalidData
from models.inbound import InboundMail
from models.shredding import key_ring_of
from models.unique_writes import write_once

from programmes.citizens.requests import (ADDRESS_MAX_CHARS, DESCRIPTION_MAX_CHARS, NAME_MAX_CHARS,
                                          file_request, portal_actor)

CHANNEL = "email"
ATTACHMENT_FIELD = "email_attachment"  # attachments.field_key of a mail's files (task NULL)
NO_ADDRESS = "نشانی در نامه نیامده است؛ متن نامه را ببینید."
MESSAGE_KEY_MAX_CHARS = 255
_ADDRESS_LINE = re.compile(r"^\s*(?:نشانی|آدرس|address)\s*[:：]\s*(.+)$", re.IGNORECASE | re.MULTILINE)
_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")
# Control characters but tab and newline: they would reach pages and exports.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\u202a-\u202e\u2066-\u2069]")
_PRECEDENCE_IGNORED = ("bulk", "junk", "list", "auto_reply")


@dataclass(frozen=True)
class MailSettings:
    """What the mail-in listener takes (from the MAIL_IN_* settings)."""
    addresses: frozenset
    default_district: str = ""
    service_code: str = "service"
    sender_limit: int = 5
    window_seconds: float = 3600
    max_attachments: int = 5

    @classmethod
    def from_config(cls, config) -> "MailSettings":
        """The settings of an app's config."""
        addresses = frozenset(part.strip().lower() for part in
                              str(config["MAIL_IN_ADDRESSES"]).split(",") if part.strip())
        return cls(addresses, str(config["MAIL_IN_DEFAULT_DISTRICT"] or "").strip(),
                   str(config["MAIL_IN_SERVICE"]), int(config["MAIL_IN_SENDER_LIMIT"]),
                   float(config["MAIL_IN_SENDER_WINDOW_SECONDS"]),
                   int(config["MAIL_IN_MAX_ATTACHMENTS"]))


@dataclass
class MailOutcome:
    """What became of a mail: filed, duplicate, ignored (kept: commit) or refused (roll back);
    reply is the LMTP answer."""
    status: str
    reply: str
    tracking_code: str | None = None
    instance_id: int | None = None
    refused_attachments: list = field(default_factory=list)

    @property
    def kept(self) -> bool:
        """True when the transaction is to be committed."""
        return self.status in ("filed", "ignored")


def split_recipient(address: str) -> tuple[str, str | None]:
    """("137@city.example", "d3") of "137+d3@city.example"; the tag is None without one."""
    local, _, domain = str(address or "").strip().strip("<>").lower().rpartition("@")
    base, plus, tag = local.partition("+")
    return f"{base}@{domain}", (tag or None) if plus else None


def accepts_recipient(settings: MailSettings, address: str) -> bool:
    """True for one of the configured addresses (with or without a tag)."""
    return split_recipient(address)[0] in settings.addresses


def mailbox_recipients(raw: bytes, settings: MailSettings) -> list[str]:
    """For a mail read from a mailbox (no envelope): the configured addresses its Delivered-To,
    X-Original-To, To or Cc name (the district tag with them), else the first configured one."""
    try:
        message = message_from_bytes(raw, policy=policy.compat32)
        named = [address for _name, address in getaddresses(
            [str(value) for header in ("Delivered-To", "X-Original-To", "To", "Cc")
             for value in message.get_all(header, [])])]
    except (ValueError, TypeError, LookupError, IndexError, AttributeError):
        named = []
    ours = [address for address in named if accepts_recipient(settings, address)]
    return ours or sorted(settings.addresses)[:1]


def return_path(raw: bytes) -> str:
    """The envelope sender a mailbox kept (Return-Path; "" for a bounce's <>), else From's address."""
    try:
        message = message_from_bytes(raw, policy=policy.compat32)
        kept = message.get("Return-Path")
        if kept is not None:
            return parseaddr(str(kept))[1]
        return parseaddr(str(message.get("From") or ""))[1]
    except (ValueError, TypeError, LookupError, IndexError, AttributeError):
        return ""


def _refused(reply: str) -> MailOutcome:
    return MailOutcome("refused", reply)


def receive_mail(session, raw: bytes, envelope_from: str, recipients: list[str],
                 settings: MailSettings) -> MailOutcome:
    """File one received mail as a 137 message (or ignore or refuse it); flushes only."""
    ours = [address for address in recipients if accepts_recipient(settings, address)]
    if not ours:
        return _refused("550 5.1.1 No such mailbox here")
    try:
        message = message_from_bytes(raw, policy=policy.default)
        key = _message_key(message, raw)
        sender_name, sender = _sender(message)
    except (ValueError, TypeError, LookupError, IndexError, AttributeError):
        return _refused("550 5.6.0 The message could not be read")
    if session.scalar(select(InboundMail.id).where(InboundMail.message_key == key)) is not None:
        return MailOutcome("duplicate", "250 2.0.0 Already received")
    token = key_ring_of(session).search_token("mail:" + (sender or str(envelope_from or "")).lower())
    if _is_automatic(message, envelope_from, sender, settings):
        _record(session, key, token, "ignored")
        return MailOutcome("ignored", "250 2.0.0 Automatic message ignored")
    if sender is None:
        return _refused("550 5.1.7 The sender's address is not valid")
    if _recent_count(session, token, settings) >= settings.sender_limit:
        return _refused("550 5.7.1 Too many messages from this sender: try again later")
    try:
        description, address = _text_of(message)
        files, refused = _attachments(session, message, settings)
    except (ValueError, TypeError, LookupError, IndexError, AttributeError, UnicodeError):
        return _refused("550 5.6.0 The message could not be read")
    if refused:
        notes = "\n".join(f"[پیوست پذیرفته نشد: {item['name']}]" for item in refused)
        description = f"{description[:DESCRIPTION_MAX_CHARS - len(notes) - 2]}\n\n{notes}"
    row = InboundMail(message_key=key, sender_token=token, outcome="filed", received_at=utcnow(),
                      refused_attachments=refused or None)
    # Two deliveries of one mail at once: the second breaks the unique key and files nothing.
    if write_once(session, lambda: (session.add(row), session.flush()), default=False) is False:
        return MailOutcome("duplicate", "250 2.0.0 Already received")
    fields = {"service_code": settings.service_code, "description": description,
              "address": address, "contact_name": sender_name, "contact_email": sender}
    try:
        request, _key = file_request(session, fields, _district_code(session, ours, settings),
                                     channel=CHANNEL)
    except InvalidData as exc:
        wrong = ", ".join(sorted((exc.details or {}).keys())) or "request"
        return _refused(f"550 5.6.0 The message cannot be filed ({wrong})")
    actor = portal_actor(session)
    for name, data, content_type in files:
        add_attachment(session, request.instance, None, ATTACHMENT_FIELD, name, data, content_type, actor)
    row.instance_id = request.instance_id
    session.flush()
    return MailOutcome("filed", f"250 2.0.0 Filed as {request.tracking_code}", request.tracking_code,
                       request.instance_id, refused)


def _record(session, key: str, token: str, outcome: str) -> None:
    row = InboundMail(message_key=key, sender_token=token, outcome=outcome, received_at=utcnow())
    write_once(session, lambda: (session.add(row), session.flush()))


def _message_key(message, raw: bytes) -> str:
    """The mail's Message-ID; a mail without one is known by its bytes' SHA-256."""
    given = _CONTROL.sub("", str(message.get("Message-ID") or "")).strip()
    if given and len(given) <= MESSAGE_KEY_MAX_CHARS:
        return given
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _sender(message) -> tuple[str | None, str | None]:
    """(display name, address) of From; the address None when it is not a valid one."""
    header = message.get("From")
    pairs = getaddresses([str(header)]) if header is not None else []
    name, address = pairs[0] if pairs else parseaddr("")
    address = address.strip()
    name = _CONTROL.sub("", name).strip()[:NAME_MAX_CHARS] or None
    return name, address if _EMAIL.match(address) else None


def _is_automatic(message, envelope_from, sender, settings: MailSettings) -> bool:
    """Auto-replies, bounces, mailing lists and our own mail: never answered (no loops)."""
    if not str(envelope_from or "").strip("<> "):
        return True  # a bounce's null sender (RFC 5321 4.5.5)
    if str(message.get("Auto-Submitted") or "no").strip().lower() != "no":
        return True  # RFC 3834
    if str(message.get("Precedence") or "").strip().lower() in _PRECEDENCE_IGNORED:
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond") or message.get("List-Id"):
        return True
    if message.get_content_type() == "multipart/report":
        return True  # a delivery status notification
    return sender is not None and split_recipient(sender)[0] in settings.addresses


def _recent_count(session, token: str, settings: MailSettings) -> int:
    since = utcnow() - timedelta(seconds=settings.window_seconds)
    return session.scalar(select(func.count(InboundMail.id)).where(
        InboundMail.sender_token == token, InboundMail.outcome == "filed",
        InboundMail.received_at >= since)) or 0


def _text_of(message) -> tuple[str, str]:
    """(description: subject and body, address) of a mail, control characters removed."""
    subject = _CONTROL.sub("", str(message.get("Subject") or "")).strip()
    part = message.get_body(preferencelist=("plain", "html"))
    body = ""
    if part is not None:
        body = _content(part)
        if part.get_content_type() == "text/html":
            body = html_to_text(body)
    body = re.sub(r"\n{3,}", "\n\n", _CONTROL.sub("", body.replace("\r\n", "\n"))).strip()
    found = _ADDRESS_LINE.search(body)
    address = found.group(1).strip()[:ADDRESS_MAX_CHARS] if found else NO_ADDRESS
    text = "\n\n".join(piece for piece in (subject, body) if piece)
    return text[:DESCRIPTION_MAX_CHARS], address


def _content(part) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, ValueError):
        # An unknown or lying charset: the bytes as UTF-8, what cannot be read replaced.
        return (part.get_payload(decode=True) or b"").decode("utf-8", errors="replace")


def _attachments(session, message, settings: MailSettings) -> tuple[list, list]:
    """([(name, bytes, type)] to keep, [{"name", "reason"}] refused) of a mail's attachments."""
    keep, refused = [], []
    if not message.is_multipart():
        return keep, refused
    store = store_of(session)
    for part in message.iter_attachments():
        if part.is_multipart():
            continue  # a forwarded mail's structure: its text is not a citizen's file
        name = _CONTROL.sub("", str(part.get_filename() or "attachment")).strip()[:200] or "attachment"
        if len(keep) >= settings.max_attachments:
            refused.append({"name": name, "reason": "count"})
            continue
        data = part.get_payload(decode=True) or b""
        try:
            keep.append((name, data, check_upload(store, data)))
        except UploadRefused as exc:
            refused.append({"name": name, "reason": exc.reason})
    return keep, refused


class _TextOfHtml(HTMLParser):
    """Plain text of HTML: the visible text, a line break at each block, scripts and styles dropped."""

    _BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table",
               "ul", "ol", "blockquote", "pre", "hr"}
    _HIDDEN = {"script", "style", "head", "title", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BLOCKS:
            self.pieces.append("\n")

    def handle_endtag(self, tag):
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCKS:
            self.pieces.append("\n")

    def handle_data(self, data):
        if not self._hidden:
            self.pieces.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML body (no markup survives: it is shown as text anyway)."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    text = unescape("".join(parser.pieces)).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _district_code(session, recipients: list[str], settings: MailSettings) -> str:
    """The district a recipient's tag names (when it exists), else the default setting."""
    for address in recipients:
        tag = split_recipient(address)[1]
        code = tag and session.scalar(select(District.code).where(func.lower(District.code) == tag))
        if code:
            return code
    return settings.default_district
