"""What every reader of a form-js schema shares: walking its components, their read-only flag,
custom properties and validate rules, and digits typed in Persian."""
from __future__ import annotations

from collections.abc import Iterator, Mapping

from workcal.jalali import to_ascii_digits

INPUT_TYPES = frozenset({"textfield", "textarea", "number", "select", "radio", "checkbox",
                         "checklist", "datetime", "filepicker"})


def normalise_digits(text: str) -> str:
    """Replace Persian and Arabic-Indic digits with ASCII digits."""
    return to_ascii_digits(text)


def iter_components(components) -> Iterator[tuple[object, Mapping]]:
    """(type, component) of each well-formed component in a `components` list; skips the rest."""
    for comp in components if isinstance(components, list) else []:
        if isinstance(comp, Mapping):
            yield comp.get("type"), comp


def is_readonly(comp: Mapping) -> bool:
    """True if the component is readonly or disabled (an expression counts as set)."""
    return bool(comp.get("readonly")) or bool(comp.get("disabled"))


def properties_of(comp: Mapping) -> Mapping:
    """A component's form-js custom properties ({} when it has none)."""
    properties = comp.get("properties")
    return properties if isinstance(properties, Mapping) else {}


def is_flag(value) -> bool:
    """True for a property switched on: true, or the text "true" (custom properties are text)."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def rules_of(comp: Mapping) -> Mapping:
    """A component's validate rules ({} when it has none)."""
    rules = comp.get("validate")
    return rules if isinstance(rules, Mapping) else {}
