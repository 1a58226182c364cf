"""Logging in against the city's LDAP / Active Directory: a simple bind as the user.

Only who someone is comes from the directory; what they may do stays in this system's role
grants, so a directory login is accepted only for an active local user of the same username.
"""
import re
from dataclasses import dataclass

import ldap3
from ldap3.core.exceptions import LDAPException

# The usernames put into a bind DN: anything else could change the DN (injection) or is not a
# username at all. LDAP-special characters (, = + < > # ; \ ") are all outside this set.
_SAFE_USERNAME = re.compile(r"^[A-Za-z0-9._-]{1,80}$")
# SYNC against a real server; tests replace it with ldap3.MOCK_SYNC and their own server.
CLIENT_STRATEGY = ldap3.SYNC


@dataclass(frozen=True)
class Directory:
    """Where the directory is (ldap:// or ldaps://) and how a username becomes the bind name:
    "uid={username},ou=people,dc=qom,dc=ir" (LDAP) or "{username}@city.local" (AD)."""

    url: str
    bind_template: str
    timeout_seconds: float = 5.0
    start_tls: bool = False


def make_server(directory: Directory):
    """The ldap3 Server of the directory (tests put a mock one in its place)."""
    return ldap3.Server(directory.url, connect_timeout=directory.timeout_seconds)


def directory_accepts(directory: Directory, username: str, password: str) -> bool:
    """Whether the directory accepts this username and password (a bind as the user)."""
    # An empty password would be an unauthenticated bind, which many servers accept.
    if not password or not _SAFE_USERNAME.match(username or ""):
        return False
    try:
        connection = ldap3.Connection(make_server(directory), user=directory.bind_template.format(username=username),
                                      password=password, client_strategy=CLIENT_STRATEGY,
                                      receive_timeout=directory.timeout_seconds, raise_exceptions=False)
        if directory.start_tls and not connection.start_tls():
            return False
        accepted = bool(connection.bind())
        connection.unbind()
        return accepted
    except LDAPException:  # unreachable, refused, timed out: no login through it
        return False
