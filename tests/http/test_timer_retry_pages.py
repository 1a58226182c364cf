"""A timer whose step failed and was tried again, as staff and auditors see it: the attempts
in the instance's history (in Persian) and a step-through that still matches the stored state."""
from datetime import timedelta

from test_timer_retries import FIRST_DUE, fire_at, start_archiving

RETRIED = "گام پس از زمان‌سنج ناموفق بود؛ دوباره اجرا می‌شود"


def test_the_attempts_show_in_the_history_and_the_step_through_still_matches(app, db, login):
    instance_id = start_archiving(app, db, timedelta(minutes=3))  # down for the first two tries
    fire_at(db, FIRST_DUE)
    fire_at(db, FIRST_DUE + timedelta(seconds=60))
    fire_at(db, FIRST_DUE + timedelta(seconds=180))
    admin = login("admin")
    page = admin.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert page.count(RETRIED) == 2
    auditor = login("auditor")
    replay = auditor.get(f"/audit/instances/{instance_id}/replay?step=2").get_data(as_text=True)
    assert 'data-matches="true"' in replay
    assert 'data-type="timer_retry_scheduled"' in replay
    assert "The archive is not reachable" in replay  # the attempt's message, as recorded
