"""Run the Python in diagrams (scripts, conditions, timers): in a worker process with operating-
system limits (engine/spiff/script_worker.py), under RestrictedPython (engine/spiff/restricted.py),
bounded in time, in memory and in the size of what it leaves in the task data."""

from datetime import timedelta

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (BasePythonScriptEngineEnvironment,
                                                                 TaskDataEnvironment)
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.deadlines import MessageClock, ReplyDeadlines
from engine.spiff import script_worker
from engine.spiff.data_bounds import (DEFAULT_MAX_DATA_BYTES, DEFAULT_MAX_DATA_DEPTH,
                                      check_data_bounds)
from engine.spiff.restricted import run_bounded, strip_context
from engine.spiff.sandbox_guards import fresh_guards
from engine.spiff.sandbox_policy import refused_code
from models import clock
from models.errors import SandboxViolation
from workcal.working_time import WORKING_TIME_HELPERS


def now_iso() -> str:
    """Current UTC time (the settable clock) as an ISO 8601 string (seconds precision)."""
    return clock.now().replace(microsecond=0).isoformat()


def days_from_now_iso(n: float) -> str:
    """UTC time n calendar days from now as an ISO 8601 string (seconds precision)."""
    return (clock.now() + timedelta(days=n)).replace(microsecond=0).isoformat()


# Every diagram may call these; working-time helpers count on the instance's calendar. An
# Engine (engine.core) adds reply_deadline_hours with its own deadlines and the programmes' helpers.
BASE_HELPERS = {"now_iso": now_iso, "days_from_now_iso": days_from_now_iso, **WORKING_TIME_HELPERS}
# What the deploy-time checks and a bare script engine know: the base helpers, the default
# deadlines and the default 137 clock.
DEFAULT_HELPERS = {**BASE_HELPERS, "reply_deadline_hours": ReplyDeadlines().reply_deadline_hours,
                   **MessageClock().helpers()}


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """TaskDataEnvironment's semantics, compiled by RestrictedPython and stopped after a time
    limit, in this process (the worker process runs this; so do tests of the policy itself)."""

    def __init__(self, helpers: dict | None = None, timeout_seconds: float = 2.0,
                 max_data_bytes: int = DEFAULT_MAX_DATA_BYTES,
                 max_data_depth: int = DEFAULT_MAX_DATA_DEPTH):
        super().__init__(environment_globals=dict(DEFAULT_HELPERS if helpers is None else helpers))
        self.timeout_seconds = timeout_seconds
        self.max_data_bytes, self.max_data_depth = max_data_bytes, max_data_depth

    def evaluate(self, expression, context, external_context=None):
        """Return the value of an expression over the task data."""
        code = refused_code(expression, "eval", "expression")
        scope = {**self.globals, **(external_context or {}), **context, **fresh_guards()}
        value = run_bounded(eval, code, scope, self.timeout_seconds, "expression")
        check_data_bounds(value, self.max_data_bytes, self.max_data_depth, "the expression's value")
        return value

    def execute(self, script, context, external_context=None):
        """Run a script whose assignments land in the task data `context`."""
        code = refused_code(script, "exec", "script")
        self.check_for_overwrite(context, external_context or {})
        scope = {**context, **self.globals, **(external_context or {}), **fresh_guards()}
        try:
            run_bounded(exec, code, scope, self.timeout_seconds, "script")
        finally:
            strip_context(scope, self.globals, external_context)
        # Checked before the task data changes: a refused result stores nothing.
        check_data_bounds(scope, self.max_data_bytes, self.max_data_depth)
        context.clear()
        context.update(scope)
        return True

    def call_service(self, context, **kwargs):
        """Refuse: this engine calls no external services."""
        raise NotImplementedError("Service tasks are not supported by this engine.")

    # Upstream's check, unchanged: task data must not hide a helper function.
    check_for_overwrite = TaskDataEnvironment.check_for_overwrite


class IsolatedEnvironment(SandboxEnvironment):
    """The same semantics, run in a worker process with address-space, CPU and file limits.

    Only the task data (and the value or new task data) cross the process boundary; the
    helpers run here, in the calling thread (its clock and calendar), when the script calls them.
    """

    def __init__(self, helpers: dict | None = None, timeout_seconds: float = 2.0,
                 max_data_bytes: int = DEFAULT_MAX_DATA_BYTES,
                 max_data_depth: int = DEFAULT_MAX_DATA_DEPTH,
                 limits: script_worker.WorkerLimits | None = None):
        super().__init__(helpers, timeout_seconds, max_data_bytes, max_data_depth)
        self.limits = limits or script_worker.WorkerLimits()

    def evaluate(self, expression, context, external_context=None):
        """Return the value of an expression over the task data, computed by a worker."""
        refused_code(expression, "eval", "expression")  # refused here, without a round trip
        return self._run("eval", expression, {**(external_context or {}), **context}, None)

    def execute(self, script, context, external_context=None):
        """Run a script in a worker; its task data replaces `context` only if it succeeded."""
        refused_code(script, "exec", "script")
        self.check_for_overwrite(context, external_context or {})
        new = self._run("exec", script, dict(context), external_context or {})
        context.clear()
        context.update(new)
        return True

    def _run(self, mode, source, data, external_context):
        return script_worker.run_in_worker(
            mode, source, data, external_context, helpers=self.globals,
            timeout_seconds=self.timeout_seconds, max_data_bytes=self.max_data_bytes,
            max_data_depth=self.max_data_depth, limits=self.limits)


class SandboxScriptEngine(PythonScriptEngine):
    """SpiffWorkflow script engine running everything through a sandboxed environment
    (isolated in a worker process unless told otherwise)."""

    def __init__(self, environment=None, helpers: dict | None = None, timeout_seconds: float = 2.0,
                 max_data_bytes: int = DEFAULT_MAX_DATA_BYTES,
                 max_data_depth: int = DEFAULT_MAX_DATA_DEPTH,
                 limits: script_worker.WorkerLimits | None = None):
        super().__init__(environment=environment or IsolatedEnvironment(
            helpers, timeout_seconds, max_data_bytes, max_data_depth, limits))

    def evaluate(self, task, expression, external_context=None):
        """Evaluate an expression for a task; keep the cause's message in the raised exception."""
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SpiffWorkflowException as exc:
            exc.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as exc:
            # Upstream drops the cause's text here, which would hide a sandbox refusal.
            raise WorkflowTaskException(
                f"Error evaluating expression '{expression}': {exc.__class__.__name__}: {exc}",
                task=task, exception=exc) from exc

    def create_task_exec_exception(self, task, script, err):
        """Upstream's exception, without the class name before a sandbox's own refusal."""
        if not isinstance(err, SandboxViolation):
            return super().create_task_exec_exception(task, script, err)
        line_number, error_line = self.get_error_line_number_and_content(script, err)
        return WorkflowTaskException(str(err), task=task, exception=err, line_number=line_number,
                                     error_line=error_line)

    def get_error_line_number_and_content(self, script, err):
        """The failing line: from the worker's report, else from this process's traceback."""
        line_number = getattr(err, "script_line", None)
        if not line_number:
            return super().get_error_line_number_and_content(script, err)
        lines = script.splitlines()
        return line_number, lines[line_number - 1] if line_number <= len(lines) else ""

    def call_service(self, task, **kwargs):
        """Refuse service tasks clearly (upstream's version fails with a NameError on `script`)."""
        operation = kwargs.get("operation_name") or "unknown operation"
        raise WorkflowTaskException(
            f"Service tasks are not supported by this engine (service task asked for '{operation}').",
            task=task)
