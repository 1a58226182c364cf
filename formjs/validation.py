"""Validate and type a form-js submission (HTML post or JSON) against its schema."""
from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime

from functools import lru_cache

from formjs.conditions import UnsupportedExpression, holds
from workcal.jalali import local_today, solar_to_gregorian, to_ascii_digits, to_persian_digits

INPUT_TYPES = frozenset({"textfield", "textarea", "number", "select", "radio", "checkbox",
                         "checklist", "datetime", "filepicker"})
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

_MESSAGES = {
    "fa": {
        "required": "این فیلد الزامی است.",
        "min_length": "دست‌کم {n} نویسه لازم است.",
        "max_length": "حداکثر {n} نویسه مجاز است.",
        "min": "مقدار باید دست‌کم {n} باشد.",
        "max": "مقدار باید حداکثر {n} باشد.",
        "pattern": "قالب مقدار واردشده درست نیست.",
        "number": "عدد معتبر وارد کنید.",
        "integer": "عدد صحیح وارد کنید.",
        "decimals": "حداکثر {n} رقم اعشار مجاز است.",
        "choice": "مقدار انتخاب‌شده مجاز نیست.",
        "date": "تاریخ معتبر به شکل ۱۴۰۵/۰۹/۰۴ وارد کنید.",
        "time": "ساعت معتبر به شکل HH:MM وارد کنید.",
        "datetime": "تاریخ و ساعت معتبر وارد کنید.",
        "email": "نشانی ایمیل معتبر وارد کنید.",
        "phone": "شماره تلفن معتبر وارد کنید.",
        "invalid": "مقدار واردشده معتبر نیست.",
        "list": "فهرست واردشده معتبر نیست.",
        "rows": "حداکثر {n} ردیف مجاز است.",
        "min_rows": "دست‌کم {n} ردیف لازم است.",
        "not_before": "این تاریخ نباید پیش از «{label}» باشد.",
        "past": "این تاریخ نباید در گذشته باشد.",
        "required_when": "با پاسخی که داده‌اید، پر کردن این فیلد الزامی است.",
        "national_id": "کد ملی معتبر نیست: ۱۰ رقم با رقم کنترل درست وارد کنید.",
        "one_file": "این فیلد فقط یک پرونده می‌پذیرد.",
    },
    "en": {
        "required": "This field is required.",
        "min_length": "Enter at least {n} characters.",
        "max_length": "Enter at most {n} characters.",
        "min": "The value must be at least {n}.",
        "max": "The value must be at most {n}.",
        "pattern": "The value does not have the required format.",
        "number": "Enter a valid number.",
        "integer": "Enter a whole number.",
        "decimals": "Use at most {n} decimal places.",
        "choice": "The selected value is not allowed.",
        "date": "Enter a valid date as YYYY-MM-DD (or Solar Hijri 1405/09/04).",
        "time": "Enter a valid time as HH:MM.",
        "datetime": "Enter a valid date and time.",
        "email": "Enter a valid email address.",
        "phone": "Enter a valid phone number.",
        "invalid": "The value is not valid.",
        "list": "The list is not valid.",
        "rows": "At most {n} rows are allowed.",
        "min_rows": "At least {n} rows are required.",
        "not_before": "This date must not be before “{label}”.",
        "past": "This date must not be in the past.",
        "required_when": "With the answers given, this field is required.",
        "national_id": "Not a valid national ID: enter 10 digits with a correct check digit.",
        "one_file": "This field takes one file only.",
    },
}


def normalise_digits(text: str) -> str:
    """Replace Persian and Arabic-Indic digits with ASCII digits."""
    return to_ascii_digits(text)


def _fmt_number(n: int | float) -> str:
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    return str(n)


class _Messages:
    """Error texts of one locale; Persian texts show numbers in Persian digits."""

    def __init__(self, locale: str):
        self.persian = not (locale or "fa").lower().startswith("en")
        self.texts = _MESSAGES["fa" if self.persian else "en"]

    def __call__(self, code: str, n: int | float | None = None, **words) -> str:
        if words:
            return self.texts[code].format(**words)
        if n is None:
            return self.texts[code]
        shown = _fmt_number(n)
        return self.texts[code].format(n=to_persian_digits(shown, decimal_sign=True) if self.persian else shown)


def iter_components(components) -> Iterator[tuple[object, Mapping]]:
    """(type, component) of each well-formed component in a `components` list; skips the rest."""
    for comp in components if isinstance(components, list) else []:
        if isinstance(comp, Mapping):
            yield comp.get("type"), comp


def is_readonly(comp: Mapping) -> bool:
    """True if the component is readonly or disabled (an expression counts as set)."""
    return bool(comp.get("readonly")) or bool(comp.get("disabled"))


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


def _properties(comp: Mapping) -> Mapping:
    properties = comp.get("properties")
    return properties if isinstance(properties, Mapping) else {}


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


def is_flag(value) -> bool:
    """True for a property switched on: true, or the text "true" (custom properties are text)."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _rules(comp: Mapping) -> Mapping:
    rules = comp.get("validate")
    return rules if isinstance(rules, Mapping) else {}


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


# --- checks declared across fields ----------------------------------------------------------
# A field declares them with form-js custom properties (text values, kept by the editor):
#   notBefore: "start_date"       a date (or date and time) not before that field's value
#   notInPast: "true"             a date not before today in the city's time zone
#   requiredWhen: "=decision = \"return\""   required when the FEEL condition holds over
#                                 the submitted values (formjs.conditions' subset; the row's
#                                 or group's own values first, then the whole form's)
#   check: "national_id"          the Iranian national ID (کد ملی): ten digits, check digit
# They run after every field is typed, and only on fields that have no error yet.

CHECKS = frozenset({"national_id"})


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
    return None


def _cross(components, scope, where, errors, msg, today, root, root_fields) -> None:
    fields = field_components(components)
    for kind, comp in iter_components(components):
        if kind == "group":
            path = comp.get("path")
            if not path:
                _cross(comp.get("components"), scope, where, errors, msg, today, root, root_fields)
            elif isinstance(scope.get(path), Mapping):
                _cross(comp.get("components"), scope[path], f"{where}{path}.", errors, msg,
                       today, root, root_fields)
        elif kind == "dynamiclist" and comp.get("path"):
            rows = scope.get(comp["path"])
            for index, row in enumerate(rows if isinstance(rows, list) else []):
                if isinstance(row, Mapping):
                    _cross(comp.get("components"), row, f"{where}{comp['path']}[{index}].",
                           errors, msg, today, root, root_fields)
        elif kind in INPUT_TYPES and comp.get("key") and not is_readonly(comp):
            name = where + comp["key"]
            if name in errors:
                continue
            error = _check_field(comp, scope.get(comp["key"]), scope, fields, root,
                                 root_fields, msg, today)
            if error:
                errors[name] = error


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
    _cross(components, clean, "", errors, msg, today or local_today(), clean,
           field_components(components))
    return clean, errors
