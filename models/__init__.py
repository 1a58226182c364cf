"""SQLAlchemy models for every table; import from here."""
from .api_keys import ApiKey
from .boundaries import DistrictBoundary
from .audit import ChainDigest, DisposalProposal, LegalHoldChange, OperatorEvent, RecordDisposal
from .base import Base, make_engine, make_session_factory, utcnow
from .cache_versions import CacheVersion
from .calendar import CalendarDay
from .channels import MessageChannel
from .intake import BotConversation, InboundMessage
from .connectors import Connector, ServiceCall
from .documents import Attachment
from .drafts import DraftAmendment, DraftComment, DraftRegulation, DraftSection
from .forms import FormVersion
from .inbound import InboundMail, InboundPartner, InboundPartnerMessage
from .letters import Letter, LetterCounter
from .login_throttle import LoginFailure
from .citizen import CitizenRequest
from .decisions import DecisionPin, DecisionVersion
from .people import ApiToken, District, Role, RoleGrant, Substitution, Unit, UnitCategory, User
from .migration_jobs import MigrationJob
from .mardom_salam import MardomSalamCouncil, MardomSalamMeeting, MardomSalamRequest
from .notifications import OutboxMessage
from .records import QualityRecord
from .shredding import CaseKey
from .staff_notifications import InboxVisit, NotificationPreference, StaffNotification
from .surveys import PollQuestionnaire, SurveyAnswer, SurveyLink, SurveyTokenUse
from .studio import ProcessDraft
from .workflow import Event, HumanTask, Instance, ProcessVersion, Timer
from .webhooks import WebhookDelivery, WebhookSubscription

__all__ = ["ApiKey", "Attachment", "Letter", "LetterCounter", "LoginFailure", "MardomSalamCouncil", "MardomSalamMeeting", "MardomSalamRequest", "DraftAmendment", "DraftComment", "DraftRegulation", "DraftSection", "FormVersion", "ProcessDraft", "CaseKey", "ChainDigest", "DisposalProposal", "LegalHoldChange", "OperatorEvent", "RecordDisposal", "Base", "make_engine", "make_session_factory", "utcnow", "CalendarDay", "CitizenRequest", "DistrictBoundary", "ApiToken",
           "District", "Role", "RoleGrant", "Substitution", "Unit", "UnitCategory", "User", "OutboxMessage", "QualityRecord", "PollQuestionnaire", "SurveyAnswer", "SurveyLink", "SurveyTokenUse", "Event",
           "HumanTask", "Instance", "ProcessVersion", "Timer",
           "InboxVisit", "NotificationPreference", "StaffNotification", "MessageChannel", "MigrationJob", "CacheVersion", "BotConversation", "InboundMessage", "WebhookDelivery", "WebhookSubscription",
           "Connector", "ServiceCall", "DecisionPin", "DecisionVersion"]
