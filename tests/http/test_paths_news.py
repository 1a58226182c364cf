"""processes/news.bpmn (تهیه و اعلام خبر) over HTTP: every path through its three gateways,
driven by users of the lanes' roles in district d1, with the records produced (news form
F-__-0-2-14, press summary F-16, rebuttal letter F-15), and the refusal of everybody else.

Gateway_news_decision (PR head):        approve → release; return → the expert prepares again.
Gateway_coverage_accuracy:              every row accurate (or none) → end; a row "no" → rebuttal.
Gateway_signoff_decision (the mayor):   sign → rebuttal sent; return → the expert redrafts.
"""
import pytest

from path_support import (deploy, drive, drive_api, end_events, finished, finished_api,
                          page_text_of, ready_specs, ready_task, ready_task_data, record_authors,
                          records_of, refused, start_api, start_on_page)

NEWS = {"headline": "افتتاح بوستان محله", "lead": "بوستان محله امروز افتتاح شد.",
        "body": "متن کامل خبر", "source_unit": "معاونت فنی و عمرانی",
        "photos_description": "سه عکس از مراسم", "priority": "important"}
RELEASE = {"channels": ["website", "press"], "released_on": "2025-08-12",
           "released_time": "12:00", "release_url": "https://district1.example.ir/news/43"}


def row(outlet, accurate):
    return {"outlet": outlet, "published_on": "2025-08-13", "headline": "افتتاح بوستان",
            "accurate": accurate, "link": "https://example.ir/n/1"}


ACCURATE = {"coverage": [row("روزنامه عصر", "yes"), row("خبرگزاری ایرنا", "yes")],
            "monitoring_note": ""}
NO_COVERAGE = {"coverage": [], "monitoring_note": "بازتابی یافت نشد."}
MISREPORTED = {"coverage": [row("روزنامه عصر", "yes"), row("خبرگزاری ایرنا", "no")],
               "monitoring_note": "یک رسانه تاریخ افتتاح را نادرست نوشته است."}
REBUTTAL = {"outlet": "خبرگزاری ایرنا", "misreported_text": "بوستان سال آینده افتتاح می‌شود.",
            "correct_text": "بوستان امروز افتتاح شد.", "letter_number": "۴۵۶/ر",
            "letter_date": "2025-08-14"}
APPROVE = {"news_decision": "approve", "news_review_reason": ""}
RETURN = {"news_decision": "return", "news_review_reason": "لید کوتاه شود"}
SIGN = {"signoff_decision": "sign", "signoff_note": ""}
SIGN_RETURN = {"signoff_decision": "return", "signoff_note": "لحن نامه اصلاح شود"}
F14, F15, F16 = "F-__-0-2-14", "F-__-0-2-15", "F-__-0-2-16"


@pytest.fixture
def news(app):
    return deploy(app, "news")


def test_returned_news_then_misreported_coverage_gets_a_rebuttal_the_mayor_returns_then_signs(
        app, news, login):
    expert, head, mayor = login("pr_expert_d1"), login("pr_head_d1"), login("district_mayor_d1")
    instance_id = start_on_page(expert, "news", "d1")

    drive(expert, instance_id, "Task_prepare_news", NEWS)
    drive(head, instance_id, "Task_review_news", RETURN)
    again = ready_task(app, instance_id, "Task_prepare_news")
    assert ready_task_data(app, again.id)["news_review_reason"] == RETURN["news_review_reason"]
    assert RETURN["news_review_reason"] in page_text_of(expert, f"/instances/{instance_id}")
    assert NEWS["headline"] in page_text_of(expert, f"/tasks/{again.id}")
    drive(expert, instance_id, "Task_prepare_news", {**NEWS, "lead": "بوستان افتتاح شد."})
    drive(head, instance_id, "Task_review_news", APPROVE)
    drive(expert, instance_id, "Task_release_news", RELEASE)
    drive(expert, instance_id, "Task_monitor_press", MISREPORTED)

    # one outlet got it wrong: the expert drafts the rebuttal, the mayor signs it
    assert ready_specs(app, instance_id) == ["Task_draft_rebuttal"]
    drive(expert, instance_id, "Task_draft_rebuttal", REBUTTAL)
    drive(mayor, instance_id, "Task_sign_rebuttal", SIGN_RETURN)
    redraft = ready_task(app, instance_id, "Task_draft_rebuttal")
    assert ready_task_data(app, redraft.id)["signoff_note"] == SIGN_RETURN["signoff_note"]
    assert REBUTTAL["correct_text"] in page_text_of(expert, f"/tasks/{redraft.id}")
    drive(expert, instance_id, "Task_draft_rebuttal",
          {**REBUTTAL, "correct_text": "بوستان محله روز ۲۱ مرداد افتتاح شد."})
    drive(mayor, instance_id, "Task_sign_rebuttal", SIGN)

    done = finished(mayor, instance_id)
    assert end_events(done) == {"EndEvent_rebuttal_sent": 1}
    assert {k: done[k] for k in ("Task_prepare_news", "Task_review_news", "Task_monitor_press",
                                 "Task_draft_rebuttal", "Task_sign_rebuttal")} == {
        "Task_prepare_news": 2, "Task_review_news": 2, "Task_monitor_press": 1,
        "Task_draft_rebuttal": 2, "Task_sign_rebuttal": 2}
    assert records_of(app, instance_id) == [F14, F14, F15, F15, F16]
    assert record_authors(app, instance_id) == [
        (F14, "Task_prepare_news", "pr_expert_d1"), (F14, "Task_prepare_news", "pr_expert_d1"),
        (F16, "Task_monitor_press", "pr_expert_d1"),
        (F15, "Task_draft_rebuttal", "pr_expert_d1"), (F15, "Task_draft_rebuttal", "pr_expert_d1")]


@pytest.mark.parametrize("coverage", [ACCURATE, NO_COVERAGE], ids=["accurate", "no_coverage"])
def test_accurately_covered_or_uncovered_news_ends_without_a_rebuttal_through_the_api(
        app, news, api, login, coverage):
    expert, head = api("pr_expert_d1"), api("pr_head_d1")
    instance_id = start_api(expert, "news", "d1")["id"]
    drive_api(expert, instance_id, "Task_prepare_news", NEWS)
    drive_api(head, instance_id, "Task_review_news", APPROVE)
    drive_api(expert, instance_id, "Task_release_news", RELEASE)
    answer = drive_api(expert, instance_id, "Task_monitor_press", coverage)
    assert answer["instance"]["open_tasks"] == []

    body = finished_api(head, instance_id)
    assert body["data"]["coverage"] == coverage["coverage"]
    done = finished(login("district_mayor_d1"), instance_id)
    assert end_events(done) == {"EndEvent_news_accurate": 1}
    assert "Task_draft_rebuttal" not in done and "Task_sign_rebuttal" not in done
    assert records_of(app, instance_id) == [F14, F16]


def test_misreported_news_rebuttal_signed_first_time_through_the_api(app, news, api, login):
    expert, head, mayor = api("pr_expert_d1"), api("pr_head_d1"), api("district_mayor_d1")
    instance_id = start_api(head, "news", "d1")["id"]
    drive_api(expert, instance_id, "Task_prepare_news", NEWS)
    drive_api(head, instance_id, "Task_review_news", APPROVE)
    drive_api(expert, instance_id, "Task_release_news", RELEASE)
    answer = drive_api(expert, instance_id, "Task_monitor_press",
                       {"coverage": [row("خبرگزاری ایرنا", "no")], "monitoring_note": ""})
    assert [(t["task"], t["role"]) for t in answer["instance"]["open_tasks"]] == [
        ("Task_draft_rebuttal", "pr_expert")]
    drive_api(expert, instance_id, "Task_draft_rebuttal", REBUTTAL)
    answer = drive_api(mayor, instance_id, "Task_sign_rebuttal", SIGN)
    assert answer["instance"]["status"] == "completed"

    finished_api(mayor, instance_id)
    assert end_events(finished(login("pr_head_d1"), instance_id)) == {"EndEvent_rebuttal_sent": 1}
    assert records_of(app, instance_id) == [F14, F15, F16]


STEPS = [  # (task, its role's user in d1, data, a user of another role in d1)
    ("Task_prepare_news", "pr_expert_d1", NEWS, "pr_head_d1"),
    ("Task_review_news", "pr_head_d1", APPROVE, "pr_expert_d1"),
    ("Task_release_news", "pr_expert_d1", RELEASE, "pr_head_d1"),
    ("Task_monitor_press", "pr_expert_d1", MISREPORTED, "district_mayor_d1"),
    ("Task_draft_rebuttal", "pr_expert_d1", REBUTTAL, "district_mayor_d1"),
    ("Task_sign_rebuttal", "district_mayor_d1", SIGN, "pr_head_d1"),
]


def test_at_every_step_another_district_or_another_role_cannot_act(app, news, login, api):
    instance_id = start_on_page(login("pr_expert_d1"), "news", "d1")
    for bpmn_id, username, data, wrong_role in STEPS:
        task = ready_task(app, instance_id, bpmn_id)
        same_role_d2 = username.replace("_d1", "_d2")
        refused(api(same_role_d2), task.id, data)
        refused(login(wrong_role), task.id, data)
        drive(login(username), instance_id, bpmn_id, data)
    assert end_events(finished(login("pr_head_d1"), instance_id)) == {"EndEvent_rebuttal_sent": 1}
    assert records_of(app, instance_id) == [F14, F15, F16]
