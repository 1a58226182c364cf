"""Districts, users, roles, units, role grants (memberships), substitutes and API tokens."""
from datetime import datetime

from sqlalchemy import (Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, delete,
                        event, text)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Base, utcnow


class District(Base):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_fa: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8), default="fa")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Part of the id a login session carries (get_id): moving it on ends every session signed
    # before. Logging out moves it (people.accounts.end_sessions); so do a new password and
    # deactivation (the listeners below), whatever code makes them.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin")
    # The absences this user stands in for (people.access offers them those people's tasks).
    standing_in_for: Mapped[list["Substitution"]] = relationship(
        primaryjoin="User.id == foreign(Substitution.substitute_id)", viewonly=True, lazy="select")

    # Flask-Login protocol, kept here so the web layer needs no wrapper class.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # "id:version": a session cookie names the version it was given with (app/extensions.py).
        return f"{self.id}:{self.session_version or 0}"

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


@event.listens_for(User.password_hash, "set", active_history=True)
def _password_changed(user, value, previous, _initiator):
    # A user's first hash (a new row) ends nothing; a changed one ends every session and token.
    if isinstance(previous, str) and value != previous:
        _end_access(user)


@event.listens_for(User.is_active, "set", active_history=True)
def _deactivated(user, value, previous, _initiator):
    if previous is True and not value:
        _end_access(user)


def _end_access(user: User) -> None:
    """Every login session ends now; the API tokens go at the next flush (_drop_api_tokens)."""
    user.session_version = (user.session_version or 0) + 1
    user.__dict__["_drop_api_tokens"] = True


@event.listens_for(Session, "before_flush")
def _drop_api_tokens(session, _flush_context, _instances) -> None:
    """Delete the API tokens of users whose password changed or who were deactivated: a token
    taken with an old password, or revived by reactivation, must not work."""
    for user in list(session.dirty):
        if isinstance(user, User) and user.__dict__.pop("_drop_api_tokens", False):
            session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


def _in_force(valid_from, valid_until, now: datetime) -> bool:
    return (valid_from is None or valid_from <= now) and (valid_until is None or now < valid_until)


class Role(Base):
    """A role lanes and grants name: the built-in ones (people/roles.py, seeded) and those an
    administrator added; city_wide: normally granted for the whole city."""
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title_fa: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    city_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    built_in: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Unit(Base):
    """An organisational unit: a tree per district (district -> deputy's office -> department)
    and one for the city (district_id NULL), with its head and the 137 categories it answers."""
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title_fa: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    head_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    parent: Mapped["Unit | None"] = relationship(remote_side=[id], lazy="select")
    district: Mapped[District | None] = relationship(lazy="joined")
    head: Mapped[User | None] = relationship(lazy="select")
    category_rows: Mapped[list["UnitCategory"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UnitCategory.category")

    @property
    def categories(self) -> list[str]:
        return [row.category for row in self.category_rows]


class UnitCategory(Base):
    """One 137 category a unit answers; indexed by (category, unit) so "the units of district D
    answering C" is one indexed join (people.organisation.units_answering)."""
    __tablename__ = "unit_categories"
    __table_args__ = (Index("ix_unit_categories_category_unit", "category", "unit_id"),)

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(60), primary_key=True)


class RoleGrant(Base):
    """A role held by a user (a membership): in a unit (and so its district), in a district,
    or city-wide when district_id and unit_id are NULL; valid from/until (NULL = open)."""
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "district_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(40), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[datetime | None] = mapped_column(DateTime)
    valid_until: Mapped[datetime | None] = mapped_column(DateTime)  # exclusive
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants")
    district: Mapped[District | None] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="select")

    def in_force(self, now: datetime) -> bool:
        """True if the grant holds at now (naive UTC)."""
        return _in_force(self.valid_from, self.valid_until, now)


class Substitution(Base):
    """A user's substitute for a period (leave): the substitute is offered the user's tasks."""
    __tablename__ = "substitutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    substitute_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[datetime] = mapped_column(DateTime)
    valid_until: Mapped[datetime] = mapped_column(DateTime)  # exclusive
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    substitute: Mapped[User] = relationship(foreign_keys=[substitute_id], lazy="joined")

    def in_force(self, now: datetime) -> bool:
        """True if the substitution runs at now (naive UTC)."""
        return _in_force(self.valid_from, self.valid_until, now)


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)

    user: Mapped[User] = relationship(lazy="joined")
