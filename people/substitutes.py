"""Substitutes: a user names a colleague who takes their tasks for a period (leave).

While a substitution runs, people.access offers the substitute the tasks offered to the absent
user (their role grants in force, the tasks assigned to them) and lets them act on them; the
engine notes `on_behalf_of` the absent user in the events the substitute causes.
"""
from sqlalchemy import select

from models import Substitution, User, utcnow
from models.errors import InvalidData, NotFound


def name_substitute(session, absent: User, substitute: User, valid_from, valid_until,
                    reason: str = "", user: User | None = None) -> Substitution:
    """Record that substitute stands in for absent from valid_from until valid_until (naive
    UTC, the end excluded); InvalidData for oneself, an inactive substitute or an empty period."""
    reason = (reason or "").strip()
    if substitute.id == absent.id:
        raise InvalidData("A user cannot be their own substitute.",
                          {"substitute": "A user cannot be their own substitute."})
    if not substitute.is_active:
        raise InvalidData("{who} cannot log in, so cannot be a substitute.",
                          {"substitute": "This user cannot log in."}, who=substitute.display_name)
    if valid_from is None or valid_until is None or valid_until <= valid_from:
        raise InvalidData("The end of the substitution must come after its start.",
                          {"until": "The end must come after the start."})
    if len(reason) > 500:
        raise InvalidData("The reason is longer than 500 characters.",
                          {"reason": "At most 500 characters."})
    row = Substitution(user_id=absent.id, user=absent, substitute_id=substitute.id,
                       substitute=substitute, valid_from=valid_from, valid_until=valid_until,
                       reason=reason, created_by_id=user.id if user is not None else None)
    session.add(row)
    session.flush()
    session.expire(substitute, ["standing_in_for"])
    return row


def end_substitution(session, substitution_id: int, user: User | None = None) -> Substitution:
    """End a substitution now (one not begun yet never begins); NotFound for an unknown id."""
    row = session.get(Substitution, substitution_id)
    if row is None:
        raise NotFound("There is no substitution {id}.", id=substitution_id)
    now = utcnow()
    if row.valid_until > now:
        row.valid_until = now
        row.valid_from = min(row.valid_from, now)
    session.flush()
    session.expire(row.substitute, ["standing_in_for"])
    return row


def list_substitutions(session, current_only: bool = False) -> list[Substitution]:
    """Substitutions, newest first; current_only: those running or still to come."""
    query = select(Substitution).order_by(Substitution.valid_from.desc(), Substitution.id.desc())
    if current_only:
        query = query.where(Substitution.valid_until > utcnow())
    return list(session.scalars(query))
