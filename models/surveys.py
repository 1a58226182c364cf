"""Public survey links and the answers of opinion polls.

Where answers live. A filled citizen survey (F-__-0-2-01) or visitor survey (F-__-0-2-02) is
a quality record of the register, whichever way it came in: typed from paper by staff (a
task produced it) or sent by a citizen through the public link (no task, no user). So those
stay QualityRecord rows, with their retention and disposal, and nothing is stored twice. The
per-respondent answers of an opinion poll are not in the register (F-04..F-06 are the plan,
the summary table and the report), so they get this small table of their own, with the same
shape and an explicit channel. The summaries (programmes/surveys/answers.py) read both.

An opinion poll asks the questions of its plan (F-04): each plan round that changes them makes
a new PollQuestionnaire version of the instance, and each poll answer keeps the version it
answered. A survey's public link takes one answer per personal token (SurveyTokenUse).
"""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .workflow import Instance

CHANNELS = ("paper", "public")


class SurveyLink(Base):
    """The unguessable public address of one form of one survey or poll instance."""
    __tablename__ = "survey_links"
    __table_args__ = (UniqueConstraint("instance_id", "form_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"))
    form_key: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The server's secret that signs the link's personal tokens (never shown; made when the
    # first personal link is asked for).
    signing_key: Mapped[str | None] = mapped_column(String(64))

    instance: Mapped[Instance] = relationship()


class SurveyAnswer(Base):
    """One respondent's answers to a questionnaire that is not a register record (poll answers)."""
    __tablename__ = "survey_answers"
    __table_args__ = (Index("ix_survey_answers_instance_form", "instance_id", "form_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"))
    form_key: Mapped[str] = mapped_column(String(120))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    channel: Mapped[str] = mapped_column(String(16))  # paper | public
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The version of the instance's questionnaire (PollQuestionnaire) this answer answered.
    questionnaire_version: Mapped[int | None] = mapped_column(Integer)


class PollQuestionnaire(Base):
    """One version of an opinion poll's questionnaire: the form-js schema made from its plan."""
    __tablename__ = "poll_questionnaires"
    __table_args__ = (UniqueConstraint("instance_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"))
    version: Mapped[int] = mapped_column(Integer)
    questions: Mapped[list] = mapped_column(JSON, default=list)  # the plan's rows, as typed
    schema: Mapped[dict] = mapped_column(JSON, default=dict)
    content_sha256: Mapped[str] = mapped_column(String(64))
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SurveyTokenUse(Base):
    """A personal token of a public link that was answered with: a second answer is refused."""
    __tablename__ = "survey_token_uses"
    __table_args__ = (UniqueConstraint("link_id", "nonce"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("survey_links.id"))
    nonce: Mapped[str] = mapped_column(String(32))
    used_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
