"""The guards of restricted code: the bounded operators, string methods and builtins, and the
names RestrictedPython's rewritten code calls (GUARDS).

Pure (RestrictedPython, the standard library and models.errors only), like all the sandbox's parts
the script worker process loads (engine/spiff/worker_process.py).
"""

import builtins
import functools
import operator
import re

from RestrictedPython import PrintCollector
from RestrictedPython.Guards import (full_write_guard, guarded_iter_unpack_sequence,
                                     guarded_unpack_sequence, raise_, safe_builtins, safer_getattr)
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from models.errors import SandboxViolation

MAX_ITEMS = 1_000_000       # longest sequence `*` or range() may produce
MAX_INT_BITS = 100_000      # largest integer `*`, `**` or `<<` may produce (~30,000 digits)
# String methods whose result grows with an argument, inside one C call ('x'.ljust(10**9)).
ALLOCATING_METHODS = frozenset(("ljust", "rjust", "center", "zfill", "expandtabs", "replace"))
# A printf-style conversion: its width and precision ("*" takes them from the arguments).
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")


def percent_refusal(template) -> str | None:
    """Why a printf-style template may not be used, or None (a width of "*" or a huge one)."""
    text = template if isinstance(template, str) else bytes(template).decode("latin-1")
    for width, precision in _PERCENT_SPEC.findall(text):
        for part in (width, precision):
            if part == "*":
                return '"*" widths in % formatting are not allowed; write the number.'
            if part and int(part) > MAX_ITEMS:
                return f"a % width would build a string too large (limit {MAX_ITEMS:,} characters)."
    return None


def _too_large(what: str, limit: int, unit: str) -> SandboxViolation:
    return SandboxViolation(f"{what} would be too large (limit {limit:,} {unit}).")


def guarded_op(symbol: str, left, right):
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
            refusal = percent_refusal(left)
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
        return guarded_op(op[:-1], left, right)
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
    return guarded_op("**", base, exp) if mod is None else pow(base, exp, mod)


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
    "_sandbox_op_": guarded_op,
}
INJECTED = frozenset(GUARDS) | {"_sandbox_check_", "_print", "__builtins__"}


def fresh_guards() -> dict:
    """The guards and a fresh builtins dict per run, so nothing a run does to it leaks into the next."""
    return {**GUARDS, "__builtins__": dict(SANDBOX_BUILTINS)}
