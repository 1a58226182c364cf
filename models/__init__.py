"""SQLAlchemy models for every table; import from here."""
from .base import Base, make_engine, make_session_factory, utcnow
from .people import ApiToken, District, RoleGrant, User
from .records import QualityRecord
from .workflow import Event, HumanTask, Instance, ProcessVersion, Timer

__all__ = ["Base", "make_engine", "make_session_factory", "utcnow", "ApiToken", "District",
           "RoleGrant", "User", "QualityRecord", "Event", "HumanTask", "Instance",
           "ProcessVersion", "Timer"]
