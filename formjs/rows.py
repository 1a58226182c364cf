"""Dynamic lists that grow and shrink: row limits, "add row" / "remove row" without JavaScript,
and rows a form starts with from what the case already knows.

A form-js `dynamiclist` declares these with custom properties (form-js keeps them as
strings; the editor shows them under "Custom properties"):

    "properties": {"minRows": "1", "maxRows": "30",
                   "rowsFrom": "invited_media", "rowsMap": "name=reporter, outlet"}

- minRows / maxRows: how many rows a submission must have (checked by formjs.validation) and
  when the page hides "remove row" (at the minimum) and "add row" (at the maximum).
- rowsFrom: a dotted path in the task data whose rows the list starts with the first time the
  task is shown (a list of records; a single record gives one row; `.` is the task data
  itself, e.g. the one applicant registered earlier in the case).
- rowsMap: which keys a row takes, `target=source` or just `key` (same name); without it a row
  takes every key of its own components that the source row has.

"Add row" and "remove row" are submit buttons of the form itself, name `_rows`, value
`add:<list>` or `remove:<list>[i]` (`<list>` is the HTML name of the list, e.g. `requests` or
`P.L` or `A[0].L`). A post that carries one is not a submission: apply_row_action() gives the
values to show again, every typed value kept and one row more or less, and nothing is saved.
A small script (app/static/formjs_rows.js) does the same in the browser without a round trip.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping

from formjs.validation import MAX_ROWS, iter_components, row_limits

__all__ = ["ROW_ACTION", "row_action", "apply_row_action", "source_rows", "row_limits",
           "parse_rows_map"]

ROW_ACTION = "_rows"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_ACTION_RE = re.compile(rf"(add|remove):((?:{_NAME}(?:\[\d{{1,6}}\])?\.)*{_NAME})(?:\[(\d{{1,6}})\])?")
_STEP_RE = re.compile(rf"({_NAME})(?:\[(\d{{1,6}})\])?")
_MAP_ITEM_RE = re.compile(rf"\s*({_NAME})\s*(?:=\s*({_NAME}(?:\.{_NAME})*)\s*)?")


def row_action(form: Mapping) -> str | None:
    """The row button a post was sent with (`add:L` / `remove:L[i]`), or None for a submission."""
    value = form.get(ROW_ACTION) if hasattr(form, "get") else None
    return value if isinstance(value, str) else None


def _steps(name: str) -> list[tuple[str, int | None]] | None:
    steps = []
    for part in name.split("."):
        match = _STEP_RE.fullmatch(part)
        if match is None:
            return None
        steps.append((match.group(1), int(match.group(2)) if match.group(2) else None))
    return steps


def _find_list(components, steps) -> Mapping | None:
    """The dynamiclist component the steps of a list's HTML name lead to."""
    if not steps:
        return None
    (name, index), rest = steps[0], steps[1:]
    for kind, comp in iter_components(components):
        if kind == "group" and not comp.get("path"):
            found = _find_list(comp.get("components"), steps)
            if found is not None:
                return found
        elif comp.get("path") == name and kind in ("group", "dynamiclist"):
            if not rest:
                return comp if kind == "dynamiclist" and index is None else None
            if (kind == "dynamiclist") != (index is not None):
                return None
            return _find_list(comp.get("components"), rest)
    return None


def _rows_at(values: dict, steps) -> list | None:
    """The row list at the steps in parsed values (created empty if absent), or None."""
    here = values
    for name, index in steps[:-1]:
        here = here.setdefault(name, [] if index is not None else {})
        if index is not None:
            if not isinstance(here, list) or index >= len(here) or not isinstance(here[index], dict):
                return None
            here = here[index]
        elif not isinstance(here, dict):
            return None
    rows = here.setdefault(steps[-1][0], [])
    return rows if isinstance(rows, list) else None


def apply_row_action(schema: Mapping, values: Mapping, action: str) -> dict:
    """The values to show again after an "add row" / "remove row" button: a copy of the parsed
    values (blank rows kept) with one row appended or the named row removed, within the list's
    minRows/maxRows. An action naming no list of this form changes nothing."""
    out = copy.deepcopy(dict(values))
    match = _ACTION_RE.fullmatch(action.strip()) if isinstance(action, str) else None
    if match is None:
        return out
    op, list_name, index = match.group(1), match.group(2), match.group(3)
    steps = _steps(list_name)
    comp = _find_list(schema.get("components"), steps) if steps else None
    if comp is None or comp.get("readonly") or comp.get("disabled") \
            or comp.get("allowAddRemove") is False:
        return out
    rows = _rows_at(out, steps)
    if rows is None:
        return out
    least, most = row_limits(comp)
    if op == "add" and index is None and len(rows) < min(most, MAX_ROWS):
        # Pad to the rows the page showed (defaultRepetitions / minRows), then one more.
        rows.extend({} for _ in range(shown_rows(comp, len(rows)) - len(rows) + 1))
    elif op == "remove" and index is not None and int(index) < len(rows) and len(rows) > least:
        del rows[int(index)]
    return out


def shown_rows(comp: Mapping, given: int) -> int:
    """How many rows the page shows for a list holding `given` rows."""
    reps = comp.get("defaultRepetitions")
    reps = reps if isinstance(reps, int) and not isinstance(reps, bool) else 1
    return max(given, min(reps, MAX_ROWS), row_limits(comp)[0])


def parse_rows_map(text) -> list[tuple[str, str]] | None:
    """(target, source) pairs of a rowsMap property (`name=reporter, outlet`); None if malformed."""
    if not isinstance(text, str) or not text.strip():
        return None
    pairs = []
    for item in text.split(","):
        match = _MAP_ITEM_RE.fullmatch(item)
        if match is None:
            return None
        pairs.append((match.group(1), match.group(2) or match.group(1)))
    return pairs


def _lookup(data: Mapping, path: str):
    if path.strip() == ".":
        return data
    value = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _take(source: Mapping, dotted: str):
    value = source
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def source_rows(comp: Mapping, data: Mapping) -> list[dict] | None:
    """The rows a dynamiclist starts with from the task data (its rowsFrom / rowsMap
    properties), or None when it declares none or the data holds nothing there."""
    props = comp.get("properties")
    if not isinstance(props, Mapping) or not isinstance(props.get("rowsFrom"), str):
        return None
    found = _lookup(data, props["rowsFrom"])
    if isinstance(found, Mapping):
        found = [found]
    if not isinstance(found, list):
        return None
    pairs = parse_rows_map(props.get("rowsMap"))
    if pairs is None:
        pairs = [(c["key"], c["key"]) for _k, c in iter_components(comp.get("components"))
                 if isinstance(c.get("key"), str)]
    rows = []
    for source in found:
        if not isinstance(source, Mapping):
            continue
        row = {target: value for target, key in pairs
               if (value := _take(source, key)) not in (None, "")}
        if row:
            rows.append(row)
    return rows[:row_limits(comp)[1]] or None
