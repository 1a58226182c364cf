"""The Python of diagrams under RestrictedPython: the policy, the guards and the time bound.

Pure (RestrictedPython, the standard library, models.errors and models.messages only): the
script worker process (engine/spiff/script_worker.py) loads it without SQLAlchemy or SpiffWorkflow.
"""

import ast
import builtins
import functools
import operator
import sys
import time
import re

from RestrictedPython import PrintCollector, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (full_write_guard, guarded_iter_unpack_sequence,
                                     guarded_unpack_sequence, raise_, safe_builtins, safer_getattr)
from RestrictedPython.transformer import INSPECT_ATTRIBUTES, RestrictingNodeTransformer, copy_locations

from models.errors import SandboxViolation
from models.messages import Message

# SpiffWorkflow looks for frames of this file name to report the failing script line.
CODE_FILENAME = "<string>"
MAX_ITEMS = 1_000_000       # longest sequence `*` or range() may produce
MAX_INT_BITS = 100_000      # largest integer `*`, `**` or `<<` may produce (~30,000 digits)

# Builtins a diagram has no business calling; refused at deploy time with a clear message.
FORBIDDEN_CALLS = frozenset((
    "open compile globals locals vars dir getattr setattr delattr type object super input help "
    "exit quit memoryview classmethod staticmethod property").split())
_BINOPS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}
# String methods whose result grows with an argument, inside one C call ('x'.ljust(10**9)).
ALLOCATING_METHODS = frozenset(("ljust", "rjust", "center", "zfill", "expandtabs", "replace"))
# A printf-style conversion: its width and precision ("*" takes them from the arguments).
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")
# A format spec's width and precision in an f-string ({x:>20.3f}).
_FORMAT_WIDTH = re.compile(r"(\d+)")
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
        if isinstance(node.func, ast.Attribute) and node.func.attr in ALLOCATING_METHODS:
            for arg in node.args:
                size = _constant_int(arg)
                if size is not None and size > MAX_ITEMS:
                    self.error(node, f'"{node.func.attr}" with {_shown(size)} would build a string '
                                     f"too large (limit {MAX_ITEMS:,} characters).")
        return super().visit_Call(node)

    def visit_JoinedStr(self, node):
        for value in node.values:
            spec = value.format_spec if isinstance(value, ast.FormattedValue) else None
            if spec is None:
                continue
            for part in spec.values:
                if not isinstance(part, ast.Constant):
                    self.error(node, "a computed width in an f-string is not allowed; write the number.")
                elif any(int(n) > MAX_ITEMS for n in _FORMAT_WIDTH.findall(str(part.value))):
                    self.error(node, f"an f-string width would build a string too large "
                                     f"(limit {MAX_ITEMS:,} characters).")
        return super().visit_JoinedStr(node)

    def visit_BinOp(self, node):
        refusal = _static_binop_refusal(node)
        if refusal:
            self.error(node, refusal)
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


def _constant_int(node, depth: int = 0):
    """The value of an integer written as constants (10**9, 4 * 1000), or None; huge ones capped."""
    if depth > 20:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _constant_int(node.operand, depth + 1)
        return None if value is None else (-value if isinstance(node.op, ast.USub) else value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Pow, ast.Add, ast.LShift)):
        left, right = _constant_int(node.left, depth + 1), _constant_int(node.right, depth + 1)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Add):
            return left + right
        try:
            symbol = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<"}[type(node.op)]
            return _guarded_op(symbol, left, right) if right >= 0 else None
        except SandboxViolation:
            return 1 << MAX_INT_BITS  # "larger than any limit", without computing it
    return None


def _shown(number: int) -> str:
    return f"{number:,}" if number.bit_length() < 64 else "a huge number"


def _percent_refusal(template) -> str | None:
    """Why a printf-style template may not be used, or None (a width of "*" or a huge one)."""
    text = template if isinstance(template, str) else bytes(template).decode("latin-1")
    for width, precision in _PERCENT_SPEC.findall(text):
        for part in (width, precision):
            if part == "*":
                return '"*" widths in % formatting are not allowed; write the number.'
            if part and int(part) > MAX_ITEMS:
                return f"a % width would build a string too large (limit {MAX_ITEMS:,} characters)."
    return None


def _static_binop_refusal(node) -> str | None:
    """What deploy refuses in `a * b` and `a % b` written with constants."""
    if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) \
            and isinstance(node.left.value, (str, bytes)):
        return _percent_refusal(node.left.value)
    if isinstance(node.op, ast.Mult):
        for seq, count in ((node.left, node.right), (node.right, node.left)):
            n = _constant_int(count)
            if n is None:
                continue
            if isinstance(seq, ast.Constant) and isinstance(seq.value, (str, bytes)):
                length = len(seq.value)
            elif isinstance(seq, (ast.List, ast.Tuple)):
                length = len(seq.elts)
            else:
                continue
            if length * n > MAX_ITEMS:
                return f"the repeated sequence would be too large (limit {MAX_ITEMS:,} items)."
    return None


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
    if symbol == "%":
        if isinstance(left, (str, bytes)):
            refusal = _percent_refusal(left)
            if refusal:
                raise SandboxViolation(refusal)
        return left % right
    raise SandboxViolation(f"operator {symbol!r} is not guarded")


_INPLACE = {"+=": operator.iadd, "-=": operator.isub, "/=": operator.itruediv,
            "//=": operator.ifloordiv, ">>=": operator.irshift,
            "|=": operator.ior, "&=": operator.iand, "^=": operator.ixor, "@=": operator.imatmul}


def _inplacevar(op: str, left, right):
    """Carry out `x op= y` for RestrictedPython (it rewrites augmented assignment into this call)."""
    if op in ("*=", "**=", "<<=", "%="):
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
        value = safer_getattr(obj, name, default)
    except NotImplementedError as exc:
        raise SandboxViolation(str(exc)) from None
    if name in ALLOCATING_METHODS and callable(value):
        return functools.partial(_bounded_method, value, name, obj)
    return value


def _bounded_method(method, name: str, obj, *args, **kwargs):
    """Call str.ljust, .zfill, .replace ... after checking the length of what it would build."""
    # obj is a string, or the class itself (str.ljust(s, n)): then the string is the first argument.
    text = obj if isinstance(obj, (str, bytes, bytearray)) else (args[0] if args else "")
    numbers = [a for a in (*args, *kwargs.values()) if isinstance(a, int) and not isinstance(a, bool)]
    size = 0
    if name == "expandtabs":
        size = len(text) * max(numbers or [8])
    elif name == "replace":
        strings = [a for a in args if isinstance(a, (str, bytes, bytearray))]
        old, new = (strings[-2:] if len(strings) >= 2 else (None, None))
        if old is not None and len(new) > len(old):
            found = len(text) + 1 if not old else text.count(old)
            size = len(text) + found * (len(new) - len(old))
    else:
        size = max(numbers or [0])
    if size > MAX_ITEMS:
        raise _too_large(f'the string "{name}" builds', MAX_ITEMS, "characters")
    return method(*args, **kwargs)


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




def fresh_guards() -> dict:
    """The guards and a fresh builtins dict per run, so nothing a run does to it leaks into the next."""
    return {**GUARDS, "__builtins__": dict(SANDBOX_BUILTINS)}


def refused_code(source: str, mode: str, what: str):
    """The compiled code of a script or expression; SandboxViolation if the sandbox refuses it."""
    code, error = compile_code(source, mode)
    if error:
        raise SandboxViolation(f"{what} refused by the sandbox: {error}")
    return code


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


INJECTED = _INJECTED

# What a script may leave in the task data, and what a form or the API may submit: the
# defaults of the settings SCRIPT_MAX_DATA_BYTES and SCRIPT_MAX_DATA_DEPTH.
DEFAULT_MAX_DATA_BYTES = 1_000_000
DEFAULT_MAX_DATA_DEPTH = 50


class DataTooLarge(SandboxViolation):
    """Data over the size or depth bound; its message is a Message for the pages to translate."""

    def __init__(self, message, params: tuple = ()):
        super().__init__(message)
        self.params = params  # (kind, what, limit): how the worker's answer names it


def data_too_large(kind: str, what: str, limit: int) -> DataTooLarge:
    """The refusal of data over a bound: kind "depth" or "size", what "the task data" or another."""
    if what not in _BOUNDED:
        what = "the task data"
    template = ("{what} nests deeper than {limit} levels" if kind == "depth"
                else "{what} is larger than {limit} bytes")
    return DataTooLarge(Message(template, what=Message(what), limit=int(limit)), (kind, what, int(limit)))


# What check_data_bounds may name (the worker's answer is checked against this list).
_BOUNDED = ("the task data", "the expression's value", "the submitted data", "the message payload")


def check_data_bounds(value, max_bytes: int = DEFAULT_MAX_DATA_BYTES,
                      max_depth: int = DEFAULT_MAX_DATA_DEPTH, what: str = "the task data") -> None:
    """DataTooLarge if value would take more than max_bytes as JSON or nests deeper than max_depth.

    Iterative and stopped at the bound, so a value of shared parts (a = [a, a] sixty times,
    2**60 items once written out) or a cycle is refused after max_bytes steps, not expanded.
    """
    size = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise data_too_large("depth", what, max_depth)
        if isinstance(item, (str, bytes, bytearray)):
            size += len(item) + 2
        elif isinstance(item, dict):
            size += 2 + 2 * len(item)
            for key, child in item.items():
                size += len(key) + 3 if isinstance(key, str) else 8
                stack.append((child, depth + 1))
        elif isinstance(item, (list, tuple, set, frozenset)):
            size += 2 + len(item)
            stack.extend((child, depth + 1) for child in item)
        else:
            size += 8
        if size > max_bytes:
            raise data_too_large("size", what, max_bytes)
