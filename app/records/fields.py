"""A record's stored form values as label and readable text, in the order of its form."""
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from formjs import versions as form_versions
from formjs.validation import INPUT_TYPES, iter_components, options
from formjs.forms import FormNotFound, FormSchemaError, load_form
from workcal import jalali

from ..i18n import is_rtl, localize_digits


@dataclass
class Field:
    key: str
    label: str
    text: str = ""
    columns: list[str] | None = None          # a dynamic list: its column labels…
    rows: list[list["Field"]] = field(default_factory=list)  # …and one list of fields per row


def load_record_form(form_key: str | None, session=None, task=None) -> dict | None:
    """The form definition a record was filled in (the version its task was created with,
    when the task is given; else the latest), or None when it is gone or broken."""
    try:
        if form_key and task is not None and task.form_key == form_key:
            return form_versions.task_schema(session, task)
        return load_form(form_key, session=session) if form_key else None
    except (FormNotFound, FormSchemaError):
        return None


def _day(iso: str, localize: bool) -> str:
    """2024-05-01 as 1403/02/12 on a Persian page; unchanged when it is not a date."""
    if not is_rtl():
        return iso
    try:
        text = jalali.format_solar_date(datetime.strptime(iso, "%Y-%m-%d").date())
    except ValueError:
        return iso
    return localize_digits(text) if localize else text


def _value_text(comp: Mapping, value, localize: bool) -> str:
    kind = comp.get("type")
    if value is None or value == "" or value == []:
        return ""
    if kind == "checkbox":
        return _("Yes") if value else _("No")
    if kind in ("select", "radio", "checklist"):
        labels = {str(v): label for v, label in options(comp)}
        chosen = value if isinstance(value, list) else [value]
        return ("، " if is_rtl() else ", ").join(labels.get(str(v), str(v)) for v in chosen)
    if kind == "datetime" and isinstance(value, str):
        day, sep, clock = value.partition("T")
        return _day(day, localize) + (" " + clock if sep else "") if len(day) == 10 else value
    if isinstance(value, (Mapping, list)):
        return json.dumps(value, ensure_ascii=False)
    if kind == "number" and localize:
        return localize_digits(value)
    return str(value)


def _label(comp: Mapping) -> str:
    return str(comp.get("label") or comp.get("dateLabel") or comp.get("timeLabel") or comp["key"])


def _walk(components, data: Mapping, out: list[Field], seen: set, localize: bool) -> None:
    for kind, comp in iter_components(components):
        if kind == "group":
            path = comp.get("path")
            inner = data.get(path) if path else data
            # A group without a path keeps its fields at this level, so they count as seen here.
            _walk(comp.get("components"), inner if isinstance(inner, Mapping) else {}, out,
                  seen if not path else set(), localize)
            if path:
                seen.add(path)
        elif kind == "dynamiclist" and comp.get("path"):
            path = comp["path"]
            entry = Field(path, str(comp.get("label") or path),
                          columns=[f.label for f in describe_values(comp.get("components"), {}, localize)])
            rows = data.get(path) if isinstance(data.get(path), list) else []
            entry.rows = [describe_values(comp.get("components"), row, localize)
                          for row in rows if isinstance(row, Mapping)]
            entry.text = "\n".join("; ".join(f"{f.label}: {f.text}" for f in row if f.text)
                                   for row in entry.rows)
            out.append(entry)
            seen.add(path)
        elif kind in INPUT_TYPES and comp.get("key"):
            out.append(Field(comp["key"], _label(comp), _value_text(comp, data.get(comp["key"]), localize)))
            seen.add(comp["key"])


def describe_values(components, data: Mapping, localize: bool = True) -> list[Field]:
    """The fields of a components list with the text of their values in data."""
    out: list[Field] = []
    _walk(components, data, out, set(), localize)
    return out


def describe_record(schema: Mapping | None, data: Mapping | None, localize: bool = True) -> list[Field]:
    """Every field of the form, then any stored value the form no longer has (by its key).

    localize=False keeps Latin digits in numbers and dates, which spreadsheets read as such.
    """
    data = data if isinstance(data, Mapping) else {}
    out: list[Field] = []
    seen: set = set()
    _walk((schema or {}).get("components"), data, out, seen, localize)
    for key, value in data.items():
        if key not in seen:
            out.append(Field(key, key, _value_text({}, value, localize)))
    return out
