"""A task that comes round again (a rework, a loop's next pass) shows every earlier answer,
whatever the input type, also in a group with a path and in a dynamic list's rows; only a
choice that decides the flow (property prefill = afresh) is made afresh."""
import re

import pytest

from formjs.forms import context_values, load_form, prefill_values

OPTIONS = [{"label": "بله", "value": "yes"}, {"label": "خیر", "value": "no"},
           {"label": "شاید", "value": "maybe"}]


def field(kind, key="f", **extra):
    comp = {"type": kind, "key": key, "id": f"Field_{key}", "label": key, **extra}
    if kind in ("select", "radio", "checklist"):
        comp["values"] = OPTIONS
    return comp


def render(app, schema, values) -> str:
    from flask import render_template_string
    with app.test_request_context("/"):
        return render_template_string(
            '{% from "forms/_formjs.html" import render_form %}{{ render_form(s, values=v) }}',
            s=schema, v=values)


# (component type, earlier value, what the rendered field must hold)
CASES = [
    ("textfield", "متن قبلی", r'name="f" value="متن قبلی"'),
    ("textarea", "شرح قبلی", r'name="f"[^>]*>شرح قبلی</textarea>'),
    ("number", 42, r'name="f" value="42"'),
    ("datetime", "2025-10-14", r'name="f" value="[^"]+"'),
    ("select", "no", r'<option value="no" selected>'),
    ("radio", "maybe", r'type="radio"[^>]*name="f" value="maybe" checked'),
    ("checkbox", True, r'type="checkbox"[^>]*name="f" value="true" checked'),
    ("checklist", ["yes", "maybe"], None),
]


@pytest.mark.parametrize("kind, earlier, shown", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("where", ["top", "group", "dynamiclist"])
def test_every_input_type_comes_back_with_its_earlier_value(app, kind, earlier, shown, where):
    comp = field(kind)
    if where == "top":
        schema, data, name = {"components": [comp]}, {"f": earlier}, "f"
        assert prefill_values(schema, data) == {"f": earlier}
    elif where == "group":
        schema = {"components": [{"type": "group", "path": "g", "components": [comp]}]}
        data, name = {"g": {"f": earlier}}, "g.f"
        assert prefill_values(schema, data) == {"g": {"f": earlier}}
    else:
        schema = {"components": [{"type": "dynamiclist", "path": "rows", "components": [comp]}]}
        data, name = {"rows": [{"f": earlier}]}, "rows[0].f"
        assert prefill_values(schema, data) == {"rows": [{"f": earlier}]}
    page = render(app, schema, prefill_values(schema, data))
    if kind == "checklist":
        for value in OPTIONS:
            ticked = re.search(rf'name="{re.escape(name)}" value="{value["value"]}" checked', page)
            assert bool(ticked) is (value["value"] in earlier), value
    else:
        assert re.search(shown.replace('name="f"', f'name="{re.escape(name)}"'), page), page


def test_a_choice_that_decides_the_flow_is_made_afresh():
    schema = {"components": [field("radio", "decision", properties={"prefill": "afresh"}),
                             field("radio", "justified")]}
    assert prefill_values(schema, {"decision": "return", "justified": "no"}) == {"justified": "no"}
    review = load_form("complaint_review")
    assert "decision" not in prefill_values(review, {"decision": "return", "reason": "x"})


def test_a_refused_post_keeps_the_browser_rows_of_an_editable_list():
    schema = {"components": [{"type": "dynamiclist", "path": "rows",
                              "components": [field("textfield")]}]}
    assert context_values(schema, {"rows": [{"f": "x"}]}) == {}
    locked = {"components": [{"type": "dynamiclist", "path": "rows", "readonly": True,
                              "components": [field("textfield", readonly=True)]}]}
    assert context_values(locked, {"rows": [{"f": "x"}]}) == {"rows": [{"f": "x"}]}


def test_a_portal_complaint_arrives_with_its_channel_and_type_chosen():
    shown = prefill_values(load_form("complaint_register"),
                           {"channel": "website", "complaint_type": "employee",
                            "description": "شرح", "subject": "موضوع"})
    assert shown["channel"] == "website" and shown["complaint_type"] == "employee"
