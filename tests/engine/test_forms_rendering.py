"""form-js schemas rendered on the server by app/templates/forms/_formjs.html, and posted back."""
import html as htmllib
import re
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader
from werkzeug.datastructures import MultiDict

from formjs.forms import load_form, parse_html_form

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "forms"


@pytest.fixture
def schema():
    return load_form("all_components", FIXTURES)


# --- rendering -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def render():
    from app.i18n import isolate_codes
    env = Environment(loader=FileSystemLoader(str(ROOT / "app" / "templates")), autoescape=True)
    env.filters["codes"] = isolate_codes  # the app's filter: codes in text read left to right
    template = env.from_string(
        '{% from "forms/_formjs.html" import render_form %}'
        "{{ render_form(schema, values=values, errors=errors) }}")

    def _render(schema, values=None, errors=None):
        return template.render(schema=schema, values=values or {}, errors=errors or {})
    return _render


def test_renders_every_component_type(schema, render):
    html = render(schema)
    assert '<input class="form-control" type="text" id="f-subject" name="subject"' in html
    assert '<label class="form-label" for="f-subject">' in html
    assert '<textarea class="form-control" id="f-body" name="body"' in html
    assert 'name="age" value="" inputmode="decimal"' in html
    assert '<select class="form-select" id="f-district" name="district"' in html
    assert 'type="radio" id="f-priority-1" name="priority" value="urgent"' in html
    assert 'type="radio" id="f-priority-0" name="priority" value="normal" checked' in html
    assert 'type="checkbox" id="f-consent" name="consent" value="true"' in html
    assert 'type="checkbox" id="f-channels-1" name="channels" value="email"' in html
    assert 'type="date" id="f-incident_date"' in html
    assert 'type="time" id="f-visit_time"' in html
    assert 'type="datetime-local" id="f-reported_at"' in html
    assert 'name="case_no" value="C-1" dir="auto" readonly' in html
    assert '<legend class="fs-6 fw-semibold">نشانی</legend>' in html
    assert 'name="address.street"' in html and 'name="phone"' in html
    assert 'aria-hidden="true">*</span>' in html
    assert "خلاصهٔ شکایت" in html
    assert "<hr" in html


def test_every_input_has_a_matching_label(schema, render):
    html = render(schema)
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html)
    assert ids
    for element_id in ids:
        assert f'for="{element_id}"' in html


def test_text_component_is_escaped_plain_text_with_line_breaks(schema, render):
    html = render(schema)
    assert '<strong class="formjs-heading">ثبت شکایت</strong><br>' in html  # markdown heading, hashes dropped
    assert "&lt;b&gt;همه&lt;/b&gt;" in html and "<b>" not in html


def test_errors_are_marked_invalid_with_message(schema, render):
    html = render(schema, values={"subject": ""},
                  errors={"subject": "این فیلد الزامی است.", "address.street": "خطا"})
    assert 'class="form-control is-invalid" type="text" id="f-subject"' in html
    feedback = '<div class="invalid-feedback d-block" id="f-subject-err">'
    assert feedback + "این فیلد الزامی است.</div>" in html
    assert 'id="f-address-street"' in html and ">خطا</div>" in html


def test_values_are_escaped(schema, render):
    html = render(schema, values={"subject": '<script>alert("x")</script>',
                                  "body": "</textarea><script>"})
    assert "<script>" not in html
    assert 'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"' in html
    assert "&lt;/textarea&gt;&lt;script&gt;</textarea>" in html


def test_submitted_values_are_shown_selected_and_checked(schema, render):
    html = render(schema, values={"district": "d2", "consent": True, "channels": ["sms"],
                                  "age": 30, "address": {"street": "آزادی"}})
    assert '<option value="d2" selected>' in html
    assert 'name="consent" value="true" checked' in html
    assert 'name="channels" value="sms" checked' in html
    assert 'name="age" value="30"' in html
    assert 'name="address.street" value="آزادی"' in html


def test_dynamiclist_renders_default_repetitions_as_blank_rows(schema, render):
    html = render(schema)
    assert 'name="items[0].title" value=""' in html
    assert 'name="items[1].title" value=""' in html
    assert "items[2]" not in html


def test_dynamiclist_renders_existing_rows_and_an_add_row_button(schema, render):
    rows = [{"title": "میز", "qty": 2}, {"title": "صندلی", "qty": 4}]
    html = render(schema, values={"items": rows}, errors={"items[1].qty": "بد"})
    assert 'name="items[0].title" value="میز"' in html
    assert 'name="items[1].qty" value="4" inputmode="decimal" aria-describedby' in html
    assert 'name="items[2].title"' not in html  # no spare row: "add row" adds one
    assert 'name="_rows" value="add:items"' in html
    assert 'id="f-items-1-qty-err">بد</div>' in html


def test_rendered_form_round_trips_through_parse(schema, render):
    rows = [{"title": "میز", "qty": "2"}]
    page = render(schema, values={"subject": "a&b", "district": "d1", "items": rows})
    # What a browser would post: every text-like input and the selected options.
    pairs = [(n, htmllib.unescape(v)) for n, v in
             re.findall(r'<input class="form-control[^"]*" type="(?:text|date|time|datetime-local)"'
                        r'[^>]*name="([^"]+)" value="([^"]*)"', page)]
    pairs += [(n, "d1") for n in re.findall(r'<select[^>]*name="([^"]+)"', page)]
    data = parse_html_form(schema, MultiDict(pairs))
    assert data["subject"] == "a&b"
    assert data["items"] == rows  # the spare blank row is dropped
