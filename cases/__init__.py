"""The case a task belongs to, as the person doing it reads it: what earlier steps submitted,
with their form's labels, who did each step and when, and what changed since the last round.

The task page, `GET /api/v1/tasks/<id>`, the instance page and the dossier show the same case.
Which earlier forms a task shows is the process owner's to say, without code: the property
`caseForms` of the user task in the diagram, or the form-js custom property `caseForms` of its
form (form keys separated by commas, or `none`); without either, every step submitted so far,
newest first.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

import engine
from formjs import versions as form_versions
from formjs.forms import FormNotFound, FormSchemaError
from formjs.readable import PERSIAN, Field, Style, changed_fields, readable_fields
from models import Event, HumanTask, Instance, User

__all__ = ["Case", "Field", "Step", "case_of", "declared_forms"]


@dataclass
class Step:
    """One completed step: who did it, when, and the fields it submitted."""

    event_id: int
    seq: int                       # of the task_completed event in the instance's history
    task_spec: str
    task_name: str
    form_key: str | None
    form_version: int | None
    role: str | None
    actor: User | None
    at: datetime
    fields: list[Field]
    round: int = 1                 # the how-many-th time this step was done in the instance
    superseded: bool = False       # the same step was done again later
    # path -> the text it had in the round before (only for a step done more than once)
    changes: dict[str, str] = field(default_factory=dict)
    cleared: list[Field] = field(default_factory=list)  # filled in the round before, empty now

    def as_dict(self) -> dict:
        """The step as JSON for the API and the dossier."""
        return {"seq": self.seq, "task": self.task_spec, "name": self.task_name, "form_key": self.form_key,
                "form_version": self.form_version, "role": self.role,
                "by": self.actor.display_name if self.actor else None,
                "at": self.at.isoformat() + "Z", "round": self.round,
                "superseded": self.superseded, "changed": sorted(self.changes),
                "fields": [f.as_dict() for f in self.fields]}


@dataclass
class Case:
    """The steps a page shows, newest first."""

    steps: list[Step]

    def as_dict(self) -> dict:
        return {"steps": [s.as_dict() for s in self.steps]}


def declared_forms(schema: Mapping | None, task: HumanTask | None = None) -> list[str] | None:
    """The form keys a task's case shows ([] for none; None: not declared, so all): the task's
    own property caseForms in the diagram, else its form's custom property caseForms."""
    declared = None
    if task is not None:
        declared = engine.element_properties(task.instance.version, task.task_spec).get("caseForms")
    if not (isinstance(declared, str) and declared.strip()):
        properties = (schema or {}).get("properties")
        declared = properties.get("caseForms") if isinstance(properties, Mapping) else None
    if not isinstance(declared, str) or not declared.strip():
        return None
    if declared.strip().lower() == "none":
        return []
    return [key.strip() for key in declared.split(",") if key.strip()]


def _schema(session, task: HumanTask, cache: dict) -> dict | None:
    key = (task.form_key, task.form_version)
    if key not in cache:
        try:
            cache[key] = form_versions.task_schema(session, task) if task.form_key else None
        except (FormNotFound, FormSchemaError):
            cache[key] = None
    return cache[key]


def case_steps(session, instance: Instance, style: Style = PERSIAN) -> list[Step]:
    """Every completed step of the instance with a form, oldest first, rounds counted."""
    events = session.scalars(select(Event).where(Event.instance_id == instance.id,
                                                 Event.type == "task_completed")
                             .order_by(Event.seq)).all()
    tasks = {t.spiff_task_id: t for t in session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id,
                                HumanTask.status == "completed"))}
    schemas: dict = {}
    steps: list[Step] = []
    last_of: dict[str, Step] = {}
    for event in events:
        task = tasks.get(event.spiff_task_id)
        if task is None:
            continue
        shown = engine.revealed_data(session, instance.id, event.data)  # personal data opened, or destroyed
        data = shown.get("data") if isinstance(shown, Mapping) else None
        fields = readable_fields(_schema(session, task, schemas), data, style)
        step = Step(event.id, event.seq, task.task_spec, task.name, task.form_key, task.form_version,
                    task.role, event.actor, event.at, fields)
        earlier = last_of.get(task.task_spec)
        if earlier is not None:
            earlier.superseded = True
            step.round = earlier.round + 1
            step.changes = changed_fields(earlier.fields, fields)
            kept = {f.key for f in fields}
            step.cleared = [f for f in earlier.fields if f.key not in kept]
        last_of[task.task_spec] = step
        steps.append(step)
    return steps


def case_of(session, instance: Instance, schema: Mapping | None = None,
            style: Style = PERSIAN, task: HumanTask | None = None) -> Case:
    """The case as a task (with this form) shows it, newest first; everything without either."""
    steps = [s for s in case_steps(session, instance, style) if s.fields]
    shown = declared_forms(schema, task)
    if shown is not None:
        steps = [s for s in steps if s.form_key in shown]
    return Case(list(reversed(steps)))
