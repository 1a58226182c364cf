"""Deployed decision versions as the engine reads them: the version an instance uses (the one
current when it started, or the one its diagram pins) and the pin written at its start."""
from __future__ import annotations

from sqlalchemy import func, select

from models import DecisionPin, DecisionVersion
from models.messages import Message
from engine.decisions.evaluate import DecisionError, decide


def latest_version_id(session) -> int:
    """The id of the newest decision version deployed (0: none)."""
    return session.scalar(select(func.max(DecisionVersion.id))) or 0


def pin_decisions(session, instance) -> None:
    """Remember the decision versions that exist as the instance starts (one row)."""
    session.add(DecisionPin(instance_id=instance.id, last_version_id=latest_version_id(session)))


def version_for(session, decision_key: str, *, version: int | None = None,
                instance=None) -> DecisionVersion:
    """The version of a decision to use: the given number; else, for an instance, the newest
    that existed when it started (its pin; for an instance started before pins, the newest
    deployed by its start); else the newest. DecisionError if there is none."""
    query = select(DecisionVersion).where(DecisionVersion.decision_key == decision_key)
    if version is not None:
        found = session.scalars(query.where(DecisionVersion.version == version)).first()
        if found is None:
            raise DecisionError(Message('Decision "{decision}" has no version {version}',
                                        decision=decision_key, version=version))
        return found
    if instance is not None and instance.id is not None:
        pin = session.get(DecisionPin, instance.id)
        if pin is not None:
            pinned = query.where(DecisionVersion.id <= pin.last_version_id)
        else:
            pinned = query.where(DecisionVersion.deployed_at <= instance.started_at)
        found = session.scalars(pinned.order_by(DecisionVersion.version.desc()).limit(1)).first()
        if found is not None:
            return found
        # Deployed after the instance started (a diagram calling a table deployed with it):
        # the first version, so that what the instance decides does not move with later ones.
        query = query.order_by(DecisionVersion.version.asc())
    else:
        query = query.order_by(DecisionVersion.version.desc())
    found = session.scalars(query.limit(1)).first()
    if found is None:
        raise DecisionError(Message('Decision "{decision}" is not deployed', decision=decision_key))
    return found


def decide_newest(session, decision_key: str, data: dict) -> dict | None:
    """The output of the newest version of a decision over data; None when the decision is not
    deployed or no rule matches (callers keep their own default then). DecisionError for a
    missing or mistyped input."""
    found = session.scalars(select(DecisionVersion).where(DecisionVersion.decision_key == decision_key)
                            .order_by(DecisionVersion.version.desc()).limit(1)).first()
    if found is None:
        return None
    output = decide(found.table, data).output
    return output if isinstance(output, dict) else None


def newest_tables(session) -> dict:
    """decision id -> table of the newest deployed version of every decision."""
    newest = {}
    for version in session.scalars(select(DecisionVersion).order_by(DecisionVersion.decision_key,
                                                                    DecisionVersion.version)):
        newest[version.decision_key] = version.table
    return newest
