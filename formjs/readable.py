"""A form's stored values as a person reads them: each field's label and the text of its value.

Choices show their labels, dates Solar Hijri (Gregorian in English), numbers Persian digits in
Persian, lists as tables. Used by the case on a task page, the API, records, the history, exports
and the dossier, so they all say the same thing. Keys the form does not have are left out: they
are the engine's and the programmes' own data, never shown as raw keys.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from formjs.validation import INPUT_TYPES, iter_components, options
from workcal import jalali

_NUMERIC = re.compile(r"[+(]?[0-9][0-9 ()/\-]*")
_WORDS = {True: {"yes": "بله", "no": "خیر", "sep": "، ", "files": "{n} پرونده"},
          False: {"yes": "Yes", "no": "No", "sep": ", ", "files": "{n} file(s)"}}


@dataclass
class Field:
    """One field: its path (`P.key`, `L`), label and value text; a list has columns and rows."""

    key: str
    label: str
    text: str = ""
    columns: list[str] | None = None
    rows: list[list["Field"]] = field(default_factory=list)

    @property
    def is_list(self) -> bool:
        return self.columns is not None

    def as_dict(self) -> dict:
        """The field as JSON for the API and the dossier."""
        out = {"key": self.key, "label": self.label, "text": self.text}
        if self.is_list:
            out["columns"] = list(self.columns)
            out["rows"] = [[cell.text for cell in row] for row in self.rows]
        return out


@dataclass(frozen=True)
class Style:
    """How values are written: Persian (Solar Hijri, Persian digits) or English; `digits` False
    keeps Latin digits (spreadsheets read them as numbers)."""

    persian: bool = True
    digits: bool = True

    def number(self, value) -> str:
        text = str(value)
        return jalali.to_persian_digits(text, decimal_sign=True) if self.persian and self.digits else text

    def day(self, iso: str) -> str:
        if not self.persian:
            return iso
        try:
            text = jalali.format_solar_date(datetime.strptime(iso, "%Y-%m-%d").date())
        except ValueError:
            return iso
        return self.number(text)


PERSIAN, ENGLISH = Style(True), Style(False)


def label_of(comp: Mapping) -> str:
    """The label a person sees for a component."""
    return str(comp.get("label") or comp.get("dateLabel") or comp.get("timeLabel")
               or comp.get("key") or comp.get("path") or "")


def value_text(comp: Mapping, value, style: Style = PERSIAN, context: Mapping | None = None) -> str:
    """The text of one field's value ("" when empty)."""
    kind = comp.get("type")
    words = _WORDS[style.persian]
    if value is None or value == "" or value == []:
        return ""
    if kind == "filepicker":  # attachment ids: the files themselves are listed with the case
        return words["files"].format(n=style.number(len(value) if isinstance(value, list) else 1))
    if kind == "checkbox":
        return words["yes"] if value is True or value in ("true", "on", "1") else words["no"]
    if kind in ("select", "radio", "checklist"):
        labels = {str(v): label for v, label in options(comp, context)}
        chosen = value if isinstance(value, list) else [value]
        return words["sep"].join(labels.get(str(v), style.number(v)) for v in chosen)
    if kind == "datetime" and isinstance(value, str):
        day, sep, clock = value.partition("T")
        if comp.get("subtype") == "time" or len(day) != 10:
            return style.number(value[:5] if comp.get("subtype") == "time" else value)
        return style.day(day) + (" " + style.number(clock[:5]) if sep else "")
    if isinstance(value, bool):
        return words["yes"] if value else words["no"]
    if isinstance(value, Mapping):
        return words["sep"].join(value_text({}, v, style) for v in value.values() if v not in (None, ""))
    if isinstance(value, list):
        return words["sep"].join(value_text({}, v, style) for v in value)
    if kind == "number" or isinstance(value, (int, float)):
        return style.number(value)
    if isinstance(value, str) and _NUMERIC.fullmatch(value.strip()):
        return style.number(value)  # a phone, a national ID, a letter number: its digits
    return str(value)


def _walk(components, data: Mapping, out: list[Field], prefix: str, style: Style,
          context: Mapping, with_empty: bool) -> None:
    for kind, comp in iter_components(components):
        if kind == "group":
            path = comp.get("path")
            inner = data.get(path) if path else data
            _walk(comp.get("components"), inner if isinstance(inner, Mapping) else {}, out,
                  f"{prefix}{path}." if path else prefix, style, context, with_empty)
        elif kind == "dynamiclist" and comp.get("path"):
            path = comp["path"]
            rows = data.get(path) if isinstance(data.get(path), list) else []
            entry = Field(prefix + path, label_of(comp),
                          columns=[f.label for f in readable_fields(comp, {}, style, with_empty=True)])
            entry.rows = [readable_fields(comp, row, style, context, with_empty=True)
                          for row in rows if isinstance(row, Mapping)]
            entry.text = "\n".join("؛ ".join(f"{f.label}: {f.text}" for f in row if f.text)
                                   for row in entry.rows)
            if entry.rows or with_empty:
                out.append(entry)
        elif kind in INPUT_TYPES and comp.get("key"):
            text = value_text(comp, data.get(comp["key"]), style, context)
            if text or with_empty:
                out.append(Field(prefix + comp["key"], label_of(comp), text))


def readable_fields(schema: Mapping | None, data: Mapping | None, style: Style = PERSIAN,
                    context: Mapping | None = None, *, with_empty: bool = False) -> list[Field]:
    """The form's fields with the text of their values in data, in the form's order.

    with_empty=False leaves out fields with no value (what a step did not fill in)."""
    data = data if isinstance(data, Mapping) else {}
    out: list[Field] = []
    _walk((schema or {}).get("components"), data, out, "", style, context or data, with_empty)
    return out


def changed_fields(before: list[Field], after: list[Field]) -> dict[str, str]:
    """Path -> the earlier text of each field whose text differs between two rounds ("" when it
    was empty before)."""
    old = {f.key: f.text for f in before}
    new = {f.key: f.text for f in after}
    return {key: old.get(key, "") for key in new.keys() | old.keys()
            if new.get(key, "") != old.get(key, "")}
