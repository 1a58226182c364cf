"""Several schedulers polling the same timer table: each timer fires exactly once."""
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.scheduler import fire_due_timers
import engine as runtime
from models import Event, HumanTask, Timer
from people.accounts import find_district, find_user
from tests.conftest import deploy_file

FIXTURE = Path(__file__).parent.parent / "fixtures" / "timer_intermediate.bpmn"
INSTANCES = 24


@pytest.mark.slow
@pytest.mark.committed  # two threads, a session each
def test_two_schedulers_over_the_same_due_timers_fire_each_timer_once(app, db):
    deploy_file(app, FIXTURE)
    user, district = find_user(db, "pr_expert_d1"), find_district(db, "d1")
    ids = [runtime.start_instance(db, "t_timer_wait", user, district.id).id for _ in range(INSTANCES)]
    db.commit()
    time.sleep(1.2)  # SpiffWorkflow compares timers with the real clock
    sessions = app.extensions["db_sessions"]
    barrier = threading.Barrier(2)
    advanced = []

    def scheduler():
        barrier.wait()
        advanced.append(fire_due_timers(sessions))

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(advanced) == INSTANCES
    fired = db.scalars(select(Event.instance_id).where(Event.type == "timer_fired")).all()
    assert sorted(fired) == sorted(ids), "a timer fired twice or not at all"
    assert db.scalar(select(func.count()).select_from(Timer).where(Timer.status == "fired")) == INSTANCES
    ready = db.scalars(select(HumanTask.instance_id).where(HumanTask.status == "ready")).all()
    assert sorted(ready) == sorted(ids), "each instance must wait on exactly one next task"
