"""The RestrictedPython sandbox for scripts and expressions in diagrams."""

import os
import sys
import threading

import pytest

from engine.spiff.code_checks import check_expression, check_script, find_code_errors
from models.errors import SandboxViolation
from engine.harness import WorkflowTaskException, evaluate, workflow_from_bpmn
from engine.spiff.sandbox import SandboxEnvironment
from engine.spiff.sandbox_guards import GUARDS
from engine.spiff.workflows import run_engine
from engine.spiff.xmlsafe import parse_bpmn_xml

# (source, what the refusal says)
ESCAPES = [
    ("__import__('os')", '"__import__" is an invalid variable name because it starts with "_"'),
    ("import os", "import statements are not allowed"),
    ("from os import system", "import statements are not allowed"),
    ("().__class__.__bases__", '"__bases__" is an invalid attribute name'),
    ("open('/etc/passwd')", '"open" is not available in the sandbox'),
    ("eval('1')", "Eval calls are not allowed"),
    ("exec('x = 1')", "Exec calls are not allowed"),
    ("getattr(x, '__class__')", '"getattr" is not available in the sandbox'),
    ("compile('1', 'f', 'eval')", '"compile" is not available in the sandbox'),
    ("globals()", '"globals" is not available in the sandbox'),
    ("[c for c in ().__class__.__base__.__subclasses__()]", '"__subclasses__" is an invalid attribute'),
    ("'{0.__class__}'.format(1)", '"format" is not allowed; use an f-string instead'),
    ("'{x}'.format_map({'x': 1})", '"format_map" is not allowed'),
    ("(i for i in []).gi_frame", '"gi_frame" is a restricted name'),
    ("class A: pass", "class definitions are not allowed"),
]


@pytest.fixture
def env():
    return SandboxEnvironment(timeout_seconds=0.3)


@pytest.mark.parametrize("source,why", ESCAPES)
def test_escape_refused_statically(source, why):
    assert why in check_script(source)


@pytest.mark.parametrize("source,why", [e for e in ESCAPES if "class A" not in e[0]
                                        and "import" not in e[0].split("(")[0]])
def test_escape_refused_as_expression(source, why):
    assert why in check_expression(source)


@pytest.mark.parametrize("source,why", ESCAPES)
def test_escape_refused_at_run_time(env, source, why):
    data = {"x": 1}
    with pytest.raises(SandboxViolation) as info:
        env.execute(f"y = 1\n{source}", data)
    assert why in str(info.value)
    assert data == {"x": 1}, "a refused script must not run at all"


@pytest.mark.parametrize("source", ["return 1", "break", "x = [i async for i in y]", "x = 1\x00",
                                    "(" * 300 + ")" * 300, "x = (" + "1 + " * 5000 + "1"])
def test_code_python_cannot_compile_is_reported_not_raised(env, source):
    error = check_script(source)
    assert "SyntaxError" in error and len(error) <= 300
    with pytest.raises(SandboxViolation, match="SyntaxError"):
        env.execute(source, {})


def test_run_time_guards_refuse_what_static_check_cannot_see(env):
    getattr_ = GUARDS["_getattr_"]
    with pytest.raises(SandboxViolation, match="__class__"):
        getattr_(1, "__class__")
    with pytest.raises(SandboxViolation, match="format"):
        getattr_("{0.__class__}", "format")
    with pytest.raises(AttributeError):
        getattr_({}, "no_such_method")  # a plain typo stays a plain AttributeError
    with pytest.raises(SandboxViolation, match='"open" is not available'):
        env.execute("f = open", {})
    with pytest.raises(NameError, match="amont"):
        env.execute("y = amont + 1", {"amount": 1})


@pytest.mark.parametrize("source", [
    "while True: pass",
    "while True:\n    x = 1",
    "try:\n    while True: pass\nexcept Exception:\n    pass\nwhile True: pass",
    "try:\n    while True: pass\nexcept:\n    while True: pass",
    "try:\n    while True: pass\nfinally:\n    while True: pass",
    "def f(n):\n    return 1 if n == 0 else f(n - 1) + f(n - 1)\ny = f(60)",
])
def test_long_script_stopped_after_timeout(env, source):
    # Each script would run for ever (or for 2**60 calls): that it raised at all is the proof;
    # no wall-clock bound, which a loaded machine would break.
    with pytest.raises(SandboxViolation, match=r"ran longer than 0.3 s"):
        env.execute(source, {})


def test_long_expression_stopped_after_timeout(env):
    with pytest.raises(SandboxViolation, match=r"expression ran longer than 0.3 s"):
        env.evaluate("[1 for a in range(10**6) for b in range(10**6)]", {})


def test_timeout_works_outside_the_main_thread(env):
    outcome = []

    def run():
        try:
            env.execute("while True: pass", {})
        except SandboxViolation as exc:
            outcome.append(str(exc))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(5)
    assert not thread.is_alive() and "ran longer than" in outcome[0]


def test_previous_trace_function_restored(env):
    previous = sys.gettrace()

    def tracer(frame, event, arg):
        return None

    sys.settrace(tracer)
    try:
        env.execute("y = 1", {})
        with pytest.raises(SandboxViolation):
            env.execute("while True: pass", {})
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(previous)


@pytest.mark.parametrize("source,limit", [
    ("y = 'a' * 10**7", "items"),
    ("y = [0] * 10**7", "items"),
    ("y = 2 ** 10**6", "bits"),
    ("y = pow(10, 10**6)", "bits"),
    ("y = 1 << 10**7", "bits"),
    ("y = 'ab'\nfor i in range(30):\n    y *= 2", "items"),
    ("y = len(list(range(10**9)))", "items"),
    ("y = sum([[1]] * 1000, [])", "only adds numbers"),
])
def test_huge_results_refused_cheaply(env, source, limit):
    with pytest.raises(SandboxViolation, match=limit):
        env.execute(source, {})


def test_normal_script_updates_task_data():
    env = SandboxEnvironment()
    data = {"amount": 10, "items": [1, 2, 3], "person": {"name": "Sara"}, "count": 0}
    env.execute(
        "total = 0\n"
        "for i, item in enumerate(items):\n"
        "    total += item * 2\n"
        "squares = [n ** 2 for n in items if n > 1]\n"
        "lookup = {k: v for k, v in zip(['a', 'b'], [1, 2])}\n"
        "name = person['name'].upper()\n"
        "person['checked'] = True\n"
        "count += 1\n"
        "label = f'{name} has {len(items)} items'\n"
        "first, (second, third) = items[0], items[1:]\n"
        "due = days_from_now_iso(3)\n"
        "started = now_iso()\n"
        "def helper(n):\n"
        "    return n + 1\n"
        "bumped = helper(amount)\n"
        "print('printing is harmless')\n",
        data)
    assert data["total"] == 12 and data["squares"] == [4, 9] and data["lookup"] == {"a": 1, "b": 2}
    assert data["name"] == "SARA" and data["person"]["checked"] is True and data["count"] == 1
    assert data["label"] == "SARA has 3 items" and (data["second"], data["third"]) == (2, 3)
    assert data["due"][:2] == "20" and data["bumped"] == 11
    leftovers = {"now_iso", "days_from_now_iso", "helper", "__builtins__", "_print"} | set(GUARDS)
    assert not leftovers & set(data)
    assert not any(k.startswith("_") for k in data)


def test_expression_over_task_data(env):
    data = {"amount": 12, "tags": ["a", "b"]}
    assert env.evaluate("amount > 10 and 'a' in tags", data) is True
    assert env.evaluate('\n    "P7D"\n', data) == "P7D"
    assert env.evaluate("days_from_now_iso(1) > now_iso()", data) is True
    assert data == {"amount": 12, "tags": ["a", "b"]}


def test_only_whitelisted_helpers_are_callable():
    env = SandboxEnvironment(helpers={"double": lambda n: n * 2})
    data = {"n": 4}
    env.execute("y = double(n)", data)
    assert data == {"n": 4, "y": 8}
    with pytest.raises(NameError):
        env.execute("z = now_iso()", data)


def test_task_data_may_not_hide_a_helper(env):
    with pytest.raises(ValueError, match="now_iso"):
        env.execute("y = 1", {"now_iso": "oops"})


def test_iterators_do_not_leak_into_task_data(env):
    data = {}
    env.execute("g = (i for i in [1, 2])\nz = zip([1], [2])\nok = list(zip([1], [2]))", data)
    assert data == {"ok": [(1, 2)]}


def test_find_code_errors_names_owner_tag_and_line(fixture_bytes):
    errors = find_code_errors(parse_bpmn_xml(fixture_bytes("code_errors.bpmn")))
    found = {(e.element_id, e.tag, e.line): e.message for e in errors}
    expected = {
        ("Script_import", "scriptTask", 10): "script refused by the sandbox: Line 1: import statements",
        ("Flow_dunder", "sequenceFlow", 18): 'condition refused by the sandbox: Line 1: "__bases__"',
        ("Timer_open", "intermediateCatchEvent", 28):
            'timer expression refused by the sandbox: Line 1: "open"',
        ("Task_pre", "userTask", 33): 'pre-script refused by the sandbox: Line 1: "__import__" is an '
                                      'invalid variable name because it starts with "_"',
        ("Task_multi", "task", 39): "loop cardinality refused by the sandbox: Line 1: Eval calls",
        ("Task_multi", "task", 40): 'completion condition refused by the sandbox: Line 1: "getattr"',
        ("Script_syntax", "scriptTask", 44): "script is not valid Python: Line 1: SyntaxError",
    }
    assert set(found) == set(expected)
    for key, start in expected.items():
        assert found[key].startswith(start), found[key]


def test_find_code_errors_accepts_a_valid_diagram(fixture_bytes):
    assert find_code_errors(parse_bpmn_xml(fixture_bytes("valid_spiff_process.bpmn"))) == []


# ---------------------------------------------------------------- through SpiffWorkflow

def run_workflow(fixture_bytes, name, **harness_args):
    workflow = workflow_from_bpmn(fixture_bytes(name), **harness_args)
    run_engine(workflow)
    return workflow


def test_good_script_sets_data_through_spiffworkflow(fixture_bytes):
    workflow = workflow_from_bpmn(fixture_bytes("script_task_good.bpmn"),
                                  data={"amount": 5, "names": ["ali", "sara"]})
    run_engine(workflow)
    assert workflow.is_completed()
    data = workflow.data
    assert data["total"] == 11 and data["labels"] == ["ALI", "SARA"] and "due" in data
    assert "days_from_now_iso" not in data


def test_evil_script_refused_through_spiffworkflow_without_running(fixture_bytes):
    marker = "/tmp/sandbox_pwned"
    if os.path.exists(marker):
        os.remove(marker)
    with pytest.raises(WorkflowTaskException) as info:
        # Deploy would refuse it already; at run time the sandbox must refuse it too.
        run_workflow(fixture_bytes, "script_task_evil.bpmn", check_code=False)
    assert "import statements are not allowed" in str(info.value)
    assert not os.path.exists(marker)
    task = info.value.task
    assert "x" not in task.data


def test_endless_script_stopped_through_spiffworkflow(fixture_bytes):
    with pytest.raises(WorkflowTaskException, match="ran longer than 0.3 s"):
        run_workflow(fixture_bytes, "script_task_loop.bpmn", timeout_seconds=0.3)


def test_refused_expression_message_survives_spiffworkflow(fixture_bytes):
    workflow = workflow_from_bpmn(fixture_bytes("script_task_good.bpmn"))
    with pytest.raises(WorkflowTaskException, match="refused by the sandbox.*__class__"):
        evaluate(workflow, "().__class__")


def test_a_service_task_waits_for_its_call_instead_of_running_in_the_step(fixture_bytes):
    # The call is made after commit by the scheduler (engine/runtime/service_calls.py); a
    # service task that names no connector is refused at deploy (test_service_task_validation).
    workflow = run_workflow(fixture_bytes, "service_task.bpmn")
    assert not workflow.is_completed()
