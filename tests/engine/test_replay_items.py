"""Replay inside a parallel multi-instance sub-process (public_meetings' follow-up of the
mayor's orders): every step of an item says which order it belongs to, and passes are counted
per order, not across the orders that run side by side (engine.replay.items, .verify)."""
from engine.replay.items import item_label
from replay_support import assert_replays, deploy, do, row_where, start

ORDER_TEXTS = {1: "لایروبی جوی کوچه تا پایان هفته", 2: "نصب چراغ‌های پارک",
               3: "بررسی پرونده در کمیسیون ماده ۱۰۰"}


def run_meeting_with_one_order_looped(app, db) -> int:
    """Three orders followed up out of order; order 2 is sent back once (goes round twice)."""
    from test_public_meetings_process import APPLICANT, OFFICE_LIST, OUTCOME, REQUEST, check, followup
    deploy(app, "public_meetings")
    meeting = start(db, "public_meetings")
    do(db, meeting, "Task_register_request", REQUEST)
    do(db, meeting, "Task_register_applicant", APPLICANT)
    do(db, meeting, "Task_schedule_meeting", {
        "venue": "office", "meeting_date": "۱۴۰۴/۰۷/۲۲", "meeting_time": "19:30", "mosque_name": "",
        "applicant_informed": "on", "schedule_note": ""})
    do(db, meeting, "Task_office_meeting_list", OFFICE_LIST)

    def order(spec, number, data):
        row = row_where(db, meeting, spec, lambda d: d["order"]["number"] == number)
        do(db, meeting, spec, data, row=row)

    order("Task_order_followup", 3, followup("پرونده در کمیسیون مطرح شد"))
    order("Task_order_followup", 2, followup("سفارش خرید چراغ ثبت شد", "in_progress", "۱۴۰۴/۰۸/۰۱"))
    order("Task_check_order", 2, check("not_done", "چراغ‌ها هنوز نصب نشده‌اند"))
    order("Task_order_followup", 1, followup("جوی لایروبی شد"))
    order("Task_check_order", 1, check("done", "با شهروند تماس گرفته شد"))
    order("Task_check_order", 3, check("done"))
    order("Task_order_followup", 2, followup("چراغ‌ها نصب شد"))
    order("Task_check_order", 2, check("done", "بازدید شد"))
    do(db, meeting, "Task_announce_outcome", OUTCOME)
    return meeting


# (element, order number, pass, passes of that order) of each step inside the sub-process
EXPECTED = [("Task_order_followup", 3, 1, 1), ("Task_order_followup", 2, 1, 2),
            ("Task_check_order", 2, 1, 2), ("Task_order_followup", 1, 1, 1),
            ("Task_check_order", 1, 1, 1), ("Task_check_order", 3, 1, 1),
            ("Task_order_followup", 2, 2, 2), ("Task_check_order", 2, 2, 2)]


def test_each_step_of_a_multi_instance_item_names_its_order_and_counts_its_own_passes(app, db):
    meeting = run_meeting_with_one_order_looped(app, db)
    replay = assert_replays(db, meeting)
    inside = [s for s in replay.steps if s.item is not None]
    assert [(s.ran_element, s.item.number, s.pass_number, s.pass_total) for s in inside] == EXPECTED
    for step in inside:
        assert step.item.activity == "SubProcess_order_followup"
        assert step.item.label == ORDER_TEXTS[step.item.number]  # the itemLabel property's key
    # Outside the sub-process: no item, and the passes of the whole history.
    outside = [s for s in replay.steps if s.ran_element and s.item is None]
    assert [s.ran_element for s in outside][-1] == "Task_announce_outcome"
    assert all((s.pass_number, s.pass_total) == (1, 1) for s in outside)
    # The diagram's marks still count every completion of the element.
    assert replay.steps[-1].element_counts["Task_order_followup"] == 4


def test_an_item_without_a_label_property_is_labelled_by_its_longest_text():
    order = {"number": 2, "subject": "روشنایی پارک", "mayor_order": "نصب چراغ‌های پارک محله"}
    assert item_label(order) == "نصب چراغ‌های پارک محله"
    assert item_label(order, "subject") == "روشنایی پارک"
    assert item_label(order, "missing") == "نصب چراغ‌های پارک محله"
    assert item_label("  متن  ") == "متن"
    assert item_label(7) == "7"
    assert item_label({"n": 1}) == '{"n": 1}'
    assert len(item_label("x" * 200)) == 80
