"""processes/website_update.bpmn (به‌روزرسانی وب‌سایت) over HTTP: every path through its two
gateways, driven by users of the lanes' roles in district d1, with the records produced (the
inform request F-__-0-2-17 at each registration), and the refusal of everybody else.

Gateway_review_decision: approve → publish; return → back to the PR expert's registration.
Gateway_check_result:    ok → end; fix → publish again.
"""
import pytest

from path_support import (deploy, drive, drive_api, end_events, finished, finished_api,
                          instance_row, page_text_of, ready_specs, ready_task, ready_task_data, record_authors,
                          records_of, refused, start_api, start_on_page)

INFORM_REQUEST = {
    "requesting_unit": "اداره خدمات شهری", "request_letter_number": "۱۲۳/خ",
    "subject": "قطعی آب در محله زرهی", "message_text": "به اطلاع شهروندان می‌رساند ...",
    "attachments_description": "یک تصویر از محدوده",
    "desired_publication_date": "1404/05/20", "channels": ["website", "sms"],
}
PUBLICATION = {"publication_url": "https://district1.example.ir/news/42",
               "published_on": "2025-08-12", "published_time": "09:30",
               "published_channels": ["website", "sms"], "publication_note": ""}
APPROVE = {"review_decision": "approve", "review_reason": ""}
RETURN = {"review_decision": "return", "review_reason": "متن پیام ناقص است؛ ساعت قطعی را بنویسید."}
CHECK_OK = {"check_result": "ok", "check_note": ""}
CHECK_FIX = {"check_result": "fix", "check_note": "پیوند تصویر خراب است."}
F17 = "F-__-0-2-17"
END = "EndEvent_citizens_informed"


@pytest.fixture
def website_update(app):
    return deploy(app, "website_update")


def test_returned_request_comes_back_with_the_reason_then_is_approved_published_and_checked(
        app, website_update, login):
    expert, head = login("pr_expert_d1"), login("pr_head_d1")
    instance_id = start_on_page(expert, "website_update", "d1")

    drive(expert, instance_id, "Task_register_inform_request", INFORM_REQUEST)
    drive(head, instance_id, "Task_review_inform_request", RETURN)

    # back with the expert who registered it, with the head's reason
    again = ready_task(app, instance_id, "Task_register_inform_request")
    assert ready_specs(app, instance_id) == ["Task_register_inform_request"]
    assert ready_task_data(app, again.id)["review_reason"] == RETURN["review_reason"]
    assert RETURN["review_reason"] in page_text_of(expert, f"/instances/{instance_id}")
    assert INFORM_REQUEST["subject"] in page_text_of(expert, f"/tasks/{again.id}")  # kept as draft

    revised = {**INFORM_REQUEST, "message_text": "قطعی آب از ساعت ۸ تا ۱۴ روز شنبه."}
    drive(expert, instance_id, "Task_register_inform_request", revised)
    drive(head, instance_id, "Task_review_inform_request", APPROVE)
    drive(expert, instance_id, "Task_publish_content", PUBLICATION)
    drive(head, instance_id, "Task_check_publication", CHECK_OK)

    done = finished(head, instance_id)
    assert end_events(done) == {END: 1}
    assert done["Task_register_inform_request"] == 2 and done["Task_review_inform_request"] == 2
    assert done["Task_publish_content"] == 1
    assert records_of(app, instance_id) == [F17, F17]
    data = instance_row(app, instance_id).data  # the ticked channels arrive as lists
    assert (data["channels"], data["published_channels"]) == (["website", "sms"], ["website", "sms"])
    assert data["desired_publication_date"] == "2025-08-11"  # 1404/05/20
    assert record_authors(app, instance_id) == [
        (F17, "Task_register_inform_request", "pr_expert_d1")] * 2


def test_wrong_publication_is_published_again_then_confirmed_through_the_api(
        app, website_update, api, login):
    expert, head = api("pr_expert_d1"), api("pr_head_d1")
    instance_id = start_api(expert, "website_update", "d1")["id"]

    drive_api(expert, instance_id, "Task_register_inform_request", INFORM_REQUEST)
    drive_api(head, instance_id, "Task_review_inform_request", APPROVE)
    drive_api(expert, instance_id, "Task_publish_content", PUBLICATION)
    answer = drive_api(head, instance_id, "Task_check_publication", CHECK_FIX)
    # the check said "wrong": the expert publishes again, told what to fix
    assert [t["task"] for t in answer["instance"]["open_tasks"]] == ["Task_publish_content"]
    assert answer["instance"]["open_tasks"][0]["role"] == "pr_expert"
    assert answer["instance"]["data"]["check_note"] == CHECK_FIX["check_note"]
    fixed = {**PUBLICATION, "publication_url": "https://district1.example.ir/news/42-fixed"}
    drive_api(expert, instance_id, "Task_publish_content", fixed)
    drive_api(head, instance_id, "Task_check_publication", CHECK_OK)

    body = finished_api(head, instance_id)
    assert body["data"]["publication_url"] == fixed["publication_url"]
    done = finished(login("pr_head_d1"), instance_id)
    assert end_events(done) == {END: 1}
    assert done["Task_publish_content"] == 2 and done["Task_check_publication"] == 2
    assert done["Task_register_inform_request"] == 1
    assert records_of(app, instance_id) == [F17]


STEPS = [  # (task, its role's user in d1, data, a user of another role in d1)
    ("Task_register_inform_request", "pr_expert_d1", INFORM_REQUEST, "pr_head_d1"),
    ("Task_review_inform_request", "pr_head_d1", APPROVE, "pr_expert_d1"),
    ("Task_publish_content", "pr_expert_d1", PUBLICATION, "district_mayor_d1"),
    ("Task_check_publication", "pr_head_d1", CHECK_OK, "pr_expert_d1"),
]


def test_at_every_step_another_district_or_another_role_cannot_act(app, website_update, login, api):
    instance_id = start_on_page(login("pr_expert_d1"), "website_update", "d1")
    for bpmn_id, username, data, wrong_role in STEPS:
        task = ready_task(app, instance_id, bpmn_id)
        same_role_d2 = username.replace("_d1", "_d2")
        refused(login(same_role_d2), task.id, data)
        refused(api(same_role_d2), task.id, data)
        refused(login(wrong_role), task.id, data)
        refused(api(wrong_role), task.id, data)
        drive(login(username), instance_id, bpmn_id, data)
    assert end_events(finished(login("pr_head_d1"), instance_id)) == {END: 1}
    assert records_of(app, instance_id) == [F17]
