"""Date fields take Solar Hijri dates (1405/09/04, any digits) and store the Gregorian ISO date."""
from formjs.validation import validate_submission

SCHEMA = {"components": [{"type": "datetime", "key": "on", "subtype": "date", "label": "تاریخ",
                          "validate": {"required": True}}]}


def test_solar_hijri_date_in_persian_digits_is_stored_as_gregorian_iso():
    assert validate_submission(SCHEMA, {"on": "۱۴۰۵/۰۹/۰۴"}) == ({"on": "2026-11-25"}, {})


def test_solar_hijri_date_with_dashes_and_latin_digits_is_accepted():
    assert validate_submission(SCHEMA, {"on": "1403-12-30"})[0] == {"on": "2025-03-20"}


def test_impossible_solar_hijri_date_is_refused_with_a_persian_example():
    clean, errors = validate_submission(SCHEMA, {"on": "1405/13/01"})
    assert clean == {"on": None} and "۱۴۰۵/۰۹/۰۴" in errors["on"]


def test_gregorian_iso_date_still_works_for_api_clients():
    assert validate_submission(SCHEMA, {"on": "2026-11-25"}) == ({"on": "2026-11-25"}, {})


def _render(app, values, lang=None):
    from flask import session
    with app.test_request_context("/"):
        if lang:
            session["lang"] = lang
        template = app.jinja_env.from_string(
            '{% from "forms/_formjs.html" import render_form %}{{ render_form(schema, values) }}')
        return template.render(schema=SCHEMA, values=values)


def test_persian_page_shows_a_stored_date_as_solar_hijri_text(app):
    html = _render(app, {"on": "2026-11-25"})
    assert 'type="text"' in html and 'value="۱۴۰۵/۰۹/۰۴"' in html


def test_english_page_keeps_the_browser_date_picker(app):
    html = _render(app, {"on": "2026-11-25"}, lang="en")
    assert 'type="date"' in html and 'value="2026-11-25"' in html
