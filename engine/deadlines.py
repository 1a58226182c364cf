"""Reply deadlines by category in 137 hours (MESSAGE_DEADLINE_HOURS) and the 137 clock, for diagrams.

The sources give the 137 executive unit 24, 48 or 72 hours by category (Qom: service
24, technical and civil 48, urban planning 72). Diagrams read them with
`reply_deadline_hours(category)`, a script helper of the engine that holds them. Since issue 23
the 137 diagram takes its hours from the decision table message_137_deadline and uses this
setting only for a category the table leaves null (docs/ARCHITECTURE.md, "Decision tables").
"""

from datetime import datetime, timedelta, timezone

from workcal import working_time
from workcal.store import active_calendar

DEFAULT_DEADLINES = "service=24,technical=48,urban_planning=72"


def parse_deadlines(text: str) -> dict[str, float]:
    """`"service=24,technical=48"` -> {"service": 24.0, ...}; ValueError when malformed."""
    out = {}
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        category, sep, hours = part.partition("=")
        if not sep or not category.strip():
            raise ValueError(f"MESSAGE_DEADLINE_HOURS: {part!r} is not category=hours")
        try:
            value = float(hours)
        except ValueError:
            raise ValueError(f"MESSAGE_DEADLINE_HOURS: {hours.strip()!r} is not a number") from None
        if value <= 0:
            raise ValueError(f"MESSAGE_DEADLINE_HOURS: the hours of {category.strip()} must be positive")
        out[category.strip()] = value
    if not out:
        raise ValueError("MESSAGE_DEADLINE_HOURS names no category")
    return out


class ReplyDeadlines:
    """The 137 hours allowed for a reply, per category (counted by MessageClock)."""

    def __init__(self, text: str = DEFAULT_DEADLINES):
        self.hours = parse_deadlines(text)

    def reply_deadline_hours(self, category) -> float:
        """Hours to reply to a message of this category.

        An unknown category gets the longest deadline configured: a message is never refused
        (nor left without a deadline) because its category is missing from the settings.
        """
        return self.hours.get(str(category), max(self.hours.values()))


MESSAGE_CLOCKS = ("calendar", "working")
# Where a referred 137 message goes (MESSAGE_137_REFERRAL_TARGET): a task in this system's
# inbox, the office automation (a service task, then its answer as a message), or both.
REFERRAL_TARGETS = ("inbox", "automation", "both")


class MessageClock:
    """How the 137 centre counts its hours (MESSAGE_CLOCK) and its other rules in hours.

    The centre answers around the clock (sources 003/004: 24/48/72 hours, escalation after 72
    and again 24 hours later), so its deadlines are calendar hours by default; a city whose
    units count office hours sets MESSAGE_CLOCK=working. Rules (`message_rule(name)`):
    intake_hours (a message at intake is overdue after them), call_retry_hours and
    call_attempts (the feedback call when the citizen cannot be reached). The referral target
    (`message_referral_target()`): inbox, automation or both.
    """

    def __init__(self, clock: str = "calendar", intake_hours: float = 2.0,
                 call_retry_hours: float = 24.0, call_attempts: int = 3,
                 referral_target: str = "inbox"):
        if clock not in MESSAGE_CLOCKS:
            raise ValueError(f"MESSAGE_CLOCK must be one of {', '.join(MESSAGE_CLOCKS)}, not {clock!r}")
        if referral_target not in REFERRAL_TARGETS:
            raise ValueError(f"MESSAGE_137_REFERRAL_TARGET must be one of {', '.join(REFERRAL_TARGETS)}, "
                             f"not {referral_target!r}")
        self.clock = clock
        self.referral_target = referral_target
        self.rules = {"intake_hours": _positive(intake_hours, "MESSAGE_INTAKE_HOURS"),
                      "call_retry_hours": _positive(call_retry_hours, "MESSAGE_CALL_RETRY_HOURS"),
                      "call_attempts": int(_positive(call_attempts, "MESSAGE_CALL_ATTEMPTS"))}

    @property
    def working(self) -> bool:
        """True when the 137 hours are working hours of the district's calendar."""
        return self.clock == "working"

    def add_message_hours(self, start, hours):
        """The moment `hours` 137 hours after start: calendar hours, or working hours."""
        if self.working:
            return working_time.add_working_hours(start, hours)
        hours = float(hours)
        if hours < 0:
            raise ValueError("hours must not be negative")
        moment = _aware(start) + timedelta(hours=hours)
        return moment.astimezone(active_calendar().tz)  # the running district's zone

    def message_hours_between(self, a, b) -> float:
        """137 hours from a to b (calendar or working hours)."""
        if self.working:
            return working_time.working_hours_between(a, b)
        return (_aware(b) - _aware(a)).total_seconds() / 3600

    def message_rule(self, name) -> float:
        """One of the 137 centre's rules in hours or counts (KeyError names the known ones)."""
        try:
            return self.rules[str(name)]
        except KeyError:
            raise KeyError(f"no 137 rule {name!r}; known: {', '.join(self.rules)}") from None

    def message_referral_target(self) -> str:
        """Where a referred message goes: "inbox", "automation" or "both"."""
        return self.referral_target

    def helpers(self) -> dict:
        """The script helpers diagrams use for the 137 clock."""
        return {"add_message_hours": self.add_message_hours,
                "message_hours_between": self.message_hours_between,
                "message_rule": self.message_rule,
                "message_referral_target": self.message_referral_target}


def _positive(value, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, not {value!r}") from None
    if number <= 0:
        raise ValueError(f"{name} must be positive")
    return number


def _aware(moment) -> datetime:
    """A datetime or ISO text as an aware datetime (naive = UTC)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.strip())
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a date and time, not {type(moment).__name__}")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
