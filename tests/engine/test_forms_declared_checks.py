"""Checks a form declares in custom properties (formjs.validation) and the rules of dynamic
lists (formjs.rows): what they refuse and in which words, the rows a list starts with, the
add/remove row action, and the schema check that refuses a malformed declaration."""
from datetime import date, datetime, timezone

import pytest
from werkzeug.datastructures import MultiDict

from formjs.forms import (list_forms, load_form_file, parse_html_form, prefill_values,
                          row_action_values, validate_submission)
from formjs.rows import apply_row_action, source_rows
from formjs.schema_checks import check_schema
from formjs.validation import is_national_id, row_limits
from models import clock

TODAY = date(2026, 3, 1)


def day(key, label=None, **props):
    comp = {"type": "datetime", "subtype": "date", "key": key, "label": label or key}
    if props:
        comp["properties"] = props
    return comp


def text(key, **props):
    comp = {"type": "textfield", "key": key, "label": key}
    if props:
        comp["properties"] = props
    return comp


DECISION = {"type": "radio", "key": "decision", "label": "نظر",
            "values": [{"value": "approve", "label": "تأیید"}, {"value": "return", "label": "بازگشت"}]}


def check(components, data, locale="fa"):
    return validate_submission({"components": components}, data, locale, today=TODAY)[1]


@pytest.mark.parametrize("number, valid", [
    ("0010350829", True), ("0499370899", True), ("1234567891", True), ("۰۰۱۰۳۵۰۸۲۹", True),
    ("1234567890", False), ("0000000000", False), ("1111111111", False), ("001035082", False),
    ("00103508290", False), ("00103508a9", False),
])
def test_national_id_checksum(number, valid):
    assert is_national_id(number) is valid


# (components, data, errors expected)
CASES = [
    # end not before start
    ([day("start", "تاریخ شروع"), day("end", notBefore="start")],
     {"start": "1405/01/10", "end": "1405/01/09"},
     {"end": "این تاریخ نباید پیش از «تاریخ شروع» باشد."}),
    ([day("start"), day("end", notBefore="start")], {"start": "1405/01/10", "end": "1405/01/10"}, {}),
    ([day("start"), day("end", notBefore="start")], {"start": "", "end": "1405/01/09"}, {}),
    # not in the past (today is 2026-03-01, 1404/12/10)
    ([day("due", notInPast="true")], {"due": "2026-02-28"}, {"due": "این تاریخ نباید در گذشته باشد."}),
    ([day("due", notInPast="true")], {"due": "2026-03-01"}, {}),
    ([day("due", notInPast="false")], {"due": "2020-01-01"}, {}),
    # a day something happened: not in the future, not more than N days back (a receipt)
    ([day("received", notInFuture="true")], {"received": "2026-03-02"},
     {"received": "این تاریخ نباید در آینده باشد."}),
    ([day("received", notInFuture="true")], {"received": "1404/12/10"}, {}),
    ([day("received", maxDaysAgo="30")], {"received": "2026-01-29"},
     {"received": "این تاریخ نباید بیش از ۳۰ روز پیش از امروز باشد."}),
    ([day("received", maxDaysAgo="۳۰")], {"received": "2026-01-30"}, {}),
    # required when another field has a value
    ([DECISION, text("reason", requiredWhen='=decision = "return"')], {"decision": "return"},
     {"reason": "با پاسخی که داده‌اید، پر کردن این فیلد الزامی است."}),
    ([DECISION, text("reason", requiredWhen='=decision = "return"')],
     {"decision": "return", "reason": "  "}, {"reason": "با پاسخی که داده‌اید، پر کردن این فیلد الزامی است."}),
    ([DECISION, text("reason", requiredWhen='=decision = "return"')], {"decision": "approve"}, {}),
    # national ID
    ([text("national_id", check="national_id")], {"national_id": "1234567890"},
     {"national_id": "کد ملی معتبر نیست: ۱۰ رقم با رقم کنترل درست وارد کنید."}),
    ([text("national_id", check="national_id")], {"national_id": ""}, {}),
    ([text("national_id", check="national_id")], {"national_id": "۰۰۱۰۳۵۰۸۲۹"}, {}),
    # a list of options, one per line (a poll plan's choice question): two to twenty
    ([{"type": "textarea", "key": "options", "label": "options", "properties": {"check": "options"}}],
     {"options": "بله\n\n  بله  "}, {"options": "دست‌کم دو و حداکثر ۲۰ گزینه، هر گزینه در یک سطر، بنویسید."}),
    ([{"type": "textarea", "key": "options", "label": "options", "properties": {"check": "options"}}],
     {"options": "\n".join(f"گزینه {n}" for n in range(21))},
     {"options": "دست‌کم دو و حداکثر ۲۰ گزینه، هر گزینه در یک سطر، بنویسید."}),
    ([{"type": "textarea", "key": "options", "label": "options", "properties": {"check": "options"}}],
     {"options": "بله\nخیر"}, {}),
    # inside a list's rows: the row's own fields first
    ([{"type": "dynamiclist", "path": "stays", "components": [
        day("arrive"), day("leave", "خروج", notBefore="arrive")]}],
     {"stays": [{"arrive": "2026-05-02", "leave": "2026-05-03"},
                {"arrive": "2026-05-02", "leave": "2026-05-01"}]},
     {"stays[1].leave": "این تاریخ نباید پیش از «arrive» باشد."}),
    # a field with an error of its own is not checked again
    ([day("start"), day("end", notBefore="start")], {"start": "2026-05-02", "end": "nonsense"},
     {"end": "تاریخ معتبر به شکل ۱۴۰۵/۰۹/۰۴ وارد کنید."}),
]


@pytest.mark.parametrize("components, data, expected", CASES)
def test_declared_checks(components, data, expected):
    assert check(components, data) == expected


def test_declared_checks_speak_english_when_the_page_does():
    errors = check([day("start", "Start"), day("end", notBefore="start"), day("due", notInPast="true"),
                    text("national_id", check="national_id"), day("received", notInFuture="true"),
                    day("letter", maxDaysAgo="30")],
                   {"start": "2026-05-02", "end": "2026-05-01", "due": "2020-01-01",
                    "national_id": "1234567890", "received": "2026-03-05", "letter": "2025-12-01"},
                   locale="en")
    assert errors == {"end": "This date must not be before “Start”.",
                      "due": "This date must not be in the past.",
                      "received": "This date must not be in the future.",
                      "letter": "This date must not be more than 30 days before today.",
                      "national_id": "Not a valid national ID: enter 10 digits with a correct check digit."}


def test_not_in_past_counts_today_in_the_city_by_default():
    clock.set_now(datetime(2026, 3, 1, 21, 0, tzinfo=timezone.utc))  # already 2 March in Tehran
    schema = {"components": [day("due", notInPast="true")]}
    assert validate_submission(schema, {"due": "2026-03-01"})[1] == {"due": "این تاریخ نباید در گذشته باشد."}
    assert validate_submission(schema, {"due": "2026-03-02"})[1] == {}


# --- dynamic lists ---------------------------------------------------------------------------

ITEMS = {"type": "dynamiclist", "path": "items", "label": "اقلام", "defaultRepetitions": 1,
         "properties": {"minRows": "1", "maxRows": "3"},
         "components": [text("title"), {"type": "number", "key": "qty", "label": "qty"}]}
SCHEMA = {"components": [text("subject"), ITEMS]}


def test_row_limits_read_from_properties_with_defaults():
    assert row_limits(ITEMS) == (1, 3)
    assert row_limits({"type": "dynamiclist"}) == (0, 200)
    assert row_limits({"properties": {"minRows": 5, "maxRows": "2"}}) == (2, 2)


@pytest.mark.parametrize("rows, error", [
    ([], "دست‌کم ۱ ردیف لازم است."),
    ([{"title": "a"}] * 4, "حداکثر ۳ ردیف مجاز است."),
    ([{"title": "a"}] * 3, None),
])
def test_min_and_max_rows_are_checked_with_a_message_at_the_list(rows, error):
    errors = validate_submission(SCHEMA, {"items": rows})[1]
    assert errors.get("items") == error


def test_a_list_not_posted_at_all_is_below_its_minimum():
    assert validate_submission(SCHEMA, {})[1] == {"items": "دست‌کم ۱ ردیف لازم است."}


def post(pairs, action=None):
    form = MultiDict(pairs)
    if action is not None:
        form.add("_rows", action)
    return form


def test_add_row_keeps_blank_rows_and_appends_one():
    shown = row_action_values(SCHEMA, post([("subject", "s"), ("items[0].title", "میز"),
                                            ("items[1].title", "")], "add:items"))
    assert shown == {"subject": "s", "items": [{"title": "میز"}, {"title": ""}, {}]}


def test_add_row_stops_at_the_maximum_and_remove_at_the_minimum():
    three = post([(f"items[{i}].title", str(i)) for i in range(3)], "add:items")
    assert len(row_action_values(SCHEMA, three)["items"]) == 3
    one = post([("items[0].title", "x")], "remove:items[0]")
    assert row_action_values(SCHEMA, one)["items"] == [{"title": "x"}]


def test_remove_row_drops_that_row():
    two = post([("items[0].title", "a"), ("items[1].title", "b"), ("items[2].title", "c")],
               "remove:items[1]")
    assert [r["title"] for r in row_action_values(SCHEMA, two)["items"]] == ["a", "c"]


def test_add_row_on_an_empty_list_pads_to_the_rows_shown_then_one_more():
    assert len(apply_row_action(SCHEMA, {}, "add:items")["items"]) == 2


def test_row_actions_reach_a_list_inside_a_group_with_a_path():
    schema = {"components": [{"type": "group", "path": "order", "components": [ITEMS]}]}
    form = post([("order.items[0].title", "a")], "add:order.items")
    assert len(row_action_values(schema, form)["order"]["items"]) == 2


@pytest.mark.parametrize("action", ["add:nowhere", "add:subject", "remove:items[7]", "grow:items",
                                    "add:items[0", "remove:items", ""])
def test_a_row_action_naming_nothing_changes_nothing(action):
    form = post([("items[0].title", "a"), ("items[1].title", "b")], action)
    assert row_action_values(SCHEMA, form)["items"] == [{"title": "a"}, {"title": "b"}]


def test_without_a_row_button_the_post_is_a_submission():
    assert row_action_values(SCHEMA, post([("items[0].title", "a")])) is None
    assert parse_html_form(SCHEMA, post([("items[0].title", "a"), ("items[1].title", "")])) == {
        "items": [{"title": "a"}]}


def test_a_read_only_list_neither_grows_nor_shrinks():
    schema = {"components": [{**ITEMS, "readonly": True}]}
    assert apply_row_action(schema, {"items": [{"title": "a"}]}, "add:items")["items"] == [{"title": "a"}]


ATTENDEES = {"type": "dynamiclist", "path": "attendees",
             "properties": {"rowsFrom": "invited", "rowsMap": "name=reporter, outlet", "maxRows": "2"},
             "components": [text("name"), text("outlet"), {"type": "checkbox", "key": "signed"}]}


def test_rows_come_from_the_named_list_through_the_map():
    data = {"invited": [{"outlet": "ایرنا", "reporter": "علی", "contact": "x"},
                        {"outlet": "عصر", "reporter": ""}, {"outlet": "سوم"}]}
    assert source_rows(ATTENDEES, data) == [{"name": "علی", "outlet": "ایرنا"}, {"outlet": "عصر"}]


def test_a_single_record_gives_one_row_and_same_named_keys_need_no_map():
    requests = {"type": "dynamiclist", "path": "requests", "properties": {"rowsFrom": "."},
                "components": [text("applicant_name"), text("subject"), text("mayor_order")]}
    data = {"applicant_name": "مریم", "subject": "کوچه", "phone": "0912"}
    assert source_rows(requests, data) == [{"applicant_name": "مریم", "subject": "کوچه"}]


def test_prefill_takes_the_known_rows_only_until_the_list_has_its_own():
    schema = {"components": [ATTENDEES]}
    data = {"invited": [{"outlet": "ایرنا", "reporter": "علی"}]}
    assert prefill_values(schema, data) == {"attendees": [{"name": "علی", "outlet": "ایرنا"}]}
    again = {**data, "attendees": [{"name": "مریم", "outlet": "عصر", "signed": True}]}
    assert prefill_values(schema, again)["attendees"] == again["attendees"]
    assert prefill_values(schema, {}) == {}


# --- schema checks: the shipped forms pass, malformed declarations are refused ---------------

def test_every_shipped_form_passes_the_schema_checks():
    problems = {key: check_schema(None, key, load_form_file(key)) for key in list_forms()}
    assert {key: found for key, found in problems.items() if found} == {}


@pytest.mark.parametrize("component, code", [
    ({**ITEMS, "properties": {"minRows": "two"}}, "rows_limit"),
    ({**ITEMS, "properties": {"minRows": "5", "maxRows": "2"}}, "rows_limit"),
    ({**ITEMS, "properties": {"maxRows": "500"}}, "rows_limit"),
    ({**ITEMS, "properties": {"rowsFrom": "a b"}}, "rows_source"),
    ({**ITEMS, "properties": {"rowsMap": "title"}}, "rows_source"),
    ({**ITEMS, "properties": {"rowsFrom": "x", "rowsMap": "nothere=title"}}, "rows_source"),
    ({**ITEMS, "properties": {"rowsFrom": "x", "rowsMap": "title=="}}, "rows_source"),
    ({**ITEMS, "properties": ["minRows"]}, "properties"),
    (day("end", notBefore="nowhere"), "not_before"),
    (day("end", notBefore="subject"), "not_before"),
    (text("end", notBefore="start"), "not_before"),
    (day("end", notInPast="yes"), "not_in_past"),
    (text("end", notInPast="true"), "not_in_past"),
    (day("end", notInFuture="soon"), "not_in_future"),
    (text("end", notInFuture="true"), "not_in_future"),
    (day("end", maxDaysAgo="a month"), "max_days_ago"),
    (day("end", maxDaysAgo="-3"), "max_days_ago"),
    (text("end", maxDaysAgo="30"), "max_days_ago"),
    (text("reason", requiredWhen="=decision ==="), "required_when"),
    (text("national_id", check="passport"), "check"),
    ({**DECISION, "properties": {"check": "national_id"}}, "check"),
    (text("options", check="options"), "check"),  # options are lines: a textarea's
])
def test_a_malformed_declaration_is_refused_by_name(component, code):
    schema = {"type": "default", "components": [text("subject"), day("start"), component]}
    assert [p.code for p in check_schema(None, "example", schema)] == [code]


def test_well_formed_declarations_pass_the_schema_checks():
    schema = {"type": "default", "components": [
        day("start"), day("end", notBefore="start", notInPast="true"), DECISION,
        day("received", notInFuture="true", maxDaysAgo="30"),
        text("reason", requiredWhen='=decision = "return"'), text("nid", check="national_id"),
        {"type": "textarea", "key": "choices", "label": "choices", "properties": {"check": "options"}},
        {**ITEMS, "properties": {"minRows": 1, "maxRows": "30", "rowsFrom": ".",
                                 "rowsMap": "title=subject, qty"}}]}
    assert check_schema(None, "example", schema) == []
