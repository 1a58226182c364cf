"""The PR unit's user tasks and forms: a form file and a role lane for every task, the quality
records F-10 to F-17, form-js schemas with Persian labels and validation, decision forms that
offer exactly the gateways' choices, rendered on the server, checking what people type.
"""
from __future__ import annotations

import json

import pytest
from jinja2 import Environment, FileSystemLoader

from formjs.forms import load_form, validate_submission
from engine.harness import human_task_specs, workflow_from_bpmn
from records.quality import REGISTER, record_type_for_form
from people.roles import role_for_lane
from pr_processes_support import FORMS_DIR, INFORM_REQUEST, PROCESS_IDS, PROCESSES, ROOT, tree_of
from tests.diagram_conventions import NS, PERSIAN, SNAKE

INPUT_TYPES = {"textfield", "textarea", "number", "select", "radio", "checkbox", "checklist",
               "datetime"}

PROCESS_IDS = sorted(PROCESSES)
FORM_KEYS = sorted({form for spec in PROCESSES.values() for _, form in spec.user_tasks.values()})


def form_schema(form_key: str) -> dict:
    """The form's file as JSON (not through load_form)."""
    return json.loads((FORMS_DIR / f"{form_key}.form.json").read_text(encoding="utf-8"))


def input_components(components, inside_list=False):
    """(component, inside a dynamiclist?) for every input, descending into groups and lists."""
    for c in components:
        if c["type"] in ("group", "dynamiclist"):
            yield from input_components(c["components"], inside_list or c["type"] == "dynamiclist")
        elif c["type"] in INPUT_TYPES:
            yield c, inside_list


@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_every_user_task_has_a_form_file_and_a_role_lane(process_id):
    spec = PROCESSES[process_id]
    specs = human_task_specs(workflow_from_bpmn(spec.bpmn_file.read_bytes()))
    assert set(specs) == set(spec.user_tasks)
    for task_id, task_spec in specs.items():
        lane, form_key = spec.user_tasks[task_id]
        assert task_spec.properties["formKey"] == form_key, task_id
        assert (FORMS_DIR / f"{form_key}.form.json").is_file(), form_key
        assert task_spec.lane == lane, task_id
        assert role_for_lane(task_spec.lane) == spec.lanes[lane], task_id


@pytest.mark.parametrize("process_id", PROCESS_IDS)
def test_the_process_produces_its_quality_records(process_id):
    spec = PROCESSES[process_id]
    produced = {record_type_for_form(form).code for _, form in spec.user_tasks.values()
                if record_type_for_form(form)}
    assert produced == spec.records


def test_the_pr_processes_produce_records_f10_to_f17():
    codes = {f"F-__-0-2-{n:02d}" for n in range(10, 18)}
    assert set().union(*(spec.records for spec in PROCESSES.values())) == codes
    assert {r.form_key for r in REGISTER if r.code in codes} <= set(FORM_KEYS)


@pytest.mark.parametrize("form_key", FORM_KEYS)
def test_form_is_a_form_js_schema_with_persian_labels_and_validation(form_key):
    schema = form_schema(form_key)
    assert load_form(form_key) == schema
    components = schema["components"]
    header = components[0]
    assert header["type"] == "text" and PERSIAN.search(header["text"])
    record = record_type_for_form(form_key)
    if record:  # a register form names its record: "F-__-0-2-17 — درخواست اطلاع‌رسانی ..."
        assert header["text"].startswith(f"#### {record.code} — {record.title_fa}\n"), header["text"]

    def all_ids(comps):
        for c in comps:
            yield c["id"]
            yield from all_ids(c.get("components", []))

    ids = list(all_ids(components))
    assert len(ids) == len(set(ids))
    inputs = list(input_components(components))
    assert inputs
    top_keys = [c["key"] for c, in_list in inputs if not in_list]
    assert len(top_keys) == len(set(top_keys))
    assert any(c.get("validate", {}).get("required") for c, _ in inputs), "nothing is required"
    for c, _ in inputs:
        assert SNAKE.fullmatch(c["key"]), c["key"]
        assert PERSIAN.search(c["label"]), c["key"]
        if c["type"] in ("select", "radio", "checklist"):
            assert c["values"] and all(PERSIAN.search(v["label"]) for v in c["values"]), c["key"]
        if c["type"] in ("textfield", "textarea"):
            assert c["validate"]["maxLength"] > 0, c["key"]
        if c["type"] == "datetime":
            assert c["subtype"] in ("date", "time")
    for c in components:
        if c["type"] == "dynamiclist":
            assert SNAKE.fullmatch(c["path"]) and PERSIAN.search(c["label"])
            assert c["isRepeating"] is True and c["allowAddRemove"] is True


def test_decision_forms_offer_exactly_the_choices_the_gateways_test():
    choices = {
        ("inform_review", "review_decision"): {"approve", "return"},
        ("publication_check", "check_result"): {"ok", "fix"},
        ("press_schedule_approval", "schedule_decision"): {"approve", "reschedule"},
        ("press_report_review", "report_decision"): {"approve", "return"},
        ("news_review", "news_decision"): {"approve", "return"},
        ("rebuttal_signoff", "signoff_decision"): {"sign", "return"},
    }
    conditions = " ".join(c.text for pid in PROCESS_IDS
                          for c in tree_of(pid).iterfind(".//bpmn:conditionExpression", NS))
    for (form_key, key), values in choices.items():
        component = next(c for c, _ in input_components(form_schema(form_key)["components"])
                         if c["key"] == key)
        assert component["type"] == "radio" and component["validate"]["required"] is True
        assert {v["value"] for v in component["values"]} == values
        for value in values:
            assert f'{key} == "{value}"' in conditions


@pytest.mark.parametrize("form_key", FORM_KEYS)
def test_form_renders_on_the_server_with_a_field_for_every_input(form_key):
    env = Environment(loader=FileSystemLoader(str(ROOT / "app" / "templates")), autoescape=True)
    template = env.from_string('{% from "forms/_formjs.html" import render_form %}'
                               "{{ render_form(schema, values={}, errors={}) }}")
    page = template.render(schema=load_form(form_key))
    for component in form_schema(form_key)["components"]:
        if component["type"] == "dynamiclist":
            for c, _ in input_components(component["components"]):
                assert f'name="{component["path"]}[0].{c["key"]}"' in page, c["key"]
        elif component["type"] in INPUT_TYPES:
            assert f'name="{component["key"]}"' in page, component["key"]


def test_forms_check_what_people_type():
    def errors(form_key, data):
        return validate_submission(load_form(form_key), data)[1]

    assert set(errors("inform_request", {})) == {
        "requesting_unit", "subject", "message_text", "desired_publication_date", "channels"}
    assert errors("inform_request", {**INFORM_REQUEST, "channels": ["fax"]}) == {
        "channels": "مقدار انتخاب‌شده مجاز نیست."}
    clean, problems = validate_submission(load_form("inform_request"), INFORM_REQUEST)
    assert not problems and clean["desired_publication_date"] == "2025-08-11"  # 1404/05/20
    assert "publication_url" in errors("publication_record", {
        "publication_url": "district3.example.ir", "published_on": "2025-08-12",
        "published_channels": ["website"]})
    assert set(errors("press_schedule", {"conference_date": "2025-09-01"})) == {
        "conference_time", "conference_place", "topics"}
    assert set(errors("press_attendance", {"attendees": [{"name": "", "outlet": "ایرنا"}]})) == {
        "attendees[0].name"}
    assert set(errors("press_monitoring", {"coverage": [
        {"outlet": "ایرنا", "published_on": "2025-08-13", "headline": "تیتر", "accurate": "maybe"}]})) == {
        "coverage[0].accurate"}
    assert set(errors("press_rebuttal", {"outlet": "ایرنا"})) == {
        "misreported_text", "correct_text", "letter_number"}
    assert set(errors("news_preparation", {})) == {
        "headline", "lead", "body", "source_unit", "priority"}
