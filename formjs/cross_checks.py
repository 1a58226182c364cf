"""Checks a form declares across its fields, run after every field is typed (only on fields
that have no error yet)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta

from formjs.components import (INPUT_TYPES, is_flag, is_readonly, iter_components,
                               normalise_digits, properties_of as _properties)
from formjs.conditions import UnsupportedExpression, holds

# A field declares them with form-js custom properties (text values, kept by the editor):
#   notBefore: "start_date"       a date (or date and time) not before that field's value
#   notInPast: "true"             a date not before today in the city's time zone
#   notInFuture: "true"           a date not after today (a day something happened: a receipt)
#   maxDaysAgo: "30"              a date at most that many days before today (a typo guard)
#   requiredWhen: "=decision = \"return\""   required when the FEEL condition holds over
#                                 the submitted values (formjs.conditions' subset; the row's
#                                 or group's own values first, then the whole form's)
#   check: "national_id"          the Iranian national ID (کد ملی): ten digits, check digit
#   check: "options"              a list of options, one per line: 2 to MAX_OPTIONS distinct
#                                 lines (a poll plan's choice question)
# They run after every field is typed, and only on fields that have no error yet.

CHECKS = frozenset({"national_id", "options"})
MAX_OPTIONS = 20


def option_lines(text) -> list[str]:
    """The distinct non-empty lines of a text, in order (the options of a choice question)."""
    seen: list[str] = []
    for line in str(text or "").splitlines():
        line = line.strip()
        if line and line not in seen:
            seen.append(line)
    return seen


def is_national_id(text: str) -> bool:
    """True for a well-formed Iranian national ID: 10 digits whose last is the check digit."""
    digits = normalise_digits(text.strip())
    if not re.fullmatch(r"\d{10}", digits) or len(set(digits)) == 1:
        return False
    remainder = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9])) % 11
    check = int(digits[9])
    return check == remainder if remainder < 2 else check == 11 - remainder


def _blank(value) -> bool:
    return value is None or value is False or value == "" or value == []


def field_components(components) -> dict[str, Mapping]:
    """Input components by key at one data scope (groups without a path are looked into)."""
    found: dict[str, Mapping] = {}
    for kind, comp in iter_components(components):
        if kind == "group" and not comp.get("path"):
            found.update(field_components(comp.get("components")))
        elif kind in INPUT_TYPES and isinstance(comp.get("key"), str):
            found[comp["key"]] = comp
    return found


def _label(comp: Mapping) -> str:
    return str(comp.get("label") or comp.get("dateLabel") or comp.get("timeLabel") or comp.get("key"))


def _check_field(comp, value, scope, fields, root, root_fields, msg, today):
    props = _properties(comp)
    condition = props.get("requiredWhen")
    if _blank(value) and isinstance(condition, str) and condition.strip():
        try:
            if holds(condition, {**root, **scope}):
                return msg("required_when")
        except UnsupportedExpression:
            pass  # refused when the schema is saved (formjs.schema_checks)
    if _blank(value):
        return None
    if props.get("check") == "national_id" and not (isinstance(value, str) and is_national_id(value)):
        return msg("national_id")
    if props.get("check") == "options" and not 2 <= len(option_lines(value)) <= MAX_OPTIONS:
        return msg("options", MAX_OPTIONS)
    if comp.get("type") != "datetime" or not isinstance(value, str) or len(value) < 10:
        return None
    other_key = props.get("notBefore")
    if isinstance(other_key, str) and other_key:
        other_comp = fields.get(other_key) or root_fields.get(other_key)
        other = scope.get(other_key) if other_key in fields else root.get(other_key)
        if other_comp is not None and isinstance(other, str) and len(other) >= 10:
            width = 10 if min(len(value), len(other)) < 16 else 16
            if value[:width] < other[:width]:
                return msg("not_before", label=_label(other_comp))
    if is_flag(props.get("notInPast")) and value[:10] < today.isoformat():
        return msg("past")
    if is_flag(props.get("notInFuture")) and value[:10] > today.isoformat():
        return msg("future")
    days = days_ago_limit(props.get("maxDaysAgo"))
    if days is not None and value[:10] < (today - timedelta(days=days)).isoformat():
        return msg("days_ago", days)
    return None


def days_ago_limit(value) -> int | None:
    """maxDaysAgo as a whole number of days from 0 to 36500 (None when absent or malformed)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = normalise_digits(str(value)).strip()
    return int(text) if text.isdigit() and int(text) <= 36500 else None


def cross_check(components, scope, where, errors, msg, today, root, root_fields) -> None:
    fields = field_components(components)
    for kind, comp in iter_components(components):
        if kind == "group":
            path = comp.get("path")
            if not path:
                cross_check(comp.get("components"), scope, where, errors, msg, today, root, root_fields)
            elif isinstance(scope.get(path), Mapping):
                cross_check(comp.get("components"), scope[path], f"{where}{path}.", errors, msg,
                       today, root, root_fields)
        elif kind == "dynamiclist" and comp.get("path"):
            rows = scope.get(comp["path"])
            for index, row in enumerate(rows if isinstance(rows, list) else []):
                if isinstance(row, Mapping):
                    cross_check(comp.get("components"), row, f"{where}{comp['path']}[{index}].",
                           errors, msg, today, root, root_fields)
        elif kind in INPUT_TYPES and comp.get("key") and not is_readonly(comp):
            name = where + comp["key"]
            if name in errors:
                continue
            error = _check_field(comp, scope.get(comp["key"]), scope, fields, root,
                                 root_fields, msg, today)
            if error:
                errors[name] = error
