"""The processes' BPMN unit tests (processes/tests/<key>.json, modeling/process_cases.py): each
case runs through the trial runner with the programmes' helpers, and every diagram in
processes/ has at least one case."""
import json

import pytest

import programmes
from engine import Engine, TrialSetup
from modeling.process_cases import (differences, keys_without_cases, load_cases, run_case)

CASES = load_cases()


@pytest.fixture(scope="module")
def setup():
    engine = Engine()
    programmes.register_all(engine)
    return TrialSetup(engine=engine)


@pytest.mark.parametrize("case", CASES, ids=[case.label for case in CASES])
def test_process_case_takes_its_expected_path(case, setup):
    _trial, failures = run_case(case, setup)
    assert failures == [], failures


def test_every_diagram_in_processes_has_a_case():
    assert keys_without_cases() == []


def test_a_diagram_without_a_case_is_named(tmp_path):
    (tmp_path / "one.bpmn").write_text("<x/>")
    (tmp_path / "two.bpmn").write_text("<x/>")
    cases = tmp_path / "tests"
    cases.mkdir()
    (cases / "one.json").write_text(json.dumps({"process": "one", "cases": [{"name": "a"}]}))
    assert keys_without_cases(tmp_path, cases) == ["two"]


def test_a_case_whose_path_differs_fails_with_what_differs(setup):
    case = next(c for c in CASES if c.process_key == "news")
    trial, _ = run_case(case, setup)
    found = differences(trial, {"path": ["StartEvent_news_event"], "not_visited": ["Task_review_news"],
                                "status": "completed", "data": {"nothing": 1}})
    assert len(found) == 4
    assert any("Task_review_news" in line for line in found)
