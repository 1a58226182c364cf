"""One login attempt, as the login page and the API's token endpoint make it: throttled per
account and address (people/throttle.py), local password first, then the city's directory."""
from dataclasses import dataclass
from math import ceil

from flask import current_app, request
from flask_babel import gettext as _

from models import User
from people.accounts import authenticate, find_user
from people.directory import Directory, directory_accepts
from people.passwords import PasswordPolicy
from people.throttle import ThrottlePolicy, login_wait_seconds, record_login_failure, record_login_success

from ..i18n import localize_digits


@dataclass(frozen=True)
class Attempt:
    """The user logged in (None: refused), and the seconds before the next attempt may come;
    refused_unchecked: the attempt came while waiting, so no password was checked."""

    user: User | None
    wait_seconds: int = 0
    refused_unchecked: bool = False


def throttle_policy(config) -> ThrottlePolicy:
    """The login throttling settings of this app."""
    return ThrottlePolicy(config["LOGIN_ACCOUNT_FREE_FAILURES"], config["LOGIN_ADDRESS_FREE_FAILURES"],
                          config["LOGIN_MAX_WAIT_SECONDS"], config["LOGIN_FORGET_AFTER_SECONDS"])


def password_policy(config=None) -> PasswordPolicy:
    """The city's policy for passwords people choose (settings PASSWORD_*)."""
    config = config if config is not None else current_app.config
    return PasswordPolicy(config["PASSWORD_MIN_LENGTH"], config["PASSWORD_MIN_SCORE"])


def directory(config) -> Directory | None:
    """The LDAP / Active Directory to log in against, or None (LDAP_URL empty)."""
    if not config["LDAP_URL"].strip() or not config["LDAP_BIND_TEMPLATE"].strip():
        return None
    return Directory(config["LDAP_URL"].strip(), config["LDAP_BIND_TEMPLATE"].strip(),
                     config["LDAP_TIMEOUT_SECONDS"], config["LDAP_START_TLS"])


def attempt_login(session, username: str, password: str) -> Attempt:
    """Check the credentials unless this account or address must wait; count the outcome.

    Commits a failure at once: the refusal's 4xx makes the request's boundary roll back,
    and the failure must stay counted."""
    address = request.remote_addr  # the client's, behind TRUSTED_PROXIES proxies (ProxyFix)
    wait = login_wait_seconds(session, username, address)
    if wait:
        return Attempt(None, wait, refused_unchecked=True)
    user = authenticate(session, username, password) or _directory_user(session, username, password)
    if user is None:
        wait = record_login_failure(session, username, address, throttle_policy(current_app.config))
        session.commit()
        return Attempt(None, wait)
    record_login_success(session, username)
    return Attempt(user)


def _directory_user(session, username: str, password: str) -> User | None:
    """The active local user the city's directory vouches for, or None."""
    found = directory(current_app.config)
    if found is None or not directory_accepts(found, username, password):
        return None
    user = find_user(session, username)
    return user if user is not None and user.is_active else None


def wait_notice(seconds: int) -> str:
    """The login page's notice while an account or address must wait, in the page's language."""
    if seconds >= 120:
        return _("Too many failed logins. Try again in %(minutes)s minutes.",
                 minutes=localize_digits(ceil(seconds / 60)))
    return _("Too many failed logins. Try again in %(seconds)s seconds.",
             seconds=localize_digits(seconds))
