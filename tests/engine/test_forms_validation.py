"""form-js schemas: loading, HTML post parsing and typed validation (rendering: test_forms_rendering.py)."""
import json
import os
import time
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from formjs.forms import (FORMS_DIR, FormNotFound, InvalidFormKey, form_fields, list_forms,
                          load_form, parse_html_form, validate_submission)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "forms"


@pytest.fixture
def schema():
    return load_form("all_components", FIXTURES)


def valid_post(**overrides):
    fields = {"subject": "چراغ خاموش", "district": "d1", "address.street": "آزادی"}
    fields.update(overrides)
    return MultiDict(list(fields.items()))


def submit(schema, post, locale="fa"):
    return validate_submission(schema, parse_html_form(schema, post), locale)


# --- loading ---------------------------------------------------------------------------

def test_forms_dir_is_repo_forms_folder():
    assert FORMS_DIR == ROOT / "forms"


def test_load_form_reads_schema_by_key(schema):
    assert schema["type"] == "default"
    assert schema["schemaVersion"] == 16


def test_list_forms_returns_keys_without_suffix():
    assert "all_components" in list_forms(FIXTURES)


def test_list_forms_of_missing_folder_is_empty(tmp_path):
    assert list_forms(tmp_path / "nope") == []


@pytest.mark.parametrize("key", ["../secret", "a/b", "..", "Upper", "x.form", "", "a b"])
def test_form_key_with_path_characters_is_refused(key):
    with pytest.raises(InvalidFormKey):
        load_form(key, FIXTURES)


def test_refused_key_is_also_a_value_error_and_form_not_found():
    with pytest.raises(ValueError):
        load_form("../etc/passwd", FIXTURES)
    with pytest.raises(FormNotFound):
        load_form("../etc/passwd", FIXTURES)


def test_missing_form_raises_form_not_found():
    with pytest.raises(FormNotFound) as info:
        load_form("no_such_form", FIXTURES)
    assert isinstance(info.value, KeyError)
    assert "no_such_form" in str(info.value)


def test_changed_file_is_reloaded_and_copies_are_independent(tmp_path):
    path = tmp_path / "f.form.json"
    path.write_text(json.dumps({"type": "default", "components": []}))
    first = load_form("f", tmp_path)
    first["components"].append({"mutated": True})
    assert load_form("f", tmp_path)["components"] == []
    path.write_text(json.dumps({"type": "default", "components": [{"type": "spacer"}]}))
    later = time.time() + 5
    os.utime(path, (later, later))
    assert load_form("f", tmp_path)["components"] == [{"type": "spacer"}]


# --- parsing and typing ----------------------------------------------------------------

def test_valid_post_is_typed(schema):
    post = valid_post(body="  متن  \r\nخط دوم ", age="30", amount="12.50", priority="urgent",
                      consent="true", incident_date="2024-03-01", visit_time="09:15",
                      reported_at="2024-03-01T09:15", **{"address.plate": "12"})
    post.add("channels", "sms")
    post.add("channels", "email")
    clean, errors = submit(schema, post)
    assert errors == {}
    assert clean["subject"] == "چراغ خاموش"
    assert clean["body"] == "متن  \nخط دوم"
    assert clean["age"] == 30 and isinstance(clean["age"], int)
    assert clean["amount"] == 12.5
    assert clean["priority"] == "urgent"
    assert clean["consent"] is True
    assert clean["channels"] == ["sms", "email"]
    assert clean["incident_date"] == "2024-03-01"
    assert clean["visit_time"] == "09:15"
    assert clean["reported_at"] == "2024-03-01T09:15"
    assert clean["address"] == {"street": "آزادی", "plate": 12}


def test_unchecked_checkbox_and_empty_checklist_are_false_and_empty(schema):
    clean, errors = submit(schema, valid_post())
    assert errors == {}
    assert clean["consent"] is False
    assert clean["channels"] == []
    assert clean["age"] is None
    assert clean["priority"] == "normal"  # defaultValue applies when nothing was posted


def test_persian_and_arabic_digits_in_numbers_are_normalised(schema):
    clean, errors = submit(schema, valid_post(age="۴۲", amount="٣٫٢٥", **{"address.plate": "۷"}))
    assert errors == {}
    assert clean["age"] == 42 and clean["amount"] == 3.25 and clean["address"]["plate"] == 7


def test_persian_digits_in_dates_are_normalised(schema):
    clean, errors = submit(schema, valid_post(incident_date="۲۰۲۴-۰۳-۰۱"))
    assert errors == {} and clean["incident_date"] == "2024-03-01"


def test_unknown_keys_are_dropped(schema):
    clean, errors = submit(schema, valid_post(is_admin="1", **{"address.evil": "x"}))
    assert errors == {}
    assert "is_admin" not in clean and "evil" not in clean["address"]
    clean, _ = validate_submission(schema, {"subject": "abc", "district": "d1",
                                            "address": {"street": "s"}, "assignee": "me"})
    assert "assignee" not in clean


def test_display_only_components_produce_no_data(schema):
    clean, _ = submit(schema, valid_post(intro="x", sep1="y"))
    assert not {"intro", "sep1", "sp1"} & clean.keys()


def test_readonly_field_keeps_its_default_value(schema):
    clean, _ = submit(schema, valid_post(case_no="HACKED"))
    assert clean["case_no"] == "C-1"


def test_readonly_field_without_default_is_left_out():
    schema = {"components": [{"type": "textfield", "key": "k", "disabled": True}]}
    assert validate_submission(schema, {"k": "x"}) == ({}, {})


def test_flat_group_keeps_fields_at_top_level(schema):
    clean, _ = submit(schema, valid_post(phone="0912"))
    assert clean["phone"] == "0912"


def test_pattern_accepts_persian_digits_and_stores_ascii(schema):
    clean, errors = submit(schema, valid_post(national_code="۰۰۱۲۳۴۵۶۷۸"))
    assert errors == {} and clean["national_code"] == "0012345678"


# --- validation errors -----------------------------------------------------------------

def test_required_errors_in_persian(schema):
    _, errors = submit(schema, MultiDict())
    assert errors["subject"] == "این فیلد الزامی است."
    assert errors["district"] == "این فیلد الزامی است."
    assert errors["address.street"] == "این فیلد الزامی است."


def test_required_errors_in_english(schema):
    _, errors = submit(schema, MultiDict(), locale="en")
    assert errors["subject"] == "This field is required."


def test_whitespace_only_counts_as_missing(schema):
    _, errors = submit(schema, valid_post(subject="   "))
    assert errors["subject"] == "این فیلد الزامی است."


def test_max_length_message_uses_persian_digits(schema):
    _, errors = submit(schema, valid_post(subject="x" * 201))
    assert errors["subject"] == "حداکثر ۲۰۰ نویسه مجاز است."
    _, errors = submit(schema, valid_post(subject="x" * 201), locale="en")
    assert errors["subject"] == "Enter at most 200 characters."


def test_min_length_message(schema):
    _, errors = submit(schema, valid_post(subject="ab"))
    assert errors["subject"] == "دست‌کم ۳ نویسه لازم است."
    _, errors = submit(schema, valid_post(subject="ab"), locale="en")
    assert errors["subject"] == "Enter at least 3 characters."


def test_min_and_max_of_numbers(schema):
    _, errors = submit(schema, valid_post(age="17"))
    assert errors["age"] == "مقدار باید دست‌کم ۱۸ باشد."
    _, errors = submit(schema, valid_post(age="121"), locale="en")
    assert errors["age"] == "The value must be at most 120."


def test_pattern_must_match_whole_value(schema):
    _, errors = submit(schema, valid_post(national_code="12345678901"))
    assert errors["national_code"] == "قالب مقدار واردشده درست نیست."
    _, errors = submit(schema, valid_post(national_code="abc0123456789"), locale="en")
    assert errors["national_code"] == "The value does not have the required format."


@pytest.mark.parametrize("raw", ["abc", "1e5", "12..3", "۱۲a", "nan"])
def test_non_numbers_are_refused(schema, raw):
    _, errors = submit(schema, valid_post(amount=raw))
    assert errors["amount"] == "عدد معتبر وارد کنید."


def test_decimal_digits_are_enforced(schema):
    _, errors = submit(schema, valid_post(age="30.5"))
    assert errors["age"] == "عدد صحیح وارد کنید."
    _, errors = submit(schema, valid_post(amount="1.234"))
    assert errors["amount"] == "حداکثر ۲ رقم اعشار مجاز است."


def test_select_value_not_in_list_is_refused(schema):
    _, errors = submit(schema, valid_post(district="d99"))
    assert errors["district"] == "مقدار انتخاب‌شده مجاز نیست."
    _, errors = submit(schema, valid_post(district="d99"), locale="en")
    assert errors["district"] == "The selected value is not allowed."


def test_radio_and_checklist_values_not_in_list_are_refused(schema):
    post = valid_post(priority="vip")
    post.add("channels", "fax")
    _, errors = submit(schema, post)
    assert errors["priority"] == errors["channels"] == "مقدار انتخاب‌شده مجاز نیست."


@pytest.mark.parametrize("field, raw", [("incident_date", "2024-02-30"),
                                        ("incident_date", "01/03/2024"),
                                        ("visit_time", "25:00"),
                                        ("reported_at", "2024-03-01")])
def test_invalid_dates_and_times_are_refused(schema, field, raw):
    _, errors = submit(schema, valid_post(**{field: raw}))
    assert field in errors


def test_required_checkbox_must_be_ticked():
    schema = {"components": [{"type": "checkbox", "key": "ok", "validate": {"required": True}}]}
    assert validate_submission(schema, {})[1] == {"ok": "این فیلد الزامی است."}
    assert validate_submission(schema, {"ok": True}) == ({"ok": True}, {})


# --- dynamic lists ---------------------------------------------------------------------

def test_dynamiclist_rows_are_parsed_and_blank_rows_dropped(schema):
    post = valid_post(**{"items[0].title": "میز", "items[0].qty": "۲",
                         "items[1].title": " ", "items[1].qty": "",
                         "items[2].title": "صندلی", "items[2].qty": "4"})
    data = parse_html_form(schema, post)
    assert data["items"] == [{"title": "میز", "qty": "۲"}, {"title": "صندلی", "qty": "4"}]
    clean, errors = validate_submission(schema, data)
    assert errors == {}
    assert clean["items"] == [{"title": "میز", "qty": 2}, {"title": "صندلی", "qty": 4}]


def test_dynamiclist_errors_name_the_row(schema):
    post = valid_post(**{"items[0].title": "میز", "items[0].qty": "0", "items[1].qty": "3"})
    _, errors = submit(schema, post)
    assert errors == {"items[0].qty": "مقدار باید دست‌کم ۱ باشد.",
                      "items[1].title": "این فیلد الزامی است."}


def test_dynamiclist_row_count_is_bounded(schema):
    data = {"subject": "abc", "district": "d1", "address": {"street": "s"},
            "items": [{"title": "t"}] * 500}
    _, errors = validate_submission(schema, data, "en")
    assert errors == {"items": "At most 200 rows are allowed."}


# --- JSON API input --------------------------------------------------------------------

def test_json_input_with_typed_values_is_accepted(schema):
    data = {"subject": "abc", "district": "d2", "age": 40, "amount": 2.5, "consent": True,
            "channels": ["email"], "address": {"street": "s", "plate": 3},
            "items": [{"title": "t", "qty": 1}]}
    clean, errors = validate_submission(schema, data)
    assert errors == {}
    assert clean["age"] == 40 and clean["consent"] is True and clean["channels"] == ["email"]
    assert clean["items"] == [{"title": "t", "qty": 1}]


@pytest.mark.parametrize("field, raw", [("age", True), ("consent", "maybe"),
                                        ("channels", {"a": 1}), ("address", "x"),
                                        ("items", "x"), ("subject", ["a"])])
def test_json_input_of_wrong_shape_is_refused(schema, field, raw):
    data = {"subject": "abc", "district": "d1", "address": {"street": "s"}, field: raw}
    _, errors = validate_submission(schema, data)
    assert field in errors


def test_form_fields_lists_inputs_with_paths(schema):
    fields = {f["path"]: f for f in form_fields(schema)}
    assert {"subject", "address.street", "phone", "items[].title"} <= fields.keys()
    assert "intro" not in fields
    assert fields["subject"]["required"] is True
    assert fields["district"]["options"] == ["d1", "d2"]
    assert fields["incident_date"]["label"] == "تاریخ رخداد"
