"""Read-only context on task forms: prefilled from the task's data (also nested, e.g. a
multi-instance item), shown only when a `conditional.hide` expression says so, and never taken
from what a client posts."""
import pytest
from werkzeug.datastructures import MultiDict

from formjs.conditions import expression_error, is_hidden
from formjs.validation import iter_components
from formjs.forms import (context_values, list_forms, load_form, parse_html_form,
                          prefill_values, shown_form, validate_submission)

ORDER = {"number": 2, "mayor_order": "نصب چراغ‌های پارک", "unit": "اداره برق و روشنایی",
         "applicant_name": "علی محمدی", "subject": "روشنایی پارک محله", "status": "pending"}
ROUND_TWO = {"order": ORDER, "meeting_date": "2025-10-14", "mosque_name": "",
             "action_taken": "اقدام اول", "followup_status": "in_progress",
             "check_result": "not_done", "check_note": "هنوز انجام نشده"}


def hides(expression, values):
    return is_hidden({"conditional": {"hide": expression}}, values)


@pytest.mark.parametrize("expression, values, hidden", [
    ('=note = null or note = ""', {}, True),
    ('=note = null or note = ""', {"note": ""}, True),
    ('=note = null or note = ""', {"note": "دلیل"}, False),
    ("=not(note != null)", {"note": None}, True),
    ('=order.unit = "اداره شهرسازی"', {"order": {"unit": "اداره شهرسازی"}}, True),
    ('=order.unit = "اداره شهرسازی"', {"order": "not a mapping"}, False),
    ("=count = 2 and flag", {"count": 2, "flag": True}, True),
    ("=count = 2 and flag", {"count": 2, "flag": "yes"}, False),
    ("=(a = 1 or b = 1) and not(c = true)", {"b": 1, "c": 1}, True),  # 1 is not true
    ("=flag = 1", {"flag": True}, False),
    ("=x = 1.5", {"x": 1.5}, True),
])
def test_hide_expressions_are_evaluated_over_the_form_values(expression, values, hidden):
    assert expression_error(expression) is None
    assert hides(expression, values) is hidden


@pytest.mark.parametrize("expression", ["=note > 1", "=note = ", "=is defined(note)",
                                        '=note = "x" or', "=note = 'x'", "=(a = 1"])
def test_an_expression_outside_the_subset_is_named_and_hides_nothing(expression):
    assert expression_error(expression)
    assert not hides(expression, {})


@pytest.mark.parametrize("form_key", list_forms())
def test_every_hide_expression_of_the_forms_can_be_evaluated(form_key):
    def walk(components):
        for _kind, comp in iter_components(components):
            yield comp
            yield from walk(comp.get("components"))

    for comp in walk(load_form(form_key).get("components")):
        hide = (comp.get("conditional") or {}).get("hide")
        if hide is not None:
            assert expression_error(hide) is None, (form_key, comp.get("id"), hide)
            # only read-only context is hidden: the validator does not evaluate conditions
            assert comp.get("readonly"), (form_key, comp.get("id"))


def test_a_follow_up_item_shows_its_order_and_the_last_round_read_only():
    schema = load_form("order_followup")
    shown = prefill_values(schema, ROUND_TWO)
    assert shown["order"] == {k: v for k, v in ORDER.items() if k != "status"}
    assert shown["meeting_date"] == "2025-10-14" and shown["check_note"] == "هنوز انجام نشده"
    assert shown["action_taken"] == "اقدام اول"  # typed last round: a draft
    assert "followup_status" not in shown  # a choice is made afresh
    check = prefill_values(load_form("order_followup_check"), ROUND_TWO)
    assert check["followup_status"] == "in_progress"  # read-only there: shown whatever its type
    assert context_values(schema, ROUND_TWO) == {k: v for k, v in shown.items()
                                                 if k != "action_taken"}


def test_the_reason_and_the_mosque_show_only_when_there_is_one():
    schema = load_form("order_followup")

    def keys(values):
        out = []
        for kind, comp in iter_components(shown_form(schema, values)["components"]):
            out += [comp.get("key") or comp.get("path")]
        return out

    first = keys(prefill_values(schema, {"order": ORDER, "meeting_date": "2025-10-14"}))
    assert "check_note" not in first and "mosque_name" not in first and "order" in first
    again = keys(prefill_values(schema, {**ROUND_TWO, "mosque_name": "مسجد جامع عتیق"}))
    assert "check_note" in again and "mosque_name" in again
    assert len(load_form("order_followup")["components"]) == len(again)  # the schema untouched


def test_posted_read_only_values_are_dropped_and_the_item_is_not_overwritten():
    forged = {"order": {**ORDER, "mayor_order": "دستور جعلی"}, "meeting_date": "2020-01-01",
              "check_note": "جعلی", "action_taken": "اقدام دوم", "followup_status": "done"}
    clean, errors = validate_submission(load_form("order_followup"), forged)
    assert not errors
    assert clean == {"action_taken": "اقدام دوم", "followup_status": "done", "expected_date": None}
    clean, errors = validate_submission(load_form("order_followup_check"),
                                        {**forged, "check_result": "done"})
    assert not errors and set(clean) == {"check_result", "check_note"}


def test_an_html_post_of_read_only_fields_is_not_even_read():
    posted = MultiDict([("order.mayor_order", "دستور جعلی"), ("meeting_date", "1400/01/01"),
                        ("check_note", "جعلی"), ("action_taken", "اقدام دوم")])
    parsed = parse_html_form(load_form("order_followup"), posted)
    assert parsed == {"order": {}, "action_taken": "اقدام دوم"}


def test_fields_the_server_gives_are_read_only_shown_from_the_data_and_never_asked_of_the_client():
    from formjs.forms import readonly_fields
    schema = {"components": [
        {"type": "textfield", "key": "letter_number", "validate": {"required": True}},
        {"type": "group", "components": [{"type": "textfield", "key": "note"}]},
        {"type": "group", "path": "order", "components": [{"type": "textfield", "key": "note"}]},
        {"type": "textfield", "key": "outlet"}]}
    marked = readonly_fields(schema, {"letter_number": "d1/1405/3", "note": "x"})
    assert [c.get("readonly") for c in marked["components"] if c["type"] == "textfield"] == [True, None]
    assert marked["components"][1]["components"][0]["readonly"] is True
    assert "readonly" not in marked["components"][2]["components"][0]  # order.note is another field
    assert "readonly" not in schema["components"][0]  # the task's own schema is untouched
    assert readonly_fields(schema, {}) == schema
    post = MultiDict({"letter_number": "forged", "note": "forged", "outlet": "ایرنا"})
    assert parse_html_form(marked, post) == {"order": {}, "outlet": "ایرنا"}
    clean, errors = validate_submission(marked, {"outlet": "ایرنا"})
    assert errors == {} and "letter_number" not in clean
    assert prefill_values(marked, {"letter_number": "d1/1405/3"})["letter_number"] == "d1/1405/3"
