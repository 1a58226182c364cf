"""The checks of a form-js schema that the editor's Validate button and the save run.

Problems are (level, code, params) with level "error" (refused) or "warning" (saved anyway);
the web layer words them (app/forms).
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select

from models import ProcessVersion
from models.messages import Message

from formjs.conditions import expression_error, hide_expression
from formjs.cross_checks import days_ago_limit
from formjs.rows import parse_rows_map
from formjs.validation import (CHECKS, CONTAINER_TYPES, DISPLAY_TYPES, INPUT_TYPES, MAX_ROWS,
                               field_components, iter_components)
from formjs.versions import file_schema, latest_row

SUPPORTED_TYPES = INPUT_TYPES | CONTAINER_TYPES | DISPLAY_TYPES | {"default"}
MAX_SCHEMA_BYTES = 1_000_000
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class Problem:
    level: str  # error | warning
    code: str
    params: dict = field(default_factory=dict)


def parse_schema_text(text: str | bytes) -> tuple[dict | None, list[Problem]]:
    """The JSON of a posted schema, or a json problem."""
    if isinstance(text, bytes):
        if len(text) > MAX_SCHEMA_BYTES:
            return None, [Problem("error", "too_large", {"limit": MAX_SCHEMA_BYTES})]
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, [Problem("error", "json", {"detail": str(exc)})]
    try:
        return json.loads(text), []
    except ValueError as exc:
        return None, [Problem("error", "json", {"detail": str(exc)})]


def _where(comp: Mapping, index_path: str) -> str:
    return str(comp.get("key") or comp.get("path") or comp.get("id") or index_path)


def _walk(components, scope: str, index_path: str, seen: dict, problems: list, keys: set):
    for i, comp in enumerate(components):
        here = f"{index_path}[{i}]"
        if not isinstance(comp, Mapping) or not isinstance(comp.get("type"), str):
            problems.append(Problem("error", "component_shape", {"where": here}))
            continue
        kind, where = comp["type"], _where(comp, here)
        if kind not in SUPPORTED_TYPES or kind == "default":
            problems.append(Problem("error", "type", {"where": where, "type": kind}))
            continue
        expression = hide_expression(comp)
        if expression is not None:
            error = expression_error(expression)
            if error:
                problems.append(Problem("error", "condition", {"where": where, "detail": error}))
        if kind in CONTAINER_TYPES:
            path = comp.get("path")
            inner_scope = scope
            if path not in (None, ""):
                if not isinstance(path, str) or not all(_NAME_RE.fullmatch(p) for p in path.split(".")):
                    problems.append(Problem("error", "path_invalid", {"key": str(path)}))
                else:
                    inner_scope = f"{scope}{path}." if kind == "group" else f"{scope}{path}[]."
                    if kind == "dynamiclist":
                        _claim(seen, scope + path, problems)
            elif kind == "dynamiclist":
                problems.append(Problem("error", "path_missing", {"where": where}))
            children = comp.get("components", [])
            if not isinstance(children, list):
                problems.append(Problem("error", "component_shape", {"where": where}))
                continue
            _walk(children, inner_scope, f"{here}.components", seen, problems, keys)
        elif kind in INPUT_TYPES:
            key = comp.get("key")
            if not isinstance(key, str) or not key:
                problems.append(Problem("error", "key_missing", {"where": where}))
            elif not _NAME_RE.fullmatch(key):
                problems.append(Problem("error", "key_invalid", {"key": key}))
            else:
                keys.add(key)
                _claim(seen, scope + key, problems)


# The checks and row rules a form declares in custom properties (formjs.validation,
# formjs.rows): refused when malformed, so that a typo never silently switches a check off.
_WHOLE_RE = re.compile(r"\d{1,6}")
_SOURCE_RE = re.compile(r"\.|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def _whole(value) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _WHOLE_RE.fullmatch(value.strip()):
        return int(value)
    return None


def _list_problems(comp: Mapping, where: str, props: Mapping) -> list[Problem]:
    problems = []
    limits = {name: props.get(name) for name in ("minRows", "maxRows") if props.get(name) not in (None, "")}
    whole = {name: _whole(value) for name, value in limits.items()}
    if any(v is None or v > MAX_ROWS for v in whole.values()) or (
            len(whole) == 2 and whole["minRows"] > whole["maxRows"]):
        problems.append(Problem("error", "rows_limit", {"where": where, "limit": MAX_ROWS}))
    source, mapping = props.get("rowsFrom"), props.get("rowsMap")
    keys = {c.get("key") for _k, c in iter_components(comp.get("components"))}
    if (source not in (None, "") and not (isinstance(source, str) and _SOURCE_RE.fullmatch(source.strip()))) \
            or (mapping not in (None, "") and (
                source in (None, "") or (pairs := parse_rows_map(mapping)) is None
                or any(target not in keys for target, _source in pairs))):
        problems.append(Problem("error", "rows_source", {"where": where}))
    return problems


def _field_problems(comp: Mapping, where: str, props: Mapping, fields: Mapping,
                    root_fields: Mapping) -> list[Problem]:
    problems = []
    kind = comp.get("type")
    other = props.get("notBefore")
    if other not in (None, ""):
        target = (fields.get(other) or root_fields.get(other)) if isinstance(other, str) else None
        if kind != "datetime" or target is None or target.get("type") != "datetime" \
                or target is comp:
            problems.append(Problem("error", "not_before", {"where": where, "other": str(other)}))
    flag = props.get("notInPast")
    if flag not in (None, "") and (kind != "datetime" or not (
            isinstance(flag, bool) or (isinstance(flag, str) and flag.strip().lower() in ("true", "false")))):
        problems.append(Problem("error", "not_in_past", {"where": where}))
    flag = props.get("notInFuture")
    if flag not in (None, "") and (kind != "datetime" or not (
            isinstance(flag, bool) or (isinstance(flag, str) and flag.strip().lower() in ("true", "false")))):
        problems.append(Problem("error", "not_in_future", {"where": where}))
    days = props.get("maxDaysAgo")
    if days not in (None, "") and (kind != "datetime" or days_ago_limit(days) is None):
        problems.append(Problem("error", "max_days_ago", {"where": where}))
    condition = props.get("requiredWhen")
    if condition not in (None, ""):
        detail = expression_error(condition) if isinstance(condition, str) else Message("not text")
        if detail:
            problems.append(Problem("error", "required_when", {"where": where, "detail": detail}))
    check = props.get("check")
    if check not in (None, "") and (check not in CHECKS or kind not in (
            ("textarea",) if check == "options" else ("textfield", "number"))):
        problems.append(Problem("error", "check", {"where": where, "check": str(check)}))
    return problems


def _declared(components, root_fields: Mapping, problems: list) -> None:
    fields = field_components(components)
    for kind, comp in iter_components(components):
        props = comp.get("properties")
        where = _where(comp, str(comp.get("id") or kind))
        if props is not None and not isinstance(props, Mapping):
            problems.append(Problem("error", "properties", {"where": where}))
            props = {}
        props = props or {}
        if kind == "dynamiclist":
            problems += _list_problems(comp, where, props)
        elif kind in INPUT_TYPES:
            problems += _field_problems(comp, where, props, fields, root_fields)
        if kind in CONTAINER_TYPES and isinstance(comp.get("components"), list):
            _declared(comp["components"], root_fields, problems)


def _claim(seen: dict, name: str, problems: list) -> None:
    if name in seen:
        if seen[name] == 1:
            problems.append(Problem("error", "key_duplicate", {"key": name}))
        seen[name] += 1
    else:
        seen[name] = 1


def field_keys(schema: Mapping) -> set[str]:
    """The keys of the input fields of a schema, at any depth."""
    keys: set[str] = set()
    _walk(schema.get("components") or [], "", "components", {}, [], keys)
    return keys


def _used_by_diagrams(session, form_key: str, keys: set[str]) -> list[Problem]:
    """Warnings for removed keys that the latest diagrams using this form still mention."""
    if not keys or session is None:
        return []
    newest = (select(ProcessVersion.process_key, func.max(ProcessVersion.version).label("version"))
              .group_by(ProcessVersion.process_key).subquery())
    versions = session.scalars(select(ProcessVersion).join(
        newest, (ProcessVersion.process_key == newest.c.process_key)
        & (ProcessVersion.version == newest.c.version)).order_by(ProcessVersion.process_key))
    problems = []
    for version in versions:
        if form_key not in (version.forms or {}).values():
            continue
        for key in sorted(keys):
            # Scripts, conditions and properties name a key as a word (data["key"] too).
            if re.search(rf"(?<![A-Za-z0-9_]){re.escape(key)}(?![A-Za-z0-9_])", version.bpmn_xml or ""):
                problems.append(Problem("warning", "key_used",
                                        {"key": key, "process": version.process_key}))
    return problems


def check_schema(session, form_key: str, schema) -> list[Problem]:
    """Everything wrong with a schema for this form: shape, component types the task pages
    render, field keys (names, unique per data scope), conditions the pages can evaluate, the
    checks and row rules declared in custom properties (formjs.validation, formjs.rows);
    warnings for field keys of the latest version that are gone but still named by a diagram
    that uses the form."""
    if not isinstance(schema, dict) or not isinstance(schema.get("components"), list):
        return [Problem("error", "shape")]
    problems: list[Problem] = []
    if schema.get("type", "default") != "default":
        problems.append(Problem("error", "root_type", {"type": str(schema.get("type"))}))
    keys: set[str] = set()
    _walk(schema["components"], "", "components", {}, problems, keys)
    _declared(schema["components"], field_components(schema["components"]), problems)
    if session is not None:
        latest = latest_row(session, form_key)
        try:
            before = field_keys(latest.schema if latest else file_schema(form_key))
        except (KeyError, ValueError):
            before = set()
        problems += _used_by_diagrams(session, form_key, before - keys)
    return problems
