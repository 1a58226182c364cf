"""Running the Python of diagrams under RestrictedPython: the time bound of a run and what a
run may leave in the task data.

The policy is in engine/spiff/sandbox_policy.py, the guards in engine/spiff/sandbox_guards.py,
the bounds of data in engine/spiff/data_bounds.py. Pure (RestrictedPython, the standard library,
models.errors and models.messages only): the script worker process
(engine/spiff/worker_process.py) loads it without SQLAlchemy or SpiffWorkflow.
"""

import builtins
import sys
import time

from engine.spiff.sandbox_guards import INJECTED
from engine.spiff.sandbox_policy import CODE_FILENAME
from models.errors import SandboxViolation


def run_bounded(run, code, scope: dict, timeout_seconds: float, what: str):
    """Run eval/exec of code in scope, stopped with SandboxViolation after timeout_seconds."""
    deadline = time.monotonic() + timeout_seconds
    message = f"the {what} ran longer than {timeout_seconds:g} s and was stopped"
    running = True

    def check():
        # Also fires if sandboxed code runs after the call returned (e.g. a late finally).
        if not running or time.monotonic() > deadline:
            raise SandboxViolation(message)

    def trace_lines(frame, event, arg):
        if time.monotonic() > deadline:
            raise SandboxViolation(message)
        return trace_lines

    def trace_calls(frame, event, arg):
        if time.monotonic() > deadline:
            raise SandboxViolation(message)
        # Line events only for diagram code: helpers and guards are trusted and short.
        return trace_lines if frame.f_code.co_filename == CODE_FILENAME else None

    scope["_sandbox_check_"] = check
    previous = sys.gettrace()
    # settrace is per thread, so this works in Flask's request threads (unlike signals).
    sys.settrace(trace_calls)
    try:
        return run(code, scope)
    except NameError as exc:
        name = getattr(exc, "name", None)
        if name and hasattr(builtins, name) and name not in scope["__builtins__"]:
            raise SandboxViolation(f'"{name}" is not available in the sandbox') from None
        raise
    finally:
        running = False
        sys.settrace(previous)


def strip_context(context: dict, helpers, external_context=None) -> None:
    """Drop helpers, guards, functions and iterators a run left in the task data."""
    for key in list(context):
        value = context[key]
        # Iterators (e.g. generator expressions) would run sandboxed code later, unbounded.
        if (key in INJECTED or callable(value) or hasattr(value, "__next__")
                or key in helpers or (external_context and key in external_context)):
            context.pop(key)
