"""Run the Python in diagrams (scripts, conditions, timers) under RestrictedPython, bounded in time."""

import ast
import builtins
import functools
import operator
import sys
import time
from datetime import timedelta

from RestrictedPython import PrintCollector, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (full_write_guard, guarded_iter_unpack_sequence,
                                     guarded_unpack_sequence, raise_, safe_builtins, safer_getattr)
from RestrictedPython.transformer import INSPECT_ATTRIBUTES, RestrictingNodeTransformer, copy_locations
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (BasePythonScriptEngineEnvironment,
                                                                 TaskDataEnvironment)
from SpiffWorkflow.exceptions import SpiffWorkflowException

from models.errors import SandboxViolation
from engine.deadlines import MessageClock, ReplyDeadlines
from workcal.working_time import WORKING_TIME_HELPERS
from models import clock

# SpiffWorkflow looks for frames of this file name to report the failing script line.
CODE_FILENAME = "<string>"
MAX_ITEMS = 1_000_000       # longest sequence `*` or range() may produce
MAX_INT_BITS = 100_000      # largest integer `*`, `**` or `<<` may produce (~30,000 digits)

# Builtins a diagram has no business calling; refused at deploy time with a clear message.
FORBIDDEN_CALLS = frozenset((
    "open compile globals locals vars dir getattr setattr delattr type object super input help "
    "exit quit memoryview classmethod staticmethod property").split())
_BINOPS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<"}
_REFUSED = {
    # RestrictedPython accepts imports and only fails them at run time; refuse them up front.
    ast.Import: "import statements are not allowed.",
    ast.ImportFrom: "import statements are not allowed.",
    # A class could define __exit__, __eq__ ... that run after the timeout has fired.
    ast.ClassDef: "class definitions are not allowed.",
    # A generator's finally-block could run later, outside the time limit.
    ast.Yield: "generator functions (yield) are not allowed.",
    ast.YieldFrom: "generator functions (yield) are not allowed.",
}


class _SandboxPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus what a workflow diagram never needs and what the timeout relies on."""

    def visit(self, node):
        refusal = _REFUSED.get(type(node))
        if refusal:
            self.error(node, refusal)
            return node
        return super().visit(node)

    def visit_Attribute(self, node):
        if node.attr in ("format", "format_map"):
            # str.format can reach dunder attributes through its field names; f-strings cannot.
            self.error(node, f'"{node.attr}" is not allowed; use an f-string instead.')
        return super().visit_Attribute(node)

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            self.error(node, f'"{node.func.id}" is not available in the sandbox.')
        return super().visit_Call(node)

    def visit_BinOp(self, node):
        node = super().visit_BinOp(node)
        symbol = _BINOPS.get(type(node.op))
        if symbol is None:
            return node
        # These can build huge values inside one C call, where the line-based timeout cannot reach.
        call = ast.Call(func=ast.Name("_sandbox_op_", ast.Load()),
                        args=[ast.Constant(symbol), node.left, node.right], keywords=[])
        copy_locations(call, node)
        return call

    def visit_ExceptHandler(self, node):
        # Evaluating an arbitrary `except <expr>` could run code after the timeout fired.
        names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        if node.type is not None and not all(isinstance(n, ast.Name) for n in names):
            self.error(node, 'only exception names may follow "except".')
        return super().visit_ExceptHandler(node)

    def visit_Try(self, node):
        node = super().visit_Try(node)
        # The timeout is raised once by the trace function (which Python then removes);
        # re-checking first thing in every handler stops a script from swallowing it.
        for body in [h.body for h in node.handlers] + ([node.finalbody] if node.finalbody else []):
            _insert_check(body)
        return node

    def visit_While(self, node):
        # CPython 3.11 emits no line events for `while True: pass` (a jump onto itself).
        node = super().visit_While(node) if isinstance(node, ast.While) else super().visit_For(node)
        _insert_check(node.body)
        return node

    visit_For = visit_While


def _insert_check(body: list) -> None:
    check = ast.Expr(ast.Call(func=ast.Name("_sandbox_check_", ast.Load()), args=[], keywords=[]))
    copy_locations(check, body[0])
    body.insert(0, check)


@functools.lru_cache(maxsize=2048)
def _compile(source: str, mode: str):
    """Compile restricted code once per (source, mode); return (code, error message)."""
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    try:
        result = compiler(source, filename=CODE_FILENAME, policy=_SandboxPolicy)
    except SyntaxError as exc:
        # Errors CPython finds only when compiling the checked tree ('return' outside a function).
        return None, f"Line {exc.lineno}: SyntaxError: {exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        # Null bytes, or nesting too deep for the parser.
        return None, f"Line 1: SyntaxError: {exc.__class__.__name__}: {exc}"
    if result.errors:
        # Syntax errors quote the whole statement; keep messages short enough to show to people.
        return None, "; ".join(e[:297] + "..." if len(e) > 300 else e.rstrip(".") for e in result.errors)
    return result.code, None


def compile_code(source: str, mode: str):
    """Compile a script ("exec") or expression ("eval") for the sandbox; return (code, error message)."""
    # Python's own eval() strips surrounding blanks; diagrams often wrap expressions in newlines.
    return _compile(source.strip() if mode == "eval" else source, mode)


def _too_large(what: str, limit: int, unit: str) -> SandboxViolation:
    return SandboxViolation(f"{what} would be too large (limit {limit:,} {unit}).")


def _guarded_op(symbol: str, left, right):
    """Apply *, ** or << after checking that the result stays small."""
    ints = isinstance(left, int) and isinstance(right, int)
    if symbol == "*":
        for seq, n in ((left, right), (right, left)):
            if (isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int)
                    and len(seq) * n > MAX_ITEMS):
                raise _too_large("the repeated sequence", MAX_ITEMS, "items")
        if ints and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise _too_large("the product", MAX_INT_BITS, "bits")
        return left * right
    if symbol == "**":
        if ints and right > 0 and abs(left) > 1 and left.bit_length() * right > MAX_INT_BITS:
            raise _too_large("the power", MAX_INT_BITS, "bits")
        return left ** right
    if symbol == "<<":
        if ints and left and left.bit_length() + right > MAX_INT_BITS:
            raise _too_large("the shifted number", MAX_INT_BITS, "bits")
        return left << right
    raise SandboxViolation(f"operator {symbol!r} is not guarded")


_INPLACE = {"+=": operator.iadd, "-=": operator.isub, "/=": operator.itruediv,
            "//=": operator.ifloordiv, "%=": operator.imod, ">>=": operator.irshift,
            "|=": operator.ior, "&=": operator.iand, "^=": operator.ixor, "@=": operator.imatmul}


def _inplacevar(op: str, left, right):
    """Carry out `x op= y` for RestrictedPython (it rewrites augmented assignment into this call)."""
    if op in ("*=", "**=", "<<="):
        return _guarded_op(op[:-1], left, right)
    if op not in _INPLACE:
        raise SandboxViolation(f"operator {op!r} is not allowed")
    return _INPLACE[op](left, right)


def _getattr(obj, name, default=raise_):
    """Attribute access for sandboxed code: no '_' names, no frame internals, no str.format."""
    if not isinstance(name, str) or name.startswith("_") or name in INSPECT_ATTRIBUTES:
        raise SandboxViolation(f'access to the attribute "{name}" is not allowed')
    try:
        # raise_ makes a missing attribute an AttributeError, not RestrictedPython's silent None.
        return safer_getattr(obj, name, default)
    except NotImplementedError as exc:
        raise SandboxViolation(str(exc)) from None


def _range(*args):
    r = range(*args)
    # len() itself overflows for astronomically long ranges, so compare the slice instead.
    if r[MAX_ITEMS:]:
        raise _too_large("the range", MAX_ITEMS, "items")
    return r


def _sum(iterable, start=0):
    # sum() of lists or tuples concatenates quadratically inside C, beyond the timeout's reach.
    if not isinstance(start, (int, float, complex)):
        raise SandboxViolation("sum() only adds numbers; use a loop or a comprehension to join lists")
    return sum(iterable, start)


def _pow(base, exp, mod=None):
    return _guarded_op("**", base, exp) if mod is None else pow(base, exp, mod)


def _make_builtins() -> dict:
    allowed = dict(safe_builtins)
    for name in ("__build_class__", "setattr", "delattr"):
        allowed.pop(name, None)
    for name in ("len", "min", "max", "any", "all", "abs", "round", "enumerate", "zip", "sorted",
                 "list", "dict", "set", "tuple", "str", "int", "float", "bool", "isinstance"):
        allowed[name] = getattr(builtins, name)
    allowed.update(range=_range, sum=_sum, pow=_pow)
    return allowed


SANDBOX_BUILTINS = _make_builtins()

# Names RestrictedPython's rewritten code calls; put in the globals of every run, removed after.
GUARDS = {
    "_getattr_": _getattr,
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_write_": full_write_guard,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_inplacevar_": _inplacevar,
    "_apply_": lambda func, *args, **kwargs: func(*args, **kwargs),
    "_print_": PrintCollector,
    "_sandbox_op_": _guarded_op,
}
_INJECTED = frozenset(GUARDS) | {"_sandbox_check_", "_print", "__builtins__"}


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
    """TaskDataEnvironment's semantics, but compiled by RestrictedPython and stopped after a time limit."""

    def __init__(self, helpers: dict | None = None, timeout_seconds: float = 2.0):
        super().__init__(environment_globals=dict(DEFAULT_HELPERS if helpers is None else helpers))
        self.timeout_seconds = timeout_seconds

    def evaluate(self, expression, context, external_context=None):
        """Return the value of an expression over the task data."""
        code = self._code(expression, "eval", "expression")
        self._prepare_context(context)
        scope = {**self.globals, **(external_context or {}), **context, **self._guards()}
        return self._bounded(eval, code, scope, "expression")

    def execute(self, script, context, external_context=None):
        """Run a script whose assignments land in the task data `context`."""
        code = self._code(script, "exec", "script")
        self.check_for_overwrite(context, external_context or {})
        self._prepare_context(context)
        context.update({**self.globals, **(external_context or {}), **self._guards()})
        try:
            self._bounded(exec, code, context, "script")
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True

    def call_service(self, context, **kwargs):
        """Refuse: this engine calls no external services."""
        raise NotImplementedError("Service tasks are not supported by this engine.")

    def _prepare_context(self, context):
        pass

    def _remove_globals_and_functions_from_context(self, context, external_context=None):
        """Drop helpers, guards, functions and iterators the run left in the task data."""
        for key in list(context):
            value = context[key]
            # Iterators (e.g. generator expressions) would run sandboxed code later, unbounded.
            if (key in _INJECTED or callable(value) or hasattr(value, "__next__")
                    or key in self.globals or (external_context and key in external_context)):
                context.pop(key)

    # Upstream's check, unchanged: task data must not hide a helper function.
    check_for_overwrite = TaskDataEnvironment.check_for_overwrite

    def _code(self, source, mode, what):
        code, error = compile_code(source, mode)
        if error:
            raise SandboxViolation(f"{what} refused by the sandbox: {error}")
        return code

    @staticmethod
    def _guards():
        # A fresh builtins dict per run, so nothing a run does to it can leak into the next.
        return {**GUARDS, "__builtins__": dict(SANDBOX_BUILTINS)}

    def _bounded(self, run, code, scope, what):
        """Run eval/exec of code in scope, stopped with SandboxViolation after timeout_seconds."""
        deadline = time.monotonic() + self.timeout_seconds
        message = f"the {what} ran longer than {self.timeout_seconds:g} s and was stopped"
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


class SandboxScriptEngine(PythonScriptEngine):
    """SpiffWorkflow script engine running everything through a SandboxEnvironment."""

    def __init__(self, environment=None, helpers: dict | None = None, timeout_seconds: float = 2.0):
        super().__init__(environment=environment or SandboxEnvironment(helpers, timeout_seconds))

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

    def call_service(self, task, **kwargs):
        """Refuse service tasks clearly (upstream's version fails with a NameError on `script`)."""
        operation = kwargs.get("operation_name") or "unknown operation"
        raise WorkflowTaskException(
            f"Service tasks are not supported by this engine (service task asked for '{operation}').",
            task=task)

