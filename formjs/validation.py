"""Validate and type a form-js submission (HTML post or JSON) against its schema."""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime

from functools import lru_cache

# Re-exported: readers of schemas import these from here (formjs.forms, schema_checks, rows).
from formjs.components import (INPUT_TYPES, is_flag, is_readonly, iter_components,  # noqa: F401
                               normalise_digits, properties_of as _properties, rules_of as _rules)
from formjs.cross_checks import CHECKS, cross_check, field_components, is_national_id  # noqa: F401
from formjs.validation_messages import Messages as _Messages
from workcal.jalali import local_today, solar_to_gregorian

CONTAINER_TYPES = frozenset({"group", "dynamiclist"})
DISPLAY_TYPES = frozenset({"text", "separator", "spacer"})
# A post is attacker-controlled: bound the rows so a forged index cannot blow up memory.
MAX_ROWS = 200

_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_THOUSANDS_RE = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE_RE = re.compile(r"\+?[0-9][0-9 ()\-]{5,}[0-9]")
_TZ = r"(Z|[+-]\d{2}:\d{2})?"
_DATE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_TIME_RE = re.compile(r"(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?" + _TZ)
_DATETIME_RE = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?" + _TZ)

def options(comp: Mapping, context: Mapping | None = None) -> list[tuple[object, str]]:
    """(value, label) pairs of a select/radio/checklist, static or from `valuesKey` in context."""
    raw = comp.get("values")
    if raw is None and comp.get("valuesKey") and context is not None:
        raw = context.get(comp["valuesKey"])
    pairs = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, Mapping) and "value" in item:
            pairs.append((item["value"], str(item.get("label", item["value"]))))
        elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
            pairs.append((item, str(item)))
    return pairs


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern | None:
    # form-js patterns are JavaScript regexes: ASCII \d and \w, like re.ASCII.
    try:
        return re.compile(pattern, re.ASCII)
    except re.error:
        return None


def _whole(value) -> int | None:
    """A whole number given as an int or as digits (form-js custom properties are strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and normalise_digits(value.strip()).isdigit():
        return int(normalise_digits(value.strip()))
    return None


def row_limits(comp: Mapping) -> tuple[int, int]:
    """(minRows, maxRows) a dynamiclist declares in its properties; (0, MAX_ROWS) by default."""
    props = _properties(comp)
    least, most = _whole(props.get("minRows")), _whole(props.get("maxRows"))
    most = MAX_ROWS if most is None else min(most, MAX_ROWS)
    return min(least or 0, most), most


def _text(comp, raw, msg, ctx):
    rules = _rules(comp)
    if raw is None:
        text = ""
    elif isinstance(raw, str):
        text = raw
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        text = str(raw)
    else:
        return "", msg("invalid")
    # NUL cannot be stored in PostgreSQL text; browsers send CRLF, which would count twice.
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return "", msg("required") if rules.get("required") else None
    kind = rules.get("validationType")
    if kind == "phone":
        text = normalise_digits(text)
    pattern = rules.get("pattern")
    if pattern:
        compiled = _compile(str(pattern))
        if compiled is None:
            return text, msg("pattern")  # a broken schema pattern must not let data through
        if not compiled.fullmatch(text):
            # Persian users type Persian digits into fields whose pattern wants [0-9].
            ascii_text = normalise_digits(text)
            if not compiled.fullmatch(ascii_text):
                return text, msg("pattern")
            text = ascii_text
    if rules.get("minLength") is not None and len(text) < int(rules["minLength"]):
        return text, msg("min_length", int(rules["minLength"]))
    if rules.get("maxLength") is not None and len(text) > int(rules["maxLength"]):
        return text, msg("max_length", int(rules["maxLength"]))
    if kind == "email" and not _EMAIL_RE.fullmatch(text):
        return text, msg("email")
    if kind == "phone" and not _PHONE_RE.fullmatch(text):
        return text, msg("phone")
    return text, None


def parse_number(raw: object) -> int | float | None:
    """Parse a number typed with ASCII/Persian/Arabic digits; None if it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return raw if math.isfinite(raw) else None
    if not isinstance(raw, str):
        return None
    text = normalise_digits(raw.strip()).replace("٫", ".").replace("٬", "").replace("−", "-")
    if _THOUSANDS_RE.fullmatch(text):
        text = text.replace(",", "")
    # Length cap: a long digit string would be a slow int() or a silently lossy float.
    if len(text) > 30 or not _NUMBER_RE.fullmatch(text):
        return None
    return float(text) if "." in text else int(text)


def _decimals(number: int | float) -> int:
    if isinstance(number, int):
        return 0
    fraction = repr(number).partition(".")[2]
    return 0 if "e" in fraction else len(fraction.rstrip("0"))


def _number(comp, raw, msg, ctx):
    rules = _rules(comp)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, msg("required") if rules.get("required") else None
    number = parse_number(raw)
    if number is None:
        return None, msg("number")
    digits = comp.get("decimalDigits")
    if isinstance(digits, int) and not isinstance(digits, bool) and _decimals(number) > digits:
        return number, msg("integer") if digits == 0 else msg("decimals", digits)
    if rules.get("min") is not None and number < float(rules["min"]):
        return number, msg("min", float(rules["min"]))
    if rules.get("max") is not None and number > float(rules["max"]):
        return number, msg("max", float(rules["max"]))
    if comp.get("serializeToString"):
        return _fmt_number(number), None
    return number, None


def _checkbox(comp, raw, msg, ctx):
    if raw is None:
        value = False
    elif isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.strip().lower() in {"true", "on", "1", "yes"}:
        value = True
    elif isinstance(raw, str) and raw.strip().lower() in {"false", "off", "0", "no", ""}:
        value = False
    elif isinstance(raw, int) and raw in (0, 1):
        value = bool(raw)
    else:
        return False, msg("invalid")
    # form-js semantics: a required checkbox must be ticked (e.g. "I accept the terms").
    if not value and _rules(comp).get("required"):
        return False, msg("required")
    return value, None


def _match_option(raw, opts):
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        return None
    wanted = str(raw)
    for value, _label in opts:
        if str(value) == wanted:
            return value, True
    return None


def _choice(comp, raw, msg, ctx):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, msg("required") if _rules(comp).get("required") else None
    found = _match_option(raw, options(comp, ctx))
    if found is None:
        return None, msg("choice")
    return found[0], None


def _checklist(comp, raw, msg, ctx):
    if raw is None:
        raw = []
    elif isinstance(raw, (str, int, float)) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, list):
        return [], msg("invalid")
    opts = options(comp, ctx)
    chosen = []
    for item in raw:
        if isinstance(item, str) and not item.strip():
            continue
        found = _match_option(item, opts)
        if found is None:
            return [], msg("choice")
        if found[0] not in chosen:
            chosen.append(found[0])
    if not chosen and _rules(comp).get("required"):
        return [], msg("required")
    return chosen, None


_SOLAR_HIJRI_RE = re.compile(r"(1[2-4]\d\d)[/-](\d{1,2})[/-](\d{1,2})")


def _solar_hijri_to_iso(text: str) -> str | None:
    """A Solar Hijri date typed as 1405/09/04 becomes its Gregorian ISO date; else None."""
    match = _SOLAR_HIJRI_RE.fullmatch(text)
    if not match:
        return None
    try:
        return solar_to_gregorian(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return ""  # looked like a Solar Hijri date but is not one: refused below


def _datetime(comp, raw, msg, ctx):
    subtype = comp.get("subtype") or "date"
    code = subtype if subtype in ("date", "time", "datetime") else "datetime"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, msg("required") if _rules(comp).get("required") else None
    if not isinstance(raw, str):
        return None, msg(code)
    text = normalise_digits(raw.strip())
    try:
        if code == "date":
            value = _solar_hijri_to_iso(text)
            if value is None:
                match = _DATE_RE.fullmatch(text)
                value = match and match.group(1)
            datetime.strptime(value or "", "%Y-%m-%d")
        elif code == "time":
            match = _TIME_RE.fullmatch(text)
            value = match and match.group(1) + (match.group(2) or "")
            datetime.strptime(match.group(1) if match else "", "%H:%M")
        else:
            match = _DATETIME_RE.fullmatch(text)
            value = match and f"{match.group(1)}T{match.group(2)}{match.group(3) or ''}"
            datetime.strptime(f"{match.group(1)}T{match.group(2)}" if match else "",
                              "%Y-%m-%dT%H:%M")
    except ValueError:
        return None, msg(code)
    return value, None


def _files(comp, raw, msg, ctx):
    # A file field holds the ids of attachments (documents/): the page that took the upload
    # kept the bytes and put their ids here, so task data holds references, never bytes.
    items = [] if raw is None else raw if isinstance(raw, list) else [raw]
    ids = []
    for item in items:
        if isinstance(item, str) and not item.strip():
            continue
        if isinstance(item, str) and item.strip().isdigit():
            item = int(item)
        if isinstance(item, bool) or not isinstance(item, int) or not 0 < item < 2**31:
            return [], msg("invalid")
        if item not in ids:
            ids.append(item)
    if not ids and _rules(comp).get("required"):
        return [], msg("required")
    if len(ids) > 1 and not comp.get("multiple"):
        return ids, msg("one_file")
    return ids, None


_VALIDATORS = {"textfield": _text, "textarea": _text, "number": _number,
               "checkbox": _checkbox, "select": _choice, "radio": _choice,
               "checklist": _checklist, "datetime": _datetime, "filepicker": _files}


def _fillable(components) -> bool:
    """True if people can fill in any field of these components (read-only ones do not count)."""
    return any((kind in INPUT_TYPES and comp.get("key") and not is_readonly(comp))
               or (kind == "dynamiclist" and comp.get("path"))
               or (kind == "group" and _fillable(comp.get("components")))
               for kind, comp in iter_components(components))


def _walk(components, data: Mapping, where: str, clean: dict, errors: dict, msg, ctx) -> None:
    for kind, comp in iter_components(components):
        if kind == "group":
            path = comp.get("path")
            if not path:
                _walk(comp.get("components"), data, where, clean, errors, msg, ctx)
                continue
            if not _fillable(comp.get("components")):
                continue  # read-only context (e.g. a multi-instance item): never posted over
            sub = data.get(path)
            if sub is not None and not isinstance(sub, Mapping):
                errors[where + path] = msg("invalid")
                sub = None
            clean[path] = {}
            _walk(comp.get("components"), sub or {}, f"{where}{path}.", clean[path], errors,
                  msg, ctx)
        elif kind == "dynamiclist" and comp.get("path"):
            path = comp["path"]
            rows = data.get(path)
            clean[path] = []
            if rows is None:
                if row_limits(comp)[0] and not is_readonly(comp):
                    errors[where + path] = msg("min_rows", row_limits(comp)[0])
                continue
            if not isinstance(rows, list):
                errors[where + path] = msg("list")
                continue
            if len(rows) > MAX_ROWS:
                errors[where + path] = msg("rows", MAX_ROWS)
                continue
            least, most = row_limits(comp)
            if len(rows) > most:
                errors[where + path] = msg("rows", most)
            elif len(rows) < least and not is_readonly(comp):
                errors[where + path] = msg("min_rows", least)
            for index, row in enumerate(rows):
                row_where = f"{where}{path}[{index}]"
                if not isinstance(row, Mapping):
                    errors[row_where] = msg("invalid")
                    continue
                clean_row: dict = {}
                _walk(comp.get("components"), row, row_where + ".", clean_row, errors, msg, ctx)
                clean[path].append(clean_row)
        elif kind in INPUT_TYPES and comp.get("key"):
            key = comp["key"]
            if is_readonly(comp):
                # The user cannot change it, so a posted value is ignored; without a
                # default the key is left out so existing task data is not overwritten.
                if "defaultValue" in comp:
                    clean[key] = comp["defaultValue"]
                continue
            raw = data[key] if key in data else comp.get("defaultValue")
            value, error = _VALIDATORS[kind](comp, raw, msg, ctx)
            clean[key] = value
            if error:
                errors[where + key] = error


def validate_submission(schema: Mapping, data: Mapping, locale: str = "fa", *,
                        context: Mapping | None = None,
                        today: date | None = None) -> tuple[dict, dict]:
    """Type and check submitted data against the schema, then the checks its fields declare
    across fields (today: the city's date for notInPast); return (clean_data, errors)."""
    clean: dict = {}
    errors: dict = {}
    msg = _Messages(locale)
    components = schema.get("components")
    _walk(components, data if isinstance(data, Mapping) else {}, "", clean, errors, msg, context)
    cross_check(components, clean, "", errors, msg, today or local_today(), clean,
           field_components(components))
    return clean, errors
