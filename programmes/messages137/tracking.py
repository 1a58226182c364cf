"""The 137 citizen-message cycle (processes/citizen_message_137.bpmn): tracking codes and deadlines.

Tracking codes. Every instance of a process in TRACKED_PROCESSES (a 137 message, a complaint,
a request to meet the mayor) gets a code when it starts, whatever the channel (the staff page,
the API, the portal): `137-YYMMDD-XXXXXX` (101 a complaint, 102 a meeting), the Solar Hijri date of
intake (Tehran) and six random Crockford base32 characters (30 bits: about a billion codes a
day, so a code cannot be guessed from another one). It is stored in `instances.tracking_code`
(unique, so indexed) and put into the workflow's start data, so every form of the message
shows it. find_by_tracking_code reads what a citizen or clerk types: Persian digits, lower
case, spaces, and the letters Crockford base32 reads as digits (O = 0, I and L = 1).

Deadlines. The executive unit's reply is due a number of 137 hours after referral (calendar
hours unless MESSAGE_CLOCK=working) that depends on the message's category
(MESSAGE_DEADLINE_HOURS); diagrams read it with the engine's script helpers
`reply_deadline_hours(category)` and `add_message_hours` (engine/deadlines.py).
"""
import re
import secrets

from sqlalchemy import select

from models import Instance, clock

from workcal.jalali import solar_parts, to_ascii_digits
from workcal.store import calendar_for, using_calendar
from engine import append_event
from workcal.working_time import now as working_time_now

# process key -> prefix of its codes: every filing a citizen follows gets one as it starts,
# whoever registered it (the portal, Open311, staff on the phone or in person). A Mardom Salam
# desk item's code (120) is issued on the desk (programmes/mardom_salam/requests.py).
TRACKED_PROCESSES = {"citizen_message_137": "137", "complaints": "101", "public_meetings": "102"}
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_CHARS = 6
_READ_AS = str.maketrans("OIL", "011")  # Crockford base32 reads these letters as digits
_CODE = re.compile(r"^(\d{3})(\d{6})([0-9A-HJKMNP-TV-Z]{6})$")

def new_tracking_code(prefix: str, moment=None) -> str:
    """A fresh code: prefix, the Solar Hijri date (Tehran) of moment, random base32 characters."""
    local = moment or working_time_now()  # in the active calendar's time zone
    year, month, day = solar_parts(local.date())
    random_part = "".join(secrets.choice(CROCKFORD) for _ in range(RANDOM_CHARS))
    return f"{prefix}-{year % 100:02d}{month:02d}{day:02d}-{random_part}"


def normalise_tracking_code(text: str) -> str | None:
    """The canonical form of a typed code, or None when it cannot be one."""
    compact = to_ascii_digits(re.sub(r"[\s\-_/]", "", str(text or "")).upper()).translate(_READ_AS)
    found = _CODE.match(compact)
    if found is None:
        return None
    return "-".join(found.groups())


def issue_tracking_code(session, instance: Instance, data: dict,
                        prefix: str | None = None) -> str | None:
    """Give a starting instance of a tracked process its code (also into its start data).

    prefix: the code's prefix for an instance of another process that needs one (a
    complaint filed on the portal); by default only TRACKED_PROCESSES get a code.

    Called by engine.runtime.starting.start_instance before the workflow first runs. The event
    `tracking_code_issued` is where sending the code to the citizen hooks in (issue 6:
    put an SMS for data["citizen_phone"] into the outbox, sent after commit).
    """
    prefix = prefix or TRACKED_PROCESSES.get(instance.process_key)
    if prefix is None:
        return None
    with using_calendar(calendar_for(session, instance.district_id)):  # the district's date
        today = working_time_now()
    while True:
        code = new_tracking_code(prefix, today)
        if session.scalar(select(Instance.id).where(Instance.tracking_code == code)) is None:
            break
    instance.tracking_code = code
    data["tracking_code"] = code
    data.setdefault("received_at", clock.now().isoformat())
    return code


def log_tracking_code(session, instance: Instance, actor) -> None:
    """Record that the code was issued (the hook for telling the citizen, see issue_tracking_code)."""
    if instance.tracking_code:
        append_event(session, instance, "tracking_code_issued", actor=actor,
                     data={"tracking_code": instance.tracking_code})


def find_by_tracking_code(session, text: str) -> Instance | None:
    """The instance a typed tracking code names, or None."""
    code = normalise_tracking_code(text)
    if code is None:
        return None
    return session.scalars(select(Instance).where(Instance.tracking_code == code)).first()
