"""The trial runner (engine/trial.py): a draft run in memory with the real parser, sandbox,
helpers and form validation, step by step; nothing in the database, no notices."""
import pytest

import programmes
from engine import Engine, TrialRefused, TrialSetup, complete_trial_task, fire_trial_timer, start_trial
from models import OutboxMessage
from models.errors import BpmnValidationError, InvalidData
from modeling.process_cases import load_cases, run_case
from trial_support import HOSTILE_XML, RUNAWAY_XML, TRIAL_XML, row_counts


@pytest.fixture(scope="module")
def setup():
    return TrialSetup()


def test_a_trial_runs_to_the_first_user_task_with_its_form_path_and_data(setup):
    trial = start_trial(setup, TRIAL_XML, {"count": 3})
    assert trial.status == "waiting"
    assert trial.path == ["StartEvent_1", "Script_prepare"]
    assert trial.data["total"] == 6
    (task,) = trial.tasks
    assert (task.element_id, task.form_key) == ("Task_review", "news_review")
    assert any(c.get("key") == "news_decision" for c in task.schema["components"])
    assert task.data["total"] == 6 and trial.state_json


def test_answers_are_checked_against_the_task_form_like_a_real_completion(setup):
    trial = start_trial(setup, TRIAL_XML, {"count": 1})
    with pytest.raises(InvalidData) as refused:
        complete_trial_task(setup, TRIAL_XML, trial.state_json, trial.steps, trial.tasks[0].id,
                            {"news_decision": "maybe"})
    assert "news_decision" in refused.value.details
    with pytest.raises(InvalidData) as refused:  # requiredWhen of the form, as on the task page
        complete_trial_task(setup, TRIAL_XML, trial.state_json, trial.steps, trial.tasks[0].id,
                            {"news_decision": "return"})
    assert "news_review_reason" in refused.value.details


def test_a_loop_counts_every_pass_and_a_timer_fires_on_request(setup):
    trial = start_trial(setup, TRIAL_XML, {"count": 1})
    trial = complete_trial_task(setup, TRIAL_XML, trial.state_json, trial.steps, trial.tasks[0].id,
                                {"news_decision": "return", "news_review_reason": "again"})
    trial = complete_trial_task(setup, TRIAL_XML, trial.state_json, trial.steps,
                                trial.task("Task_review").id, {"news_decision": "approve"})
    assert trial.tasks == [] and [t.element_id for t in trial.timers] == ["Timer_wait"]
    trial = fire_trial_timer(setup, TRIAL_XML, trial.state_json, trial.steps, trial.timers[0].id)
    assert trial.status == "completed"
    assert trial.path == ["StartEvent_1", "Script_prepare", "Task_review", "Gateway_decision",
                          "Task_review", "Gateway_decision", "Timer_wait", "EndEvent_1"]
    assert trial.counts["Task_review"] == 2 and trial.data["news_decision"] == "approve"


def test_a_failing_script_is_a_problem_in_words_on_its_element(setup):
    trial = start_trial(setup, TRIAL_XML, {})
    assert trial.status == "error" and trial.state_json is None
    assert trial.problem.element_id == "Script_prepare"
    assert trial.problem.message.template.startswith("{what} uses {name!r}")
    assert trial.path == ["StartEvent_1"]


def test_a_hostile_script_is_refused_by_the_sandbox_before_anything_runs(setup):
    with pytest.raises(BpmnValidationError) as refused:
        start_trial(setup, HOSTILE_XML, {})
    assert any(e.element_id == "Script_escape" for e in refused.value.errors)


def test_a_loop_without_a_waiting_task_stops_at_the_step_budget():
    trial = start_trial(TrialSetup(budget=40), RUNAWAY_XML, {"n": 0})
    assert trial.status == "error" and trial.problem.element_id is None
    assert "40 engine steps" in trial.problem.message
    assert 0 < trial.counts["Script_count"] <= 40


def test_the_budget_counts_over_the_whole_trial(setup):
    small = TrialSetup(budget=4)
    trial = start_trial(small, TRIAL_XML, {"count": 1})
    assert trial.status == "waiting" and trial.steps == 3
    trial = complete_trial_task(small, TRIAL_XML, trial.state_json, trial.steps, trial.tasks[0].id,
                                {"news_decision": "return", "news_review_reason": "again"})
    assert trial.status == "error" and "4 engine steps" in trial.problem.message


def test_a_state_is_refused_with_another_diagram_or_an_unknown_task(setup):
    trial = start_trial(setup, TRIAL_XML, {"count": 1})
    changed = TRIAL_XML.replace(b'name="Review"', b'name="Review it"')
    with pytest.raises(TrialRefused):
        complete_trial_task(setup, changed, trial.state_json, trial.steps, trial.tasks[0].id,
                            {"news_decision": "approve"})
    with pytest.raises(TrialRefused):
        complete_trial_task(setup, TRIAL_XML, trial.state_json, trial.steps, "not-a-task", {})
    with pytest.raises(TrialRefused):
        fire_trial_timer(setup, TRIAL_XML, trial.state_json, trial.steps, trial.tasks[0].id)


def test_a_trial_writes_no_row_and_sends_no_notice(app, db):
    """The complaints diagram, whose real steps tell the citizen, run with the app's engine
    (the programmes' hooks and helpers) and a session that reads the forms."""
    before = row_counts(db)
    setup = TrialSetup(engine=app.extensions["bpmn_engine"], session=db)
    for case in load_cases("complaints"):
        _trial, failures = run_case(case, setup)
        assert failures == []
    db.flush()
    assert row_counts(db) == before
    assert db.query(OutboxMessage).count() == before["outbox_messages"]


def test_the_programmes_script_helpers_are_available_in_a_trial():
    engine = Engine()
    programmes.register_all(engine)
    xml = RUNAWAY_XML.replace(b"n = n + 1", b'n = n + 1000001; over = end_of_day("2026-12-06").isoformat()')
    trial = start_trial(TrialSetup(engine=engine), xml, {"n": 0})
    assert trial.status == "completed" and trial.path[-1] == "EndEvent_1"
    assert trial.data["over"] == "2026-12-07T00:00:00+03:30"  # the calendar's zone, Tehran
    assert start_trial(TrialSetup(), xml, {"n": 0}).status == "error"  # a bare engine lacks it


def test_a_choice_whose_options_the_server_gives_takes_them_from_the_task_data(setup):
    xml = (TRIAL_XML.replace(b'value="news_review"', b'value="message_intake"'))
    answers = {"channel": "phone", "category": "service", "description": "d", "location": "l",
               "outcome": "answered"}
    trial = start_trial(setup, xml, {"count": 1})
    with pytest.raises(InvalidData) as refused:
        complete_trial_task(setup, xml, trial.state_json, trial.steps, trial.tasks[0].id, answers)
    assert list(refused.value.details) == ["channel"]
    trial = start_trial(setup, xml, {"count": 1, "channel_options": [{"value": "phone", "label": "تلفن"}]})
    trial = complete_trial_task(setup, xml, trial.state_json, trial.steps, trial.tasks[0].id, answers)
    assert trial.data["channel"] == "phone" and trial.path[-1] == "Task_review"
    # the loop's condition reads news_decision, which this form lacks: a problem on the gateway
    assert trial.status == "error" and trial.problem.element_id == "Gateway_decision"


def test_a_trial_leaves_its_draft_out_of_the_cache_of_deployed_specs(setup):
    """Each edit of a draft is a new diagram: the cache of versions' specs is never emptied."""
    from engine.spiff import workflows
    from engine.spiff.parsing import content_sha256
    xml = TRIAL_XML.replace(b'name="Prepare"', b'name="Prepare once more"')
    trial = start_trial(setup, xml, {"count": 1})
    trial = complete_trial_task(setup, xml, trial.state_json, trial.steps, trial.tasks[0].id,
                                {"news_decision": "approve"})
    assert trial.timers and content_sha256(xml) not in workflows._specs_by_sha256
