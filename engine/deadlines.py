"""Reply deadlines by category, in working hours (MESSAGE_DEADLINE_HOURS), for diagrams.

The sources give the 137 executive unit 24, 48 or 72 working hours by category (Qom: service
24, technical and civil 48, urban planning 72). Diagrams read them with
`reply_deadline_hours(category)`, a script helper of the engine that holds them.
"""

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
    """The working hours allowed for a reply, per category."""

    def __init__(self, text: str = DEFAULT_DEADLINES):
        self.hours = parse_deadlines(text)

    def reply_deadline_hours(self, category) -> float:
        """Working hours to reply to a message of this category.

        An unknown category gets the longest deadline configured: a message is never refused
        (nor left without a deadline) because its category is missing from the settings.
        """
        return self.hours.get(str(category), max(self.hours.values()))
