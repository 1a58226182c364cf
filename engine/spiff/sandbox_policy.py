"""The RestrictedPython policy of diagram code: what the sandbox refuses before anything runs,
and the compiling of scripts and expressions under it.

Pure (RestrictedPython, the standard library and models.errors only): the script worker process
loads it without SQLAlchemy or SpiffWorkflow.
"""

import ast
import functools
import re

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations

from engine.spiff.sandbox_guards import (ALLOCATING_METHODS, MAX_INT_BITS, MAX_ITEMS, guarded_op,
                                         percent_refusal)
from models.errors import SandboxViolation

# SpiffWorkflow looks for frames of this file name to report the failing script line.
CODE_FILENAME = "<string>"

# Builtins a diagram has no business calling; refused at deploy time with a clear message.
FORBIDDEN_CALLS = frozenset((
    "open compile globals locals vars dir getattr setattr delattr type object super input help "
    "exit quit memoryview classmethod staticmethod property").split())
_BINOPS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}
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
            return guarded_op(symbol, left, right) if right >= 0 else None
        except SandboxViolation:
            return 1 << MAX_INT_BITS  # "larger than any limit", without computing it
    return None


def _shown(number: int) -> str:
    return f"{number:,}" if number.bit_length() < 64 else "a huge number"


def _static_binop_refusal(node) -> str | None:
    """What deploy refuses in `a * b` and `a % b` written with constants."""
    if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) \
            and isinstance(node.left.value, (str, bytes)):
        return percent_refusal(node.left.value)
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


def refused_code(source: str, mode: str, what: str):
    """The compiled code of a script or expression; SandboxViolation if the sandbox refuses it."""
    code, error = compile_code(source, mode)
    if error:
        raise SandboxViolation(f"{what} refused by the sandbox: {error}")
    return code
