"""programmes/surveys/summary.py: the summary tables (F-__-0-2-03, F-__-0-2-05) computed from answers.

Counts per question and option split by channel, the mean of the 1-5 scales, respondents,
comments; on the real questionnaires of forms/ and on a small hand-made schema.
"""
import json

import pytest

from formjs.forms import load_form
from programmes.surveys.questionnaire import plan_questions, questionnaire_schema
from programmes.surveys.summary import Answer, form_title, questions_of, summarise, summarise_form
from tests.survey_form_data import POLL_PLAN

SCHEMA = {"components": [
    {"type": "text", "text": "#### پرسشنامه نمونه\n\nتوضیح"},
    {"type": "textfield", "key": "subject", "label": "موضوع", "readonly": True},
    {"type": "radio", "key": "rating", "label": "امتیاز",
     "values": [{"value": str(i), "label": f"{i}"} for i in range(1, 6)]},
    {"type": "radio", "key": "support", "label": "موافقت",
     "values": [{"value": "agree", "label": "موافقم"}, {"value": "disagree", "label": "مخالفم"}]},
    {"type": "checklist", "key": "channels", "label": "راه آگاهی",
     "values": [{"value": "sms", "label": "پیامک"}, {"value": "web", "label": "وب‌سایت"},
                {"value": "tv", "label": "تلویزیون"}]},
    {"type": "textarea", "key": "comment", "label": "نظر"},
]}


def _answers():
    return [
        Answer("f", "paper", {"rating": "5", "support": "agree", "channels": ["sms", "web"],
                              "comment": "خوب"}),
        Answer("f", "paper", {"rating": "2", "support": "disagree", "channels": [], "comment": " "}),
        Answer("f", "public", {"rating": "4", "support": "agree", "channels": ["web"]}),
        Answer("f", "public", {"rating": "", "support": "maybe", "comment": "نظر"}),  # unanswered / unknown
        Answer("other", "public", {"rating": "1"}),  # another questionnaire: not counted here
    ]


def _question(summary, key):
    return next(q for q in summary["questions"] if q["key"] == key)


def _counts(question):
    return {o["value"]: (o["count"], o["by_channel"]["paper"], o["by_channel"]["public"])
            for o in question["options"]}


def test_counts_per_option_are_split_by_channel_and_scales_get_their_mean():
    summary = summarise_form("f", SCHEMA, _answers())
    assert summary["title"] == "پرسشنامه نمونه"
    assert summary["respondents"] == 4 and summary["by_channel"] == {"paper": 2, "public": 2}
    assert summary["comments"] == 2  # blank text does not count

    rating = _question(summary, "rating")
    assert rating["kind"] == "scale"
    assert _counts(rating) == {"1": (0, 0, 0), "2": (1, 1, 0), "3": (0, 0, 0), "4": (1, 0, 1),
                               "5": (1, 1, 0)}
    assert rating["answered"] == 3 and rating["answered_by_channel"] == {"paper": 2, "public": 1}
    assert rating["mean"] == pytest.approx(3.67)
    assert rating["mean_by_channel"] == {"paper": 3.5, "public": 4.0}
    assert [o["percent"] for o in rating["options"]] == [0.0, 33.3, 0.0, 33.3, 33.3]

    support = _question(summary, "support")
    assert support["kind"] == "choice" and "mean" not in support
    assert _counts(support) == {"agree": (2, 1, 1), "disagree": (1, 1, 0)}  # "maybe" is no option
    assert support["answered"] == 3

    channels = _question(summary, "channels")
    assert channels["kind"] == "multi"
    assert _counts(channels) == {"sms": (1, 1, 0), "web": (2, 1, 1), "tv": (0, 0, 0)}
    assert channels["answered"] == 2
    # read-only fields and free text are no questions
    assert [q["key"] for q in summary["questions"]] == ["rating", "support", "channels"]


def test_no_answers_gives_zeros_and_no_mean():
    summary = summarise_form("f", SCHEMA, [])
    assert summary["respondents"] == 0 and summary["comments"] == 0
    rating = _question(summary, "rating")
    assert rating["mean"] is None and rating["mean_by_channel"] == {"paper": None, "public": None}
    assert all(o["count"] == 0 and o["percent"] == 0.0 for o in rating["options"])


def test_survey_summary_covers_both_questionnaires_and_is_json():
    schemas = {"citizen_survey": load_form("citizen_survey"),
               "visitor_survey": load_form("visitor_survey")}
    answers = [Answer("citizen_survey", "paper", {"overall_satisfaction": "4", "age_group": "30_39"}),
               Answer("citizen_survey", "public", {"overall_satisfaction": "2", "age_group": "30_39"}),
               Answer("visitor_survey", "public", {"overall_satisfaction": "5", "visit_purpose": "payment"})]
    summary = summarise(schemas, answers)
    assert json.loads(json.dumps(summary)) == summary  # stored as it is in a JSON column
    assert summary["respondents"] == 3 and summary["by_channel"] == {"paper": 1, "public": 2}
    citizen, visitor = summary["forms"]
    assert (citizen["form_key"], citizen["respondents"]) == ("citizen_survey", 2)
    assert citizen["title"].startswith("F-__-0-2-01")
    assert _question(citizen, "overall_satisfaction")["mean"] == 3.0
    assert _question(citizen, "age_group")["kind"] == "choice"
    assert _counts(_question(citizen, "age_group"))["30_39"] == (2, 1, 1)
    assert _question(visitor, "overall_satisfaction")["mean"] == 5.0
    assert _question(visitor, "visit_purpose")["kind"] == "choice"  # a select counts too


def test_a_polls_questions_are_those_of_its_plan_with_the_kind_each_declares():
    schema = questionnaire_schema(load_form("poll_answer"), plan_questions(POLL_PLAN))
    kinds = {q["key"]: q["kind"] for q in questions_of(schema)}
    assert kinds["poll_answers.q1"] == "choice" and kinds["poll_answers.q2"] == "scale"
    assert kinds["poll_answers.q3"] == "text"
    assert kinds["respondent_type"] == "choice"  # the respondent's profile stays
    assert not {"topic_importance", "support_plan", "poll_comment"} & set(kinds)  # no fixed five
    assert "poll_subject" not in kinds  # read-only: shown, never answered
    assert form_title(schema) == "پرسشنامه افکارسنجی از شهروندان"


def test_a_polls_summary_is_per_question_counts_a_mean_and_written_answers():
    schema = questionnaire_schema(load_form("poll_answer"), plan_questions(POLL_PLAN))
    answers = [Answer("poll_answer", "paper", {"poll_answers": {"q1": "o1", "q2": "4", "q3": "پارکینگ"}}),
               Answer("poll_answer", "public", {"poll_answers": {"q1": "o2", "q2": "2", "q3": " "}}),
               Answer("poll_answer", "public", {"poll_answers": {"q1": "o1", "q2": "3"}})]
    form = summarise({"poll_answer": schema}, answers)["forms"][0]
    choice, scale, text = (_question(form, f"poll_answers.q{n}") for n in (1, 2, 3))
    assert [o["label"] for o in choice["options"]] == ["موافقم", "مخالفم", "نظری ندارم"]
    assert _counts(choice) == {"o1": (2, 1, 1), "o2": (1, 0, 1), "o3": (0, 0, 0)}
    assert scale["mean"] == 3.0 and scale["answered"] == 3
    assert text["kind"] == "text" and text["answered"] == 1 and text["options"] == []
    assert text["answered_by_channel"] == {"paper": 1, "public": 0}
    json.dumps(form)  # stored as it is
