"""The survey and poll forms: the quality records (records.quality.REGISTER) they produce, form-js
schemas with validation, read-only fields that show what an earlier task recorded, rated
survey questions, and summaries that hold remarks only.
"""
from __future__ import annotations

import pytest

from records.quality import REGISTER, record_type_for_form
from survey_processes_support import FORM_KEYS, FORMS_DIR, PROCESSES, form, inputs
from tests.diagram_conventions import PERSIAN, SNAKE

@pytest.mark.parametrize("process", PROCESSES, ids=repr)
def test_register_forms_exist_and_name_their_record(process):
    produced = {}
    for task_id, (_, form_key) in process.tasks.items():
        record = record_type_for_form(form_key)
        if record:
            produced[record.code] = form_key
    assert set(produced) == process.records
    for record in REGISTER:
        if record.code in process.records:
            assert produced[record.code] == record.form_key
            assert (FORMS_DIR / f"{record.form_key}.form.json").is_file()
            header = form(record.form_key)["components"][0]
            assert header["type"] == "text"
            assert header["text"].startswith(f"#### {record.code} — {record.title_fa}")


INPUT_TYPES = {"textfield", "textarea", "number", "select", "radio", "checkbox", "checklist",
               "datetime"}


@pytest.mark.parametrize("form_key", FORM_KEYS)
def test_form_is_a_form_js_schema_with_validation(form_key):
    schema = form(form_key)
    components = schema["components"]
    assert components[0]["type"] == "text" and PERSIAN.search(components[0]["text"])
    ids = [c["id"] for c in components]
    assert len(ids) == len(set(ids))
    lists = [c for c in components if c["type"] == "dynamiclist"]  # the plan's questions
    assert all(SNAKE.fullmatch(c["path"]) and PERSIAN.search(c["label"]) for c in lists)
    fields = [c for c in components if c["type"] not in ("text", "dynamiclist")]
    fields += [row for c in lists for row in c["components"]]
    keys = [c["key"] for c in fields]
    assert len(keys) == len(set(keys))
    assert any(not c.get("readonly") for c in fields)
    for c in fields:
        assert c["type"] in INPUT_TYPES, c
        assert SNAKE.fullmatch(c["key"]), c["key"]
        assert PERSIAN.search(c["label"]), c["key"]
        assert isinstance(c["validate"], dict), c["key"]
        if c["type"] in ("textfield", "textarea"):
            assert c["validate"]["maxLength"] > 0, c["key"]
        if c["type"] in ("select", "radio", "checklist"):
            assert c["values"] and all(PERSIAN.search(v["label"]) for v in c["values"]), c["key"]
        if c["type"] == "datetime":
            assert c["subtype"] == "date"


@pytest.mark.parametrize("process", PROCESSES, ids=repr)
def test_read_only_fields_show_what_an_earlier_task_of_the_process_recorded(process):
    form_keys = [form_key for _, form_key in process.tasks.values()]
    written = {key for form_key in form_keys for key, c in inputs(form_key).items()
               if not c.get("readonly")}
    for form_key in form_keys:
        for key, c in inputs(form_key).items():
            if c.get("readonly"):
                assert c["type"] in ("textfield", "textarea", "datetime"), (form_key, key)
                assert key in written, (form_key, key)


@pytest.mark.parametrize("form_key", ["citizen_survey", "visitor_survey"])
def test_survey_forms_ask_rated_questions_demographics_and_comments(form_key):
    fields = inputs(form_key)
    scales = [c for c in fields.values() if c["type"] == "radio"
              and [v["value"] for v in c["values"]] == ["1", "2", "3", "4", "5"]]
    assert len(scales) >= 8
    assert all(c["validate"]["required"] is True for c in scales)
    assert all(v["label"].startswith(digit) for c in scales
               for v, digit in zip(c["values"], "۱۲۳۴۵"))
    assert {"staff_behaviour", "response_time", "overall_satisfaction"} <= {c["key"] for c in scales}
    assert fields["age_group"]["validate"]["required"] is True
    assert not fields["gender"]["validate"].get("required")
    assert fields["neighbourhood"]["type"] == "textfield"
    assert fields["comments"]["type"] == "textarea"
    assert not fields["comments"]["validate"].get("required")
    if form_key == "citizen_survey":
        assert {"street_cleanliness", "street_lighting", "green_space"} <= set(fields)


@pytest.mark.parametrize("form_key", ["survey_summary", "poll_summary"])
def test_summary_forms_hold_remarks_only_the_numbers_are_computed(form_key):
    fields = inputs(form_key)
    assert {c["type"] for c in fields.values()} == {"textarea"}
    assert any(c["validate"].get("required") for c in fields.values())
