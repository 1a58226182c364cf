"""models.clock: a moment set for one context (a replay) is not seen by other threads."""
import threading
from datetime import datetime, timezone

from models import clock

MOMENT = datetime(2026, 12, 13, 6, 30, tzinfo=timezone.utc)


def test_a_context_moment_is_seen_only_inside_its_context():
    seen_elsewhere = []
    with clock.context_moments() as set_moment:
        set_moment(MOMENT)
        assert clock.now() == MOMENT and clock.utcnow() == MOMENT.replace(tzinfo=None)
        other = threading.Thread(target=lambda: seen_elsewhere.append(clock.now()))
        other.start()
        other.join()
    assert seen_elsewhere[0] != MOMENT and abs((seen_elsewhere[0] - datetime.now(timezone.utc)).total_seconds()) < 60
    assert clock.now() != MOMENT  # gone after the block


def test_a_context_moment_wins_over_a_test_held_clock_and_leaves_it_as_it_was():
    held = clock.set_now(datetime(2027, 1, 1, tzinfo=timezone.utc))
    with clock.context_moments() as set_moment:
        set_moment(MOMENT.replace(tzinfo=None))
        assert clock.now() == MOMENT
    assert clock.now() == held
