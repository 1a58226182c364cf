"""Hostile diagram code: what escapes RestrictedPython's line-based limits (one C call, or a
result that only explodes when it is stored) fails its step in the worker process with a clear
message, stores nothing, and leaves the instance readable; deploy refuses what it can see."""
import os
import signal
import threading
import time
from xml.sax.saxutils import escape

import pytest

from engine.core import engine_of
import engine as runtime
from engine.spiff import script_worker
from engine.spiff.parsing import content_sha256
from engine.spiff.sandbox import IsolatedEnvironment
from engine_support import district_id, event_rows, fixture_bytes, reload_instance, user
from modeling.deploy import deploy_process
from models import ProcessVersion
from models.errors import BpmnValidationError, InvalidData, SandboxViolation

# (name, script, what the failure says, refused at deploy)
HOSTILE = [
    ("ljust", "y = 'x'.ljust(10**9)", '"ljust"', True),
    ("zfill", "y = '1'.zfill(10**9)", '"zfill"', True),
    ("percent_star", "y = '%*d' % (10**9, 1)", '"*" widths', True),
    ("repeat_constant", "y = 'x' * 10**9", "repeated sequence", True),
    ("fstring_width", "y = f'{1:>1000000000}'", "f-string width", True),
    ("ljust_computed", "n = 10**9\ny = 'x'.ljust(n)", '"ljust"', False),
    ("center_computed", "n = 10**9\ny = 'x'.center(n)", '"center"', False),
    ("expandtabs_computed", "n = 10**6\ny = ('\\t' * 1000).expandtabs(n)", '"expandtabs"', False),
    ("replace_growing", "y = ('x' * 1000000).replace('', 'abc')", '"replace"', False),
    ("percent_computed", "f = '%' + '*d'\ny = f % (10**9, 1)", '"*" widths', False),
    ("shared_nesting", "a = [1]\nfor i in range(60):\n    a = [a, a]", "nests deeper than 50", False),
    ("shared_wide", "a = [1, 2, 3]\nfor i in range(40):\n    a = [a, a]\na = [a]",
     "larger than 1000000 bytes", False),
    ("shared_flat", "a = ['x' * 1000]\nfor i in range(30):\n    a = a + a if len(a) < 1000 else [a, a]",
     "larger than 1000000 bytes", False),
    ("deep_600", "a = []\nfor i in range(600):\n    a = [a]", "nests deeper than 50", False),
    ("value_50mb", "y = 'x' * 1000000\nz = [y] * 50", "larger than 1000000 bytes", False),
    ("memory", "y = ['x' * 1000000 for i in range(2000)]", "more memory than allowed", False),
]
BIG_NAMES = ("y", "z", "a", "n", "f")


def stored_directly(db, script: str) -> ProcessVersion:
    """A version with this script, stored as a row: what deploy would refuse must still fail safely."""
    xml = fixture_bytes("runtime_hostile_script.bpmn").replace(b"HOSTILE_SCRIPT", escape(script).encode())
    version = ProcessVersion(process_key="t_hostile_script", version=1, name="hostile",
                             content_sha256=content_sha256(xml), bpmn_xml=xml.decode("utf-8"),
                             lanes={"pr_expert": "pr_expert"}, forms={})
    db.add(version)
    db.commit()
    return version


def start(db, data=None):
    instance = runtime.start_instance(db, "t_hostile_script", user(db, "pr_expert_d1"),
                                      district_id(db, "d1"), data)
    db.commit()
    return instance


@pytest.mark.parametrize("name,script,says,static", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_script_fails_its_step_stores_nothing_and_the_instance_stays_readable(
        app, db, login, name, script, says, static):
    stored_directly(db, script)
    instance = start(db, {"kept": "before"})
    again = reload_instance(db, instance.id)
    assert again.status == "error"
    assert says in again.error_message
    assert again.data.get("kept") == "before"
    assert not set(BIG_NAMES) & set(again.data), "nothing the script made is stored"
    assert len(again.state_json) < 100_000
    assert event_rows(db, instance.id)[-1].type == "instance_error"
    engine_of(db).load_workflow(again.state_json, again.version)  # the state loads
    page = login("pr_expert_d1").get(f"/instances/{instance.id}")
    assert page.status_code == 200
    assert says in page.get_data(as_text=True).replace("&#34;", '"').replace("&quot;", '"')


@pytest.mark.parametrize("name,script,says", [h[:3] for h in HOSTILE if h[3]],
                         ids=[h[0] for h in HOSTILE if h[3]])
def test_deploy_refuses_the_statically_detectable_hostile_scripts(db, name, script, says):
    xml = fixture_bytes("runtime_hostile_script.bpmn").replace(b"HOSTILE_SCRIPT", escape(script).encode())
    with pytest.raises(BpmnValidationError) as info:
        deploy_process(db, xml, filename="hostile.bpmn")
    assert says in str(info.value) and "Script_run" in str(info.value)


def test_the_next_step_runs_in_a_worker_after_one_was_killed_by_its_limit(app, db):
    stored_directly(db, "y = ['x' * 1000000 for i in range(2000)]")
    assert start(db).id
    script_worker.close_workers()
    env = IsolatedEnvironment(timeout_seconds=1.0)
    data = {"x": 1}
    env.execute("y = x + 1", data)
    assert data == {"x": 1, "y": 2}


def test_a_worker_killed_mid_script_fails_the_step_clearly_and_the_next_gets_a_fresh_one():
    limits = script_worker.WorkerLimits(workers=1)
    env = IsolatedEnvironment(timeout_seconds=20.0, limits=limits)
    env.execute("y = 1", {})  # the pool's only worker exists now
    pid = script_worker._pool_for(limits).idle[0].process.pid

    def kill_soon():
        time.sleep(0.3)
        os.kill(pid, signal.SIGKILL)

    threading.Thread(target=kill_soon).start()
    data = {"x": 1}
    with pytest.raises(SandboxViolation, match="worker process ended at a limit"):
        env.execute("while True:\n    x = 2", data)
    assert data == {"x": 1}
    env.execute("y = x + 1", data)
    assert data == {"x": 1, "y": 2}
    assert script_worker._pool_for(limits).idle[0].process.pid != pid


def test_helpers_run_in_the_calling_process_with_its_clock_and_calendar(app, db):
    env = engine_of(db).script_engine().environment
    data = {}
    env.execute("start = now()\ndue = add_working_days(start, 2)\nlater = due > start", data)
    assert data["later"] is True and data["due"].tzinfo is not None
    with pytest.raises(ValueError):
        env.execute("y = add_working_hours(now(), 'many')", {})


def test_a_runaway_helper_call_is_refused_like_the_script():
    env = IsolatedEnvironment(helpers={"echo": lambda v: v}, timeout_seconds=1.0)
    with pytest.raises(SandboxViolation, match="nests deeper"):
        env.execute("a = []\nfor i in range(200):\n    a = [a]\ny = echo(1)", {})


def test_only_plain_data_comes_back_from_a_worker():
    env = IsolatedEnvironment(timeout_seconds=1.0)
    with pytest.raises(SandboxViolation, match="cannot be stored"):
        env.execute("e = ValueError('x')", {})


@pytest.mark.parametrize("data,says", [
    ({"deep": __import__("functools").reduce(lambda a, _: [a], range(600), [])}, "nests deeper than 50"),
    ({"big": "x" * 2_000_000}, "larger than 1000000 bytes"),
])
def test_submitted_data_over_the_bounds_is_refused_before_anything_runs(app, db, data, says):
    stored_directly(db, "y = 1")
    with pytest.raises(InvalidData, match=says):
        start(db, data)


def test_api_refuses_a_task_completion_nested_too_deep(app, db, api):
    stored_directly(db, "y = 1")
    # A task of a form: the review loop's first task.
    from engine_support import deploy
    deploy(app, "review_loop.bpmn")
    instance = runtime.start_instance(db, "t_review", user(db, "pr_expert_d1"), district_id(db, "d1"))
    db.commit()
    task = runtime.open_tasks(db, instance)[0]
    deep = []
    for _ in range(600):
        deep = [deep]
    answer = api("pr_expert_d1").post(f"/api/v1/tasks/{task.id}/complete", json={"data": {"x": deep}})
    assert answer.status_code == 400
    assert answer.get_json()["details"] == {"data": "too deep"}
    assert runtime.open_tasks(db, instance)[0].id == task.id


def test_a_worker_runs_with_no_new_files_no_children_and_a_bounded_address_space():
    limits = script_worker.WorkerLimits(memory_mb=300, workers=1)
    env = IsolatedEnvironment(timeout_seconds=1.0, limits=limits)
    env.execute("y = 1", {})
    pid = script_worker._pool_for(limits).idle[0].process.pid
    table = {line[:26].strip(): line[26:].split()[:2]
             for line in open(f"/proc/{pid}/limits").read().splitlines()[1:]}
    assert table["Max open files"] == ["3", "3"]
    assert table["Max file size"] == ["0", "0"]
    assert table["Max processes"] == ["0", "0"]
    assert table["Max address space"] == [str(300 * 1024 * 1024)] * 2
    assert table["Max cpu time"][0] != "unlimited"
    assert sorted(os.listdir(f"/proc/{pid}/fd")) == ["0", "1", "2"]
    with pytest.raises(SandboxViolation, match="Too many open files"):
        env.execute("y = 'x'.encode('idna')", {})  # a lazy import: even Python cannot open a file
