"""kill -9 of a scheduler process in the middle of firing a timer (its rows claimed and
locked, nothing committed): another scheduler fires what it left, and every timer fires
exactly once."""
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.scheduler import fire_due_timers
import engine as runtime
from fault_support import ROOT, check_invariants
from models import Event, HumanTask, Timer
from people.accounts import find_district, find_user
from tests.conftest import deploy_file

FIXTURE = ROOT / "tests" / "fixtures" / "timer_intermediate.bpmn"
CHILD = Path(__file__).resolve().parent / "slow_scheduler_child.py"
INSTANCES = 8
# (batch size, instances the child commits before it stops dead inside the next one). One at
# a time it holds one claimed timer when it dies; in batches of 4 it holds a whole batch.
CASES = [(1, 3), (4, 4)]


def _lines(stream, out: queue.Queue):
    for line in iter(stream.readline, ""):
        out.put(line)


@pytest.mark.parametrize("batch_size, fire_before_hang", CASES)
def test_a_scheduler_killed_while_firing_leaves_each_timer_to_fire_once(app, db, database_url,
                                                                        batch_size, fire_before_hang):
    deploy_file(app, FIXTURE)
    user, district = find_user(db, "pr_expert_d1"), find_district(db, "d1")
    ids = [runtime.start_instance(db, "t_timer_wait", user, district.id).id for _ in range(INSTANCES)]
    db.commit()
    db.close()
    time.sleep(1.1)  # "PT1S": due now
    sessions = app.extensions["db_sessions"]
    postgres = app.extensions["db_engine"].dialect.name == "postgresql"

    child = subprocess.Popen([sys.executable, str(CHILD), database_url, str(fire_before_hang),
                              str(batch_size)],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
    output: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(child.stdout, output), daemon=True).start()
    seen, deadline = [], time.monotonic() + 40
    try:
        while not any(line.startswith("HOLDING") for line in seen):
            assert time.monotonic() < deadline and child.poll() is None, "".join(seen)
            try:
                seen.append(output.get(timeout=0.5))
            except queue.Empty:
                pass
        assert f"HOLDING after {fire_before_hang} instances" in "".join(seen)

        # Another scheduler polls while the child holds its claim: on PostgreSQL it skips the
        # claimed timer and fires the rest; on SQLite it waits for the write lock.
        advanced = []
        other = threading.Thread(target=lambda: advanced.append(fire_due_timers(sessions)), daemon=True)
        other.start()
        if postgres:
            other.join(timeout=30)
            assert not other.is_alive(), "the second scheduler waited on the claimed timer"
            assert advanced == [INSTANCES - fire_before_hang - batch_size]  # all but the held
        else:
            time.sleep(0.3)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    other.join(timeout=40)
    assert not other.is_alive(), "the second scheduler still waits after the holder died"

    # The scheduler runs again (polling, as the real one does every TIMER_POLL_SECONDS).
    deadline = time.monotonic() + 20
    while True:
        advanced.append(fire_due_timers(sessions))
        with sessions() as s:
            waiting = s.scalar(select(func.count()).select_from(Timer).where(Timer.status == "waiting"))
        if waiting == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.2)

    assert sum(advanced) == INSTANCES - fire_before_hang, advanced
    with sessions() as s:
        fired = s.scalars(select(Event.instance_id).where(Event.type == "timer_fired")).all()
        assert sorted(fired) == sorted(ids), "a timer fired twice or not at all"
        statuses = s.scalars(select(Timer.status).where(Timer.instance_id.in_(ids))).all()
        assert sorted(statuses) == ["fired"] * INSTANCES
        tasks = s.scalars(select(HumanTask).where(HumanTask.instance_id.in_(ids))).all()
        assert sorted(t.instance_id for t in tasks) == sorted(ids), "each instance advanced once"
        assert {(t.task_spec, t.status) for t in tasks} == {("Task_after_timer", "ready")}
        check_invariants(s)
