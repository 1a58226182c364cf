"""Notification test set-up: a real SMTP server (aiosmtpd) and a real HTTP SMS endpoint
(http.server), both on loopback ports of their own, and a stopped clock."""
import pytest

from models import clock
from notification_support import START, SmsEndpoint, SmtpServer


@pytest.fixture
def smtp_server():
    """A running SMTP server on 127.0.0.1."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stopped_smtp_server():
    """An SMTP server that is down until the test calls start()."""
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def sms_endpoint():
    endpoint = SmsEndpoint()
    yield endpoint
    endpoint.close()


@pytest.fixture
def frozen_clock():
    """The clock stopped at START (the root conftest puts it back on real time afterwards)."""
    clock.set_now(START)
    return clock


@pytest.fixture
def sessions(app):
    """The app's session factory, as the scheduler gets it."""
    return app.extensions["db_sessions"]
