"""An opinion poll asks the questions of its approved plan (F-04): each plan round that changes
them makes a new version of the instance's questionnaire, the paper answer task is shown and
validated with it, and each answer keeps the version it answered."""
import pytest
from sqlalchemy import select

from formjs.versions import task_schema
from models import Event, PollQuestionnaire, SurveyAnswer
from models.errors import InvalidData
from programmes.surveys.answers import compute_summary
from replay_support import deploy, do, ready_rows, start
from tests.survey_form_data import (POLL_ANSWER, POLL_APPROVE, POLL_PLAN, POLL_QUESTIONS,
                                    POLL_RETURN)

REVISED = [*POLL_QUESTIONS[:2], {"question": "ساعت‌های پیشنهادی شما برای تردد خودرو؟",
                                  "kind": "choice", "options": "صبح زود\nشب\nهیچ‌وقت"}]


def questionnaires(db, instance_id):
    return db.scalars(select(PollQuestionnaire).where(PollQuestionnaire.instance_id == instance_id)
                      .order_by(PollQuestionnaire.version)).all()


def fields(schema) -> dict:
    """key -> component of the answer form's plan questions (the group poll_answers)."""
    [group] = [c for c in schema["components"] if c.get("path") == "poll_answers"]
    return {c["key"]: c for c in group["components"]}


@pytest.fixture
def poll(app, db):
    deploy(app, "opinion_poll")
    return start(db, "opinion_poll")


def test_a_plans_questions_become_the_paper_answer_form(db, poll):
    do(db, poll, "Task_prepare_poll_plan", POLL_PLAN)
    do(db, poll, "Task_approve_poll_plan", POLL_APPROVE)
    do(db, poll, "Task_collect_poll_answers", {"next_poll_step": "answer"})
    [answer_task] = ready_rows(db, poll, "Task_enter_poll_answer")
    asked = fields(task_schema(db, answer_task))
    assert [c["label"] for c in asked.values()] == [q["question"] for q in POLL_QUESTIONS]
    assert [v["label"] for v in asked["q1"]["values"]] == ["موافقم", "مخالفم", "نظری ندارم"]
    assert [v["value"] for v in asked["q2"]["values"]] == ["1", "2", "3", "4", "5"]
    assert asked["q3"]["type"] == "textarea"
    assert not {"topic_importance", "support_plan"} & {c.get("key") for c in
                                                       task_schema(db, answer_task)["components"]}
    # validated against the plan's options: an option the plan does not have is refused
    with pytest.raises(InvalidData) as refused:
        do(db, poll, "Task_enter_poll_answer", {**POLL_ANSWER, "poll_answers": {"q1": "o9", "q2": "4"}})
    assert "poll_answers.q1" in refused.value.details
    db.rollback()
    do(db, poll, "Task_enter_poll_answer", POLL_ANSWER)
    [stored] = db.scalars(select(SurveyAnswer).where(SurveyAnswer.instance_id == poll)).all()
    assert stored.data["poll_answers"] == POLL_ANSWER["poll_answers"]
    assert (stored.channel, stored.questionnaire_version) == ("paper", 1)
    # the next paper questionnaire starts empty
    do(db, poll, "Task_collect_poll_answers", {"next_poll_step": "answer"})
    [again] = ready_rows(db, poll, "Task_enter_poll_answer")
    assert not db.get(type(again), again.id).instance.data.get("poll_answers")


def test_a_plan_returned_and_revised_makes_a_new_questionnaire_version(db, poll):
    do(db, poll, "Task_prepare_poll_plan", POLL_PLAN)
    do(db, poll, "Task_approve_poll_plan", POLL_RETURN)
    do(db, poll, "Task_prepare_poll_plan", {**POLL_PLAN, "sample_size": "300"})  # same questions
    assert [q.version for q in questionnaires(db, poll)] == [1]
    do(db, poll, "Task_approve_poll_plan", POLL_RETURN)
    do(db, poll, "Task_prepare_poll_plan", {**POLL_PLAN, "poll_questions": REVISED})
    versions = questionnaires(db, poll)
    assert [q.version for q in versions] == [1, 2]
    assert versions[1].questions[2] == {"question": REVISED[2]["question"], "kind": "choice",
                                        "options": ["صبح زود", "شب", "هیچ‌وقت"]}
    plans = [e for e in db.scalars(select(Event).where(Event.instance_id == poll,
                                                       Event.type == "task_completed"))
             if e.task_spec == "Task_prepare_poll_plan"]
    assert [e.data["questionnaire_version"] for e in plans] == [1, 1, 2]
    do(db, poll, "Task_approve_poll_plan", POLL_APPROVE)
    do(db, poll, "Task_collect_poll_answers", {"next_poll_step": "answer"})
    [answer_task] = ready_rows(db, poll, "Task_enter_poll_answer")
    assert fields(task_schema(db, answer_task))["q3"]["label"] == REVISED[2]["question"]
    do(db, poll, "Task_enter_poll_answer", {**POLL_ANSWER, "poll_answers": {"q1": "o2", "q2": "1",
                                                                            "q3": "o1"}})
    [stored] = db.scalars(select(SurveyAnswer).where(SurveyAnswer.instance_id == poll)).all()
    assert stored.questionnaire_version == 2
    # an answer to another version is not counted against this one's questions
    db.add(SurveyAnswer(instance_id=poll, form_key="poll_answer", data={"poll_answers": {"q3": "o2"}},
                        channel="public", questionnaire_version=1))
    db.flush()
    results = compute_summary(db, poll, "poll_summary")
    assert results["respondents"] == 1
    [form] = results["forms"]
    third = next(q for q in form["questions"] if q["key"] == "poll_answers.q3")
    assert {o["label"]: o["count"] for o in third["options"]} == {"صبح زود": 1, "شب": 0, "هیچ‌وقت": 0}


def test_a_choice_question_without_two_options_is_refused_at_its_field(db, poll):
    rows = [{"question": "کدام گزینه؟", "kind": "choice", "options": "فقط یکی"},
            {"question": "نظر شما؟", "kind": "text", "options": ""}]
    with pytest.raises(InvalidData) as refused:
        do(db, poll, "Task_prepare_poll_plan", {**POLL_PLAN, "poll_questions": rows})
    assert "دو" in refused.value.details["poll_questions[0].options"]
    db.rollback()
    assert questionnaires(db, poll) == []
