"""form-js `conditional.hide`: the small part of FEEL the server-side task page evaluates.

A component with {"conditional": {"hide": "=<expression>"}} is left out of the page when the
expression is true over the form's values. Supported: names (dotted for nested values, e.g.
`order.unit`), string and number literals, null, true and false; `=` and `!=`; `and`, `or`,
`not(...)` and parentheses. A bare name is true only when its value is true. The usual use is
read-only context shown only when there is something to show:

    "conditional": {"hide": "=review_reason = null or review_reason = \"\""}

An expression outside this subset hides nothing (the component is shown); expression_error()
names the problem so that tests catch it before a user does. Hiding is display only: the
validator does not evaluate it, so hide read-only context, not fields people must fill in.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping

from models.messages import Message

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?)'
                    rf"|(?P<op>!=|=|\(|\))|(?P<name>{_NAME}(?:\.{_NAME})*))")
_LITERALS = {"null": None, "true": True, "false": False}
_KEYWORDS = frozenset({"and", "or", "not"})
_MISSING = object()


class UnsupportedExpression(ValueError):
    """An expression outside the FEEL subset this renderer evaluates."""


def _tokens(text: str) -> list[tuple[str, str]]:
    text, pos, out = text.rstrip(), 0, []
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise UnsupportedExpression(Message("cannot read {text!r}", text=text[pos:pos + 20]))
        out.append((match.lastgroup, match.group(match.lastgroup)))
        pos = match.end()
    return out


class _Parser:
    """Recursive descent over the tokens; builds a tree of tuples."""

    def __init__(self, tokens):
        self.tokens, self.at = tokens, 0

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else (None, None)

    def take(self, kind, value=None):
        found = self.peek()
        if found[0] != kind or (value is not None and found[1] != value):
            if found[1] is None:
                raise UnsupportedExpression(Message("expected {expected}, but the expression ends",
                                                    expected=value or kind))
            raise UnsupportedExpression(Message("expected {expected}, found {found!r}",
                                                expected=value or kind, found=found[1]))
        self.at += 1
        return found[1]

    def parse(self):
        tree = self.either()
        if self.at != len(self.tokens):
            raise UnsupportedExpression(Message("unexpected {found!r}", found=self.peek()[1]))
        return tree

    def either(self):
        tree = self.both()
        while self.peek() == ("name", "or"):
            self.at += 1
            tree = ("or", tree, self.both())
        return tree

    def both(self):
        tree = self.unary()
        while self.peek() == ("name", "and"):
            self.at += 1
            tree = ("and", tree, self.unary())
        return tree

    def unary(self):
        if self.peek() in (("name", "not"), ("op", "(")):
            negate = self.peek()[1] == "not"
            self.at += 1
            if negate:
                self.take("op", "(")
            tree = self.either()
            self.take("op", ")")
            return ("not", tree) if negate else tree
        left = self.operand()
        if self.peek() in (("op", "="), ("op", "!=")):
            op = self.take("op")
            return (op, left, self.operand())
        return ("truth", left)

    def operand(self):
        kind, value = self.peek()
        if kind == "str":
            self.at += 1
            return ("lit", json.loads(value))
        if kind == "num":
            self.at += 1
            return ("lit", float(value) if "." in value else int(value))
        if kind == "name" and value not in _KEYWORDS:
            self.at += 1
            return ("lit", _LITERALS[value]) if value in _LITERALS else ("var", value.split("."))
        if value is None:
            raise UnsupportedExpression(Message("expected a value, but the expression ends"))
        raise UnsupportedExpression(Message("expected a value, found {found!r}", found=value))


def _value(node, data: Mapping):
    if node[0] == "lit":
        return node[1]
    value = data
    for part in node[1]:
        value = value.get(part, _MISSING) if isinstance(value, Mapping) else _MISSING
    return None if value is _MISSING else value


def _equal(a, b) -> bool:
    if isinstance(a, bool) != isinstance(b, bool):
        return False  # FEEL: true is not 1
    return a == b


def _evaluate(tree, data: Mapping) -> bool:
    op = tree[0]
    if op == "or":
        return _evaluate(tree[1], data) or _evaluate(tree[2], data)
    if op == "and":
        return _evaluate(tree[1], data) and _evaluate(tree[2], data)
    if op == "not":
        return not _evaluate(tree[1], data)
    if op == "truth":
        return _value(tree[1], data) is True
    same = _equal(_value(tree[1], data), _value(tree[2], data))
    return same if op == "=" else not same


def _parse(expression: str):
    return _Parser(_tokens(expression.strip().removeprefix("="))).parse()


def hide_expression(component: Mapping) -> str | None:
    """The component's `conditional.hide` expression, or None."""
    conditional = component.get("conditional")
    hide = conditional.get("hide") if isinstance(conditional, Mapping) else None
    return hide if isinstance(hide, str) and hide.strip() else None


def expression_error(expression: str) -> str | None:
    """Why the renderer cannot evaluate this expression, or None if it can."""
    try:
        _parse(expression)
    except UnsupportedExpression as exc:
        return exc.args[0] if exc.args else str(exc)  # a Message: the web layer translates it
    return None


def holds(expression: str, values: Mapping) -> bool:
    """True if the expression holds over these values; UnsupportedExpression outside the subset."""
    return _evaluate(_parse(expression), values if isinstance(values, Mapping) else {})


def is_hidden(component: Mapping, values: Mapping) -> bool:
    """True if the component's `conditional.hide` holds over these form values."""
    expression = hide_expression(component)
    if expression is None:
        return False
    try:
        return holds(expression, values)
    except UnsupportedExpression:
        return False
