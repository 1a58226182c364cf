"""`flask mail-in serve`: the mail-in role, an LMTP listener the city's mail server delivers the
137 centre's mail to (docs/DEPLOYMENT.md); each mail is one transaction
(programmes/intake/mail.py), committed before the LMTP answer, so an accepted mail is kept.
`flask mail-in poll`: or a mailbox read over IMAP (MAIL_IN_IMAP_*), its unseen mails filed the
same way and marked seen, unless the failure was temporary (they are read again next time).

One recipient per delivery (a second RCPT is deferred with 452, and the MTA delivers it in a
session of its own), so the single reply to DATA is the answer for that recipient, as LMTP wants.
"""
import asyncio
import imaplib
import logging
import signal
import threading

import click
from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from flask import current_app
from flask.cli import AppGroup

from programmes.intake.mail import (MailSettings, accepts_recipient, mailbox_recipients,
                                    receive_mail, return_path)

log = logging.getLogger(__name__)

mail_in_cli = AppGroup("mail-in", help="Take the 137 centre's e-mail (LMTP listener).")


class MailInHandler:
    """aiosmtpd handler: refuse other addresses at RCPT, file each mail at DATA."""

    def __init__(self, app):
        self.app = app
        self.settings = MailSettings.from_config(app.config)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # aiosmtpd hook
        if not accepts_recipient(self.settings, address):
            return f"550 5.1.1 <{address}>: no such mailbox here"
        if envelope.rcpt_tos:
            return "452 4.5.3 One recipient per delivery"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd hook
        raw = envelope.original_content or envelope.content
        # The database work blocks: off the event loop, so other connections are served.
        return await asyncio.get_running_loop().run_in_executor(
            None, self.deliver, raw, envelope.mail_from, list(envelope.rcpt_tos))

    def deliver(self, raw: bytes, mail_from: str, recipients: list[str]) -> str:
        """File one mail in a transaction of its own; the LMTP answer."""
        session = self.app.extensions["db_sessions"]()
        try:
            outcome = receive_mail(session, raw, mail_from, recipients, self.settings)
            if outcome.kept:
                session.commit()
            else:
                session.rollback()
            log.info("mail-in: %s (%s)", outcome.status, outcome.tracking_code or outcome.reply)
            return outcome.reply
        except Exception:  # noqa: BLE001 - the listener stays up; the MTA retries later
            session.rollback()
            log.exception("mail-in: a mail could not be filed")
            return "451 4.3.0 Temporary failure: try again later"
        finally:
            session.close()


class _LmtpController(Controller):
    def factory(self):
        return LMTP(self.handler, **self.SMTP_kwargs)


def start_listener(app, host: str, port: int) -> Controller:
    """The LMTP listener running in a thread of its own; stop() it when done."""
    controller = _LmtpController(MailInHandler(app), hostname=host, port=port,
                                 data_size_limit=int(app.config["MAIL_IN_MAX_BYTES"]))
    controller.start()
    return controller


@mail_in_cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8024, show_default=True, type=int, help="Port to listen on.")
def mail_in_serve(host, port):
    """Listen for LMTP deliveries until stopped (SIGTERM or Ctrl-C)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    controller = start_listener(current_app._get_current_object(), host, port)
    click.echo(f"mail-in: listening for LMTP on {host}:{port} (stop with SIGTERM or Ctrl-C)")
    try:
        stop.wait()
    finally:
        controller.stop()
    click.echo("mail-in: stopped")


def poll_mailbox(app) -> int:
    """File every unseen mail of the IMAP mailbox once; how many were read."""
    config = app.config
    handler = MailInHandler(app)
    connect = imaplib.IMAP4_SSL if config["MAIL_IN_IMAP_SSL"] else imaplib.IMAP4
    client = connect(config["MAIL_IN_IMAP_HOST"], int(config["MAIL_IN_IMAP_PORT"]))
    read = 0
    try:
        client.login(config["MAIL_IN_IMAP_USERNAME"], config["MAIL_IN_IMAP_PASSWORD"])
        client.select(config["MAIL_IN_IMAP_FOLDER"])
        _status, found = client.uid("SEARCH", None, "UNSEEN")
        for uid in (found[0] or b"").split():
            _status, fetched = client.uid("FETCH", uid, "(RFC822)")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), None)
            if raw is None:
                continue
            # No envelope over IMAP: the recipient and the sender come from the headers.
            reply = handler.deliver(raw, return_path(raw), mailbox_recipients(raw, handler.settings))
            read += 1
            if not reply.startswith("4"):  # a temporary failure is read again next time
                client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    return read


@mail_in_cli.command("poll")
@click.option("--once", is_flag=True, help="Read the mailbox once and stop.")
def mail_in_poll(once):
    """Read the IMAP mailbox (MAIL_IN_IMAP_*) every MAIL_IN_IMAP_POLL_SECONDS until stopped."""
    app = current_app._get_current_object()
    if not app.config["MAIL_IN_IMAP_HOST"]:
        raise click.ClickException("MAIL_IN_IMAP_HOST is not set.")
    if once:
        click.echo(f"mail-in: read {poll_mailbox(app)} mail(s)")
        return
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.is_set():
        try:
            poll_mailbox(app)
        except (imaplib.IMAP4.error, OSError):
            log.exception("mail-in: the mailbox could not be read; trying again later")
        stop.wait(float(app.config["MAIL_IN_IMAP_POLL_SECONDS"]))
