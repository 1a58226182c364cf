"""Process versions, instances, the open-task index, waiting timers and the event log.

The task index and the timer table are written in the same transaction as the
instance state, so inboxes and the scheduler never need to deserialize a workflow.
"""
from datetime import datetime

from sqlalchemy import (JSON, Boolean, Computed, DateTime, ForeignKey, Index, Integer, String, Text, false,
                        text, UniqueConstraint)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import District, User


class ProcessVersion(Base):
    """One immutable deployed version of a BPMN file, identified by its content hash."""
    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("process_key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    content_sha256: Mapped[str] = mapped_column(String(64))
    # Deferred: versions are joined into every instance and task query; only deploy, the
    # diagram download and a cold spec cache (engine.spiff.workflows.specs_for) read the XML.
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    filename: Mapped[str | None] = mapped_column(String(300))
    # lane name -> role code, and user-task id -> form key, worked out at deploy
    lanes: Mapped[dict] = mapped_column(JSON, default=dict)
    forms: Mapped[dict] = mapped_column(JSON, default=dict)
    deployed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    deployed_by: Mapped[User | None] = relationship()


class Instance(Base):
    __tablename__ = "instances"
    # The messages of a process received in a period (programmes.messages137.scores), with their
    # district, closure and id from the index alone (programmes.oversight.dashboard). Migration
    # 0021 put it in place of 0006's (process_key, started_at), a prefix of it.
    __table_args__ = (Index("ix_instances_process_started_outcome", "process_key", "started_at",
                            "district_id", "completed_at", "id"),
                      # Finding instances (migration 0035): the words, and the periods.
                      Index("ix_instances_search_vector", "search_vector", postgresql_using="gin"),
                      Index("ix_instances_started_at", "started_at"),
                      Index("ix_instances_completed_at", "completed_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(120), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    # running|completed|error|suspended|cancelled (engine.runtime.incidents)
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    tracking_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    # Deferred: the stored workflow (KBs) only the engine reads; it undefers it where it loads one.
    state_json: Mapped[str] = mapped_column(Text, deferred=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    error_message: Mapped[str | None] = mapped_column(Text)  # English, as the engine raised it
    # The incident (migration 0033): the element that failed (BPMN id and name), when it last
    # failed and how many times in a row (retries that failed again count; a success resets).
    failed_element: Mapped[str | None] = mapped_column(String(200))
    failed_element_name: Mapped[str | None] = mapped_column(String(300))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)
    failure_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)
    # Head of the event hash chain (engine.events.append_event), so appending needs no query;
    # NULL: not known (a row written outside the engine), looked up from the events table.
    last_event_seq: Mapped[int | None] = mapped_column(Integer)
    last_event_sha256: Mapped[str | None] = mapped_column(String(64))
    # Rows of this instance in timers with status "waiting" (engine.runtime.steps._sync_timers
    # skips its query at 0); NULL: not known.
    waiting_timer_count: Mapped[int | None] = mapped_column(Integer)
    # A complaint about staff: seen only by inspection and the auditor (permission
    # view_confidential_cases) and whoever may act on one of its open tasks (people.access).
    confidential: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                               server_default=false())
    # What the instance is found by (engine.runtime.search_index, written at every step;
    # migration 0035): normalised words, personal values only as keyed tokens; deferred, as only
    # searches read it. PostgreSQL also keeps search_vector, its tsvector ('simple'), GIN-indexed.
    search_text: Mapped[str | None] = mapped_column(Text, deferred=True)
    search_vector = mapped_column(
        TSVECTOR().with_variant(Text(), "sqlite"),
        Computed("to_tsvector('simple'::regconfig, coalesce(search_text, ''))", persisted=True),
        deferred=True)
    # The channel and category it came by (its data's; a complaint's category is its type).
    channel: Mapped[str | None] = mapped_column(String(40), index=True)
    category: Mapped[str | None] = mapped_column(String(60), index=True)

    # Optimistic locking: an UPDATE carries "WHERE row_version = <read value>". It also guards
    # the event chain: two transactions appending to one instance both update this row.
    # eager_defaults off: an INSERT does not return the generated search_vector (nobody reads it).
    __mapper_args__ = {"version_id_col": row_version, "eager_defaults": False}

    version: Mapped[ProcessVersion] = relationship(lazy="joined")
    district: Mapped[District] = relationship(lazy="joined")
    started_by: Mapped[User | None] = relationship()


class HumanTask(Base):
    """Index row of a user/manual task, open or done; the inbox reads only this table."""
    __tablename__ = "human_tasks"
    __table_args__ = (
        UniqueConstraint("instance_id", "spiff_task_id"),
        # Partial indexes over ready tasks, one per way a task reaches an inbox, in inbox
        # order: people.access.inbox_query reads one ordered range per grant (migration 0003).
        Index("ix_human_tasks_ready_role_district", "role", "district_id", "due_at", "created_at",
              "id", postgresql_where=text("status = 'ready'"), sqlite_where=text("status = 'ready'")),
        Index("ix_human_tasks_ready_role", "role", "due_at", "created_at", "id",
              postgresql_where=text("status = 'ready'"), sqlite_where=text("status = 'ready'")),
        Index("ix_human_tasks_ready_assignee", "assignee_id", "due_at", "created_at", "id",
              postgresql_where=text("status = 'ready'"), sqlite_where=text("status = 'ready'")),
        Index("ix_human_tasks_assignee", "assignee_id", "status"),
        # The tasks of one element (of an instance) with their outcome, from the index alone: the
        # dashboard's 137 replies (programmes.oversight.dashboard; migration 0021).
        Index("ix_human_tasks_spec_instance", "task_spec", "instance_id", "status", "completed_at"),
        # The instances a user worked on (people.access.instance_scope_clause, in every list and
        # search of a district's staff; migration 0035).
        Index("ix_human_tasks_completed_by", "completed_by_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    process_key: Mapped[str] = mapped_column(String(120))
    task_spec: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    lane: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(40))
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The unit the task was routed to (BPMN property candidateUnit; migration 0022): offered to
    # that unit's members and head only. NULL: the lane's role in the district decides.
    unit_id: Mapped[int | None] = mapped_column(Integer, index=True)
    form_key: Mapped[str | None] = mapped_column(String(120))
    # The form_versions version of form_key the task was created with (NULL: rows made before
    # form versions existed, which read the latest).
    form_version: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="ready")  # ready|completed|cancelled
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Joined: a task is shown with its instance's title. Cheap, as Instance.state_json and the
    # version's bpmn_xml are deferred (the engine undefers the state where it loads a workflow).
    instance: Mapped[Instance] = relationship(lazy="joined")
    district: Mapped[District] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id], lazy="joined")


class Timer(Base):
    """A timer event waiting in an instance; the scheduler claims due rows by due_at."""
    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "status", "due_at"),
                      UniqueConstraint("instance_id", "spiff_task_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    task_spec: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting|fired|cancelled
    fired_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Failed attempts of the step after it (engine.runtime.timers): each moved due_at on.
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    # When it began to wait (again, for a cycle timer): the time spent there is fired_at minus
    # this (programmes.oversight.element_statistics; migration 0036). NULL: rows from before.
    waiting_since: Mapped[datetime | None] = mapped_column(DateTime, default=utcnow)

    # Never read; as Event.instance: the instance row (its version check) is flushed first.
    instance: Mapped[Instance] = relationship(lazy="raise")


class Event(Base):
    """Append-only history of an instance; each row hashes the previous one."""
    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("instance_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(40))
    task_spec: Mapped[str | None] = mapped_column(String(200))
    spiff_task_id: Mapped[str | None] = mapped_column(String(36))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_sha256: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship(lazy="joined")
    # Never read; makes a flush write the instance row (and its row_version check) before the
    # events appended to it, so a concurrent append fails on the version, not on (instance_id, seq).
    instance: Mapped[Instance] = relationship(lazy="raise")
