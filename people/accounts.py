"""Users, passwords (argon2), role grants and API tokens."""
import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from models import ApiToken, District, RoleGrant, User, utcnow

from .catalogue import roles_of
from .passwords import BASIC_POLICY, PasswordPolicy, check_password

_hasher = PasswordHasher()
# Verifying against a dummy hash keeps unknown usernames as slow as wrong passwords.
_DUMMY_HASH = _hasher.hash("not a password")


class AccountError(ValueError):
    """A user or grant request that cannot be carried out (message says why)."""


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def create_user(session, username: str, password: str, full_name: str = "",
                email: str | None = None, phone: str | None = None,
                password_hash: str | None = None, policy: PasswordPolicy = BASIC_POLICY) -> User:
    """Create a user; AccountError if the name is taken, WeakPassword if the policy refuses
    the password (the basic one unless a person chose it: pass the city's)."""
    username = username.strip()
    if not username or len(username) > 80:
        raise AccountError("A username of 1 to 80 characters is required.")
    check_password(password, username, policy)
    # A caller creating many users with one password may pass its hash, made once:
    # argon2 is slow on purpose.
    password_hash = password_hash or hash_password(password)
    if session.scalars(select(User).where(User.username == username)).first():
        raise AccountError(f"The username {username!r} is taken.")
    user = User(username=username, password_hash=password_hash, full_name=full_name,
                email=email, phone=phone)
    session.add(user)
    session.flush()
    return user


def set_password(session, user: User, password: str, policy: PasswordPolicy) -> None:
    """Give the user a new password the policy allows (WeakPassword otherwise)."""
    check_password(password, user.username, policy)
    user.password_hash = hash_password(password)
    session.flush()


def service_account(session, username: str, full_name: str) -> User:
    """An account the system acts as (portal, scheduler): no password, inactive, so no login."""
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        # "!" can never be an argon2 hash, so no password matches it; inactive keeps it out anyway.
        user = User(username=username, password_hash="!", full_name=full_name, is_active=False)
        session.add(user)
        session.flush()
    return user


def find_user(session, username: str) -> User | None:
    """The user with this username, or None."""
    return session.scalars(select(User).where(User.username == username)).first()


def find_district(session, code: str) -> District | None:
    """The district with this code, or None."""
    return session.scalars(select(District).where(District.code == code)).first()


def authenticate(session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = find_user(session, username or "")
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def end_sessions(session, user: User) -> None:
    """End every login session of the user (logging out: the cookies they carry stop working)."""
    user.session_version = (user.session_version or 0) + 1
    session.flush()


def deactivate_user(session, user: User) -> None:
    """Stop the user logging in: their sessions end and their API tokens go (models.people)."""
    user.is_active = False
    session.flush()


def grant_role(session, user: User, role: str, district: District | None, unit=None,
               valid_from=None, valid_until=None) -> RoleGrant:
    """Grant a role in a unit (and so its district), a district, or city-wide (both None),
    valid from/until (naive UTC, None = open); granting it again there sets the dates."""
    if not roles_of(session).is_role(role):
        raise AccountError(f"Unknown role {role!r}.")
    if unit is not None:
        district = unit.district
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        raise AccountError("The end of a membership must come after its start.")
    district_id, unit_id = (district.id if district else None), (unit.id if unit else None)
    for grant in user.grants:
        if grant.role == role and grant.district_id == district_id and grant.unit_id == unit_id:
            grant.valid_from, grant.valid_until = valid_from, valid_until
            session.flush()
            return grant
    grant = RoleGrant(user=user, role=role, district=district, unit=unit,
                      valid_from=valid_from, valid_until=valid_until)
    session.add(grant)
    session.flush()
    return grant


def revoke_grant(session, grant_id: int, user: User | None = None) -> RoleGrant | None:
    """Remove one grant (a membership); None if there is no such grant."""
    grant = session.get(RoleGrant, grant_id)
    if grant is None:
        return None
    grant.user.grants.remove(grant)
    session.flush()
    return grant


def issue_api_token(session, user: User, lifetime_hours: float = 12) -> str:
    """A new bearer token for the JSON API; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_sha256=hashlib.sha256(token.encode()).hexdigest(),
                         expires_at=utcnow() + timedelta(hours=lifetime_hours)))
    session.flush()
    return token


# Built once: building a statement with loader options costs more than running it.
_TOKEN_QUERY = (select(ApiToken).options(joinedload(ApiToken.user).joinedload(User.grants))
                .where(ApiToken.token_sha256 == bindparam("token_sha256")))


def user_for_token(session, token: str) -> User | None:
    """The active user owning an unexpired token, or None.

    One query: the token, its user and the user's role grants (with their districts), joined;
    every API request checks access with the grants.
    """
    found = token_holder(session, token)
    return found[0] if found is not None and found[1] >= utcnow() else None


def token_holder(session, token: str) -> tuple[User, object] | None:
    """(the active user owning the token, the token's expiry: naive UTC), or None; one query."""
    row = session.scalars(_TOKEN_QUERY, {"token_sha256": hashlib.sha256(token.encode()).hexdigest()}
                          ).unique().first()
    if row is None or not row.user.is_active:
        return None
    return row.user, row.expires_at
