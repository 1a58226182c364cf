"""form-js schemas: load them from forms/, read HTML posts, describe and validate fields.

HTML field names: a component's `key`; inside a group with `path` P it is `P.key`; in row i
of a dynamiclist with `path` L it is `L[i].key` (these compose: `P.L[0].key`).
"""
from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from pathlib import Path

from formjs import version_cache as form_version_cache
from formjs.conditions import is_hidden
from formjs.rows import apply_row_action, row_action, source_rows
from formjs.validation import (DISPLAY_TYPES, INPUT_TYPES, MAX_ROWS, is_readonly,
                              iter_components, normalise_digits, options, parse_number,
                              validate_submission)

__all__ = ["FORMS_DIR", "FormNotFound", "InvalidFormKey", "FormSchemaError", "load_form",
           "load_form_file", "check_form_key",
           "list_forms", "parse_html_form", "validate_submission", "form_fields",
           "prefill_values", "context_values", "shown_form", "row_action_values", "readonly_fields",
           "normalise_digits", "parse_number", "DISPLAY_TYPES", "INPUT_TYPES"]

FORMS_DIR = Path(__file__).resolve().parent.parent / "forms"
_KEY_RE = re.compile(r"[a-z0-9_]+")
_SUFFIX = ".form.json"
_cache: dict[Path, tuple[int, dict]] = {}


class FormNotFound(KeyError):
    """No form with this key exists in the forms folder."""

    def __init__(self, form_key: str, message: str | None = None):
        super().__init__(form_key)
        self.form_key = form_key
        self.message = message or f"form {form_key!r} not found"

    def __str__(self) -> str:
        return self.message


class InvalidFormKey(FormNotFound, ValueError):
    """A form key that is not [a-z0-9_]+ (refused so it can never name a path)."""


class FormSchemaError(ValueError):
    """A form file exists but is not a form-js schema."""


def check_form_key(form_key) -> None:
    """InvalidFormKey unless the key is [a-z0-9_]+ (a key can never name a path)."""
    if not isinstance(form_key, str) or not _KEY_RE.fullmatch(form_key):
        raise InvalidFormKey(str(form_key), f"invalid form key {form_key!r}: use [a-z0-9_]+")


def load_form(form_key: str, forms_dir: Path | None = None, session=None) -> dict:
    """Return the latest version of a form (a private copy): the newest one saved in the form
    editor as the session's app knows it (formjs.version_cache, a few seconds fresh), else the
    file forms/<form_key>.form.json. With forms_dir, or without a session, the file only.

    A task's page and validation read the version the task was created with instead
    (formjs.versions.task_schema)."""
    check_form_key(form_key)
    if forms_dir is None:
        saved = form_version_cache.latest_schema(session, form_key)
        if saved is not None:
            return copy.deepcopy(saved[1])
    return load_form_file(form_key, forms_dir)


def load_form_file(form_key: str, forms_dir: Path | None = None) -> dict:
    """Return the parsed schema of forms/<form_key>.form.json (a private copy): the built-in
    version 1 of the form."""
    check_form_key(form_key)
    path = Path(forms_dir or FORMS_DIR) / f"{form_key}{_SUFFIX}"
    try:
        mtime = path.stat().st_mtime_ns
    except (FileNotFoundError, NotADirectoryError):
        raise FormNotFound(form_key) from None
    cached = _cache.get(path)
    if cached is None or cached[0] != mtime:
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise FormSchemaError(f"{path.name}: not valid JSON ({exc})") from exc
        if not isinstance(schema, dict) or not isinstance(schema.get("components", []), list):
            raise FormSchemaError(f"{path.name}: not a form-js schema (no components list)")
        cached = _cache[path] = (mtime, schema)
    # Callers may annotate the schema; the cached original must stay untouched.
    return copy.deepcopy(cached[1])


def list_forms(forms_dir: Path | None = None) -> list[str]:
    """Return the keys of all forms in the forms folder, sorted."""
    folder = Path(forms_dir or FORMS_DIR)
    if not folder.is_dir():
        return []
    keys = (p.name[: -len(_SUFFIX)] for p in folder.iterdir() if p.name.endswith(_SUFFIX))
    return sorted(k for k in keys if _KEY_RE.fullmatch(k))


def _is_blank(value: object) -> bool:
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return all(_is_blank(v) for v in value)
    if isinstance(value, Mapping):
        return all(_is_blank(v) for v in value.values())
    return False


def _row_indices(names: list[str], list_name: str) -> list[int]:
    pattern = re.compile(re.escape(list_name) + r"\[(\d{1,6})\]\.")
    found = {int(m.group(1)) for n in names if (m := pattern.match(n))}
    return sorted(found)[:MAX_ROWS]


def _parse(components, form, prefix: str, names: list[str], keep_blank: bool = False) -> dict:
    out: dict = {}
    for kind, comp in iter_components(components):
        if kind == "group":
            path = comp.get("path")
            sub = _parse(comp.get("components"), form, f"{prefix}{path}." if path else prefix,
                         names, keep_blank)
            if path:
                out[path] = sub
            else:
                out.update(sub)
        elif kind == "dynamiclist" and comp.get("path"):
            list_name = prefix + comp["path"]
            rows = [_parse(comp.get("components"), form, f"{list_name}[{i}].", names, keep_blank)
                    for i in _row_indices(names, list_name)]
            # A submission drops the rows left blank (a row added and never filled in); a
            # page shown again after "add row" keeps them where they were.
            out[comp["path"]] = rows if keep_blank else [r for r in rows if not _is_blank(r)]
        elif kind in INPUT_TYPES and comp.get("key") and not is_readonly(comp):
            # A read-only field's value is the task's, never the browser's: not read at all.
            name = prefix + comp["key"]
            if kind == "checkbox":
                out[comp["key"]] = form.get(name) is not None
            elif kind in ("checklist", "filepicker"):
                # a file field posts the ids of the attachments it keeps (its new files are
                # taken by the page: documents, app/documents/uploads.py)
                out[comp["key"]] = [v for v in form.getlist(name) if v != ""]
            else:
                value = form.get(name)
                if value is not None:
                    out[comp["key"]] = value
    return out


def parse_html_form(schema: Mapping, form: Mapping, keep_blank_rows: bool = False) -> dict:
    """Turn an HTML post (MultiDict-like) into nested data; numbers stay raw strings.
    Read-only fields are left out (the validator would drop them too)."""
    names = [str(n) for n in (form.keys() if hasattr(form, "keys") else form)]
    return _parse(schema.get("components"), form, "", names, keep_blank_rows)


def row_action_values(schema: Mapping, form: Mapping) -> dict | None:
    """For a post sent with an "add row" / "remove row" button (formjs.rows): the values to
    show the form with again, every typed value kept and one row more or less. None for an
    ordinary submission. Nothing is validated or saved."""
    action = row_action(form)
    if action is None:
        return None
    return apply_row_action(schema, parse_html_form(schema, form, keep_blank_rows=True), action)


def _fields(components, prefix: str, out: list[dict]) -> None:
    for kind, comp in iter_components(components):
        if kind == "group":
            path = comp.get("path")
            _fields(comp.get("components"), f"{prefix}{path}." if path else prefix, out)
        elif kind == "dynamiclist" and comp.get("path"):
            _fields(comp.get("components"), f"{prefix}{comp['path']}[].", out)
        elif kind in INPUT_TYPES and comp.get("key"):
            rules = comp.get("validate") if isinstance(comp.get("validate"), Mapping) else {}
            field = {"path": prefix + comp["key"], "key": comp["key"], "type": kind,
                     "label": comp.get("label") or comp.get("dateLabel")
                     or comp.get("timeLabel") or comp["key"],
                     "required": bool(rules.get("required")), "readonly": is_readonly(comp),
                     "in_list": "[]" in prefix}
            if kind == "datetime":
                field["subtype"] = comp.get("subtype") or "date"
            if kind in ("select", "radio", "checklist"):
                field["options"] = [value for value, _label in options(comp)]
            out.append(field)


def form_fields(schema: Mapping) -> list[dict]:
    """Flat list of input fields: path (`P.key`, `L[].key`), key, type, label, required…"""
    out: list[dict] = []
    _fields(schema.get("components"), "", out)
    return out


# A task that comes round again (a rework after a reviewer returned it, a loop's next pass)
# shows every earlier answer as a draft, whatever its type: text, numbers, dates, the option
# chosen in a select or radio, each value ticked in a checklist, a checkbox; also inside a
# group with a path and in the rows of a dynamic list. So a choice a citizen made on the
# portal (a complaint's channel and type) arrives selected in the staff's first form. Only a
# choice that decides where the process goes next (approve / return, the next step of a loop)
# is made afresh each time: it says so with the form-js custom property prefill = afresh.
# (prefill = data, which carried a describing choice before every choice was carried, is
# still understood and changes nothing.)


def _afresh(comp: Mapping) -> bool:
    properties = comp.get("properties")
    return isinstance(properties, Mapping) and properties.get("prefill") == "afresh"


def _rows(value) -> list:
    return value if isinstance(value, list) else []


def _prefill(components, data: Mapping, carry: bool, root: Mapping) -> dict:
    out: dict = {}
    for kind, comp in iter_components(components):
        if kind == "group":
            path = comp.get("path")
            inner = data.get(path) if path else data
            if isinstance(inner, Mapping):
                found = _prefill(comp.get("components"), inner, carry, root)
                if path and found:
                    out[path] = found
                elif not path:
                    out.update(found)
        elif kind == "dynamiclist" and comp.get("path"):
            path = comp["path"]
            # Without carry (a refused post shown again) the rows are the browser's, unless
            # the whole list is read-only.
            if path in data and (carry or is_readonly(comp)):
                out[path] = [_prefill(comp.get("components"), row, True, root)
                             for row in _rows(data[path]) if isinstance(row, Mapping)]
            elif carry and (known := source_rows(comp, root)):
                # The first time: the rows the case already knows (property rowsFrom).
                out[path] = known
        elif kind in INPUT_TYPES and comp.get("key") in data and (
                is_readonly(comp) or (carry and not _afresh(comp))):
            out[comp["key"]] = data[comp["key"]]
    return out


def option_sources(schema: Mapping, data: Mapping | None) -> dict:
    """The lists of options the task data gives the form's choices (their valuesKey), which
    the renderer reads beside the values."""
    keys = {comp.get("valuesKey") for comp in _all_components(schema.get("components"))
            if comp.get("valuesKey")}
    return {key: (data or {})[key] for key in keys if isinstance((data or {}).get(key), list)}


def _all_components(components):
    for _kind, comp in iter_components(components):
        yield comp
        yield from _all_components(comp.get("components"))


def prefill_values(schema: Mapping, data: Mapping) -> dict:
    """What a task's form shows filled in, from the task's own data (engine.runtime.task_data).

    Read-only fields show their value whatever their type, also inside a group with a path
    (e.g. the item of a multi-instance sub-process: `order.mayor_order`); of the fields people
    fill in, every earlier answer comes back as a draft (also a choice, and in a dynamic
    list's rows), except a choice marked with the property prefill = afresh. A dynamic list
    not answered yet starts with the rows its property rowsFrom names (formjs.rows).
    """
    return {**option_sources(schema, data),
            **_prefill(schema.get("components"), data or {}, carry=True, root=data or {})}


def context_values(schema: Mapping, data: Mapping) -> dict:
    """The read-only fields of prefill_values only (a page shown again after a refused post
    takes them from the task, never from what the browser sent)."""
    return {**option_sources(schema, data),
            **_prefill(schema.get("components"), data or {}, carry=False, root=data or {})}


def _marked_readonly(components, keys: frozenset) -> list:
    out = []
    for comp in components if isinstance(components, list) else []:
        if isinstance(comp, Mapping):
            kind = comp.get("type")
            if kind == "group" and not comp.get("path"):  # its fields sit at the data's top level
                comp = {**comp, "components": _marked_readonly(comp.get("components"), keys)}
            elif kind in INPUT_TYPES and comp.get("key") in keys:
                comp = {**comp, "readonly": True}
        out.append(comp)
    return out


def readonly_fields(schema: Mapping, keys) -> dict:
    """The schema with the fields of these keys (at the data's top level) read-only: the values
    the server gives a task (engine hooks shown_data) are shown, never taken from the client."""
    keys = frozenset(keys or ())
    if not keys:
        return dict(schema)
    return {**schema, "components": _marked_readonly(schema.get("components"), keys)}


def _shown(components, values: Mapping) -> list:
    out = []
    for comp in components if isinstance(components, list) else []:
        if isinstance(comp, Mapping) and is_hidden(comp, values):
            continue
        if isinstance(comp, Mapping) and isinstance(comp.get("components"), list):
            comp = {**comp, "components": _shown(comp["components"], values)}
        out.append(comp)
    return out


def shown_form(schema: Mapping, values: Mapping) -> dict:
    """The schema as a task page draws it: components whose `conditional.hide` holds over
    these values are left out (formjs.conditions). Display only: validate against the
    whole schema."""
    return {**schema, "components": _shown(schema.get("components"), values or {})}
