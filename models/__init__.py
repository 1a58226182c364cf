"""SQLAlchemy models for every table; import from here."""
from .base import Base, make_engine, make_session_factory, utcnow
from .calendar import CalendarDay
from .people import ApiToken, District, RoleGrant, User
from .records import QualityRecord
from .surveys import SurveyAnswer, SurveyLink
from .workflow import Event, HumanTask, Instance, ProcessVersion, Timer

__all__ = ["Base", "make_engine", "make_session_factory", "utcnow", "CalendarDay", "ApiToken",
           "District", "RoleGrant", "User", "QualityRecord", "SurveyAnswer", "SurveyLink", "Event",
           "HumanTask", "Instance", "ProcessVersion", "Timer"]
