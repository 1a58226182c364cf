"""Every form in forms/ follows the conventions of the form-js schemas the editor writes: its
key as id, schema version 16, a Persian heading first, unique ids and keys, and Persian labels
on every field and choice (Persian is the interface's first language)."""
import json
import re

import pytest

from formjs.validation import INPUT_TYPES
from formjs.forms import FORMS_DIR, list_forms

PERSIAN = re.compile(r"[\u0600-\u06FF]")
SNAKE = re.compile(r"[a-z][a-z0-9_]*")
CHOICES = ("select", "radio", "checklist")


def _walk(components):
    for comp in components:
        yield comp
        yield from _walk(comp.get("components", []))


@pytest.mark.parametrize("form_key", list_forms())
def test_every_form_is_a_form_js_schema_with_a_persian_heading_and_persian_labels(form_key):
    schema = json.loads((FORMS_DIR / f"{form_key}.form.json").read_text(encoding="utf-8"))
    assert (schema["type"], schema["id"], schema["schemaVersion"]) == ("default", form_key, 16)
    assert schema["exporter"] == {"name": "form-js", "version": "1.7.0"}
    components = schema["components"]
    assert components[0]["type"] == "text" and PERSIAN.search(components[0]["text"])
    ids = [c["id"] for c in _walk(components)]
    assert len(ids) == len(set(ids))
    top_keys = [c["key"] for c in components if "key" in c]
    assert len(top_keys) == len(set(top_keys))
    inputs = [c for c in _walk(components) if c.get("type") in INPUT_TYPES]
    assert inputs, "a form with nothing to fill in"
    for c in inputs:
        assert SNAKE.fullmatch(c["key"]), c["key"]
        assert PERSIAN.search(c.get("label", "")), c["key"]
        if c["type"] in CHOICES:
            if "valuesKey" in c:  # options the server gives the task (e.g. the district's units)
                continue
            assert c["values"] and all(PERSIAN.search(v["label"]) for v in c["values"]), c["key"]
