"""The FEEL subset decision tables are written in: literals, unary tests and input names.

Input expressions: a name, dotted for a nested value (`request.category`). Output entries: a
literal: "text", a number, true, false or null (an empty cell is null). Input entries (unary
tests): `-` or empty (anything); a literal (equal to it); `< 5`, `<= 5`, `> 5`, `>= 5`, `!= x`;
a range `[1..5]`, `(1..5)`, `]1..5[`; a comma list of these (any of them); `not(...)` of a list.
Nothing is evaluated with eval: a cell is parsed into a small tree and compared in Python.
"""
from __future__ import annotations

import re

from models.messages import Message

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_COMPARISON = re.compile(r"^(<=|>=|!=|<|>|=)\s*(.+)$", re.S)
_RANGE = re.compile(r"^([\[\]\(])\s*(.+?)\s*\.\.\s*(.+?)\s*([\[\]\)])$", re.S)
# DMN's names of the types a column may have, and the Python types their values are.
TYPES = {"string": (str,), "number": (int, float), "integer": (int,), "long": (int,),
         "double": (int, float), "boolean": (bool,)}


class FeelError(ValueError):
    """A cell outside the FEEL subset, or of the wrong type; the message says which."""


def literal(text: str):
    """The value of a literal: "text", a number, true, false or null."""
    text = text.strip()
    if text in ("", "null"):
        return None
    if text in ("true", "false"):
        return text == "true"
    if _NUMBER.match(text):
        return float(text) if "." in text else int(text)
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"' and '"' not in text[1:-1].replace('\\"', ""):
        return text[1:-1].replace('\\"', '"')
    raise FeelError(Message('{text} is not a value: write text in double quotes ("service"), '
                            "a number, true, false or null", text=text[:40]))


def type_ok(value, type_ref: str | None) -> bool:
    """Whether a value is of a column's type (None, a null, fits every type)."""
    if value is None or not type_ref:
        return True
    types = TYPES.get(type_ref)
    if types is None:
        return False
    if isinstance(value, bool) and bool not in types:
        return False  # True is an int to Python, not a number to a decision table
    if type_ref in ("integer", "long") and isinstance(value, float) and value.is_integer():
        return True
    return isinstance(value, types)


def split_list(text: str) -> list[str]:
    """A comma list's parts, not splitting inside quotes, brackets or parentheses."""
    parts, depth, quoted, start = [], 0, False, 0
    for at, char in enumerate(text):
        if char == '"' and (at == 0 or text[at - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char in "([":
            depth += 1
        elif not quoted and char in ")]":
            depth -= 1
        elif not quoted and depth <= 0 and char == ",":
            parts.append(text[start:at])
            start = at + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def parse_tests(text: str | None):
    """A unary-tests cell as a tree: None (anything), ("not", [tests]) or [tests], each test
    ("=", value), ("<", value), ..., ("range", low, high, low_closed, high_closed)."""
    text = (text or "").strip()
    if text in ("", "-"):
        return None
    if text.startswith("not(") and text.endswith(")"):
        return ("not", [_test(part) for part in split_list(text[4:-1])])
    return [_test(part) for part in split_list(text)]


def _test(part: str):
    if not part:
        raise FeelError(Message("an empty test in a comma list"))
    found = _RANGE.match(part)
    if found and part[0] in "[]([" and ".." in part:
        opening, low, high, closing = found.groups()
        return ("range", literal(low), literal(high), opening == "[", closing == "]")
    found = _COMPARISON.match(part)
    if found:
        return (found.group(1), literal(found.group(2)))
    return ("=", literal(part))


def test_values(tree) -> list:
    """Every literal a parsed cell compares with (for type checks)."""
    if tree is None:
        return []
    tests = tree[1] if isinstance(tree, tuple) else tree
    values = []
    for test in tests:
        values.extend(test[1:3] if test[0] == "range" else test[1:2])
    return values


def matches(tree, value) -> bool:
    """Whether a value passes a parsed unary-tests cell."""
    if tree is None:
        return True
    if isinstance(tree, tuple):  # not(...)
        return not any(_passes(test, value) for test in tree[1])
    return any(_passes(test, value) for test in tree)


def _passes(test, value) -> bool:
    op = test[0]
    if op == "=":
        return _equal(value, test[1])
    if op == "!=":
        return not _equal(value, test[1])
    if value is None:
        return False  # null is neither less nor greater than anything
    if op == "range":
        _op, low, high, low_closed, high_closed = test
        above = value >= low if low_closed else value > low
        below = value <= high if high_closed else value < high
        return above and below
    bound = test[1]
    if bound is None:
        return False
    return {"<": value < bound, "<=": value <= bound, ">": value > bound, ">=": value >= bound}[op]


def _equal(a, b) -> bool:
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return a == b


def read_name(data: dict, name: str):
    """The value of a dotted name in the data; KeyError(name) when a part is missing."""
    value = data
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(name)
        value = value[part]
    return value
