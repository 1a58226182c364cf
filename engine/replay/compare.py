"""Comparing a re-executed workflow with the stored one (engine.replay.verify), in an auditor's words."""
from datetime import datetime, timedelta

# Scripts stamp now() into the data (closed_at, reply_due_at ...). The live step read the clock
# a little before its event's `at` was taken, the re-execution reads it at that `at`: with the
# real clock the two differ by the duration of the step (milliseconds, seconds on a busy
# machine), so two ISO datetimes this close are the same moment for the comparison.
DATETIME_TOLERANCE = timedelta(seconds=10)


def _as_datetime(value):
    if not isinstance(value, str) or len(value) < 16 or "T" not in value:
        return None  # only date-and-time text: plain dates and other strings compare exactly
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def same_value(a, b) -> bool:
    """Equal as JSON values, ISO datetimes within DATETIME_TOLERANCE."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if a == b:
        return True
    moment_a, moment_b = _as_datetime(a), _as_datetime(b)
    if moment_a is None or moment_b is None or (moment_a.tzinfo is None) != (moment_b.tzinfo is None):
        return False
    return abs(moment_a - moment_b) <= DATETIME_TOLERANCE


def data_changes(before: dict, after: dict) -> list[tuple[str, object, object]]:
    """(key, before, after) of the top-level keys whose value differs (None: absent)."""
    out = []
    for key in list(before) + [k for k in after if k not in before]:
        if key not in after or key not in before or before[key] != after[key]:
            out.append((key, before.get(key), after.get(key)))
    return out


def show(value, limit: int = 80) -> str:
    """A value as an auditor reads it in one line: quoted text, shortened; MISSING for none."""
    if value is MISSING:
        return "(missing)"
    text = repr(value) if not isinstance(value, str) else "'" + value + "'"
    return text if len(text) <= limit else text[:limit - 1] + "…"


MISSING = object()

# Every reason is an English template and its values, so a page can translate the template
# (app/audit/verification_views.py lists them for the catalog; a test keeps the lists equal).
DATA_IN_STATE = ("After the last event the data differ: key {key} is {stored} in the stored "
                 "state, {replayed} on re-execution.")
DATA_IN_ROW = ("After the last event the data differ: key {key} is {stored} in the stored "
               "instance data, {replayed} on re-execution.")
OPEN_TASKS = ("After the last event the open tasks differ: open in the stored state only: "
              "{stored}; open on re-execution only: {replayed}.")
COUNTS = ("After the last event the history differs: element {element} has completed {stored} "
          "time(s) in the stored state, {replayed} on re-execution.")


def data_difference(stored: dict, replayed: dict) -> tuple[str, dict] | None:
    """(key, values for DATA_IN_*) of the first top-level key that differs, or None."""
    for key in sorted(set(stored) | set(replayed)):
        a, b = stored.get(key, MISSING), replayed.get(key, MISSING)
        if a is MISSING or b is MISSING or not same_value(a, b):
            return key, {"key": key, "stored": show(a), "replayed": show(b)}
    return None


def counts_difference(stored: dict[str, int], replayed: dict[str, int]) -> dict | None:
    """Values for COUNTS: the first BPMN element completed a different number of times."""
    for bpmn_id in sorted(set(stored) | set(replayed)):
        a, b = stored.get(bpmn_id, 0), replayed.get(bpmn_id, 0)
        if a != b:
            return {"element": bpmn_id, "stored": a, "replayed": b}
    return None


def active_difference(stored: list[str], replayed: list[str]) -> dict | None:
    """Values for OPEN_TASKS: the elements open in one and not the other, or None."""
    only_stored, only_replayed = sorted(set(stored) - set(replayed)), sorted(set(replayed) - set(stored))
    if not only_stored and not only_replayed:
        return None
    return {"stored": ", ".join(only_stored) or "-", "replayed": ", ".join(only_replayed) or "-"}
