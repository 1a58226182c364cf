"""The step-through page (/audit/instances/<id>/replay): each event's state on the diagram
version in force at that event (an instance moved mid-life changes version at its move), the
data it changed, forward and back; who may open it."""
import re
from pathlib import Path

from sqlalchemy import select

import engine as runtime
from engine.migration import migrate_instance
from models import HumanTask
from people.accounts import find_district, find_user
from tests.conftest import deploy_file

from message_137_support import deploy_messages, referred_message, reply


def replied_message(app) -> int:
    deploy_messages(app)
    db = app.extensions["db_sessions"]()
    try:
        message = referred_message(db)
        reply(db, message.id, "لامپ تعویض شد.")
        return message.id
    finally:
        db.close()


def test_an_auditor_sees_each_step_with_the_data_it_changed(app, login):
    instance_id = replied_message(app)
    auditor = login("auditor")
    last = auditor.get(f"/audit/instances/{instance_id}/replay").get_data(as_text=True)
    assert 'data-matches="true"' in last
    steps = re.findall(r'href="/audit/instances/\d+/replay\?step=(\d+)"', last)
    total = max(int(n) for n in steps)
    reply_step = next(n for n in range(1, total + 1) if 'data-element="Task_executive_reply"' in
                      auditor.get(f"/audit/instances/{instance_id}/replay?step={n}").get_data(as_text=True))
    page = auditor.get(f"/audit/instances/{instance_id}/replay?step={reply_step}").get_data(as_text=True)
    changes = re.search(r'data-testid="changes">(.*?)</table>', page, re.S).group(1)
    assert "reply_text" in changes and "لامپ تعویض شد." in changes
    assert re.search(rf'href="[^"]*step={reply_step - 1}" data-testid="step-back"', page)
    assert reply_step == total and 'data-testid="step-forward"' not in page  # the last event
    assert 'data-current=\'"Task_executive_reply"\'' in page


def test_a_step_out_of_range_shows_the_nearest_one(app, login):
    instance_id = replied_message(app)
    auditor = login("auditor")
    first = auditor.get(f"/audit/instances/{instance_id}/replay?step=-4").get_data(as_text=True)
    assert 'data-step="1"' in first and 'data-type="instance_started"' in first
    beyond = auditor.get(f"/audit/instances/{instance_id}/replay?step=9999")
    assert beyond.status_code == 200


def test_staff_of_another_district_may_not_step_through_it(app, login):
    instance_id = replied_message(app)
    assert login("intake_operator_d2").get(f"/audit/instances/{instance_id}/replay").status_code == 403
    assert login("intake_operator_d1").get(f"/audit/instances/{instance_id}/replay").status_code == 200
    assert login("auditor").get("/audit/instances/999999/replay").status_code == 404


MIGRATION = Path(__file__).resolve().parents[1] / "fixtures" / "migration"


def migrated_instance(app) -> int:
    """Started on v1 of migration_demo, moved to v2 while at A, then A completed on v2."""
    deploy_file(app, MIGRATION / "v1.bpmn")
    db = app.extensions["db_sessions"]()
    try:
        instance = runtime.start_instance(db, "migration_demo", find_user(db, "pr_expert_d1"),
                                          find_district(db, "d1").id, title="درخواست آزمایشی")
        db.commit()
        instance_id = instance.id
    finally:
        db.close()
    v2 = deploy_file(app, MIGRATION / "v2.bpmn")
    deploy_file(app, MIGRATION / "v3.bpmn")  # never run on: its diagram is not served
    db = app.extensions["db_sessions"]()
    try:
        migrate_instance(db, instance_id, v2.id, find_user(db, "process_owner"))
        db.commit()
        row = db.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                 HumanTask.status == "ready")).one()
        runtime.complete_task(db, row.id, find_user(db, "pr_expert_d1"), {"note": "A"})
        db.commit()
    finally:
        db.close()
    return instance_id


def _step_page(auditor, instance_id, n) -> str:
    return auditor.get(f"/audit/instances/{instance_id}/replay?step={n}").get_data(as_text=True)


def test_each_step_of_a_migrated_instance_is_drawn_on_the_version_in_force(app, login):
    instance_id = migrated_instance(app)
    auditor = login("auditor")
    last = _step_page(auditor, instance_id, 9999)
    assert 'data-matches="true"' in last
    total = int(re.search(r'data-step="(\d+)"', last).group(1))
    pages = [_step_page(auditor, instance_id, n) for n in range(1, total + 1)]
    kinds = [re.search(r'data-testid="step-detail" data-type="([a-z_]+)"', p).group(1) for p in pages]
    moved = kinds.index("instance_migrated")
    assert 0 < moved < kinds.index("task_completed")
    versions = [re.search(r'data-testid="step-detail"[^>]* data-version="(\d*)"', p).group(1) for p in pages]
    assert versions == ["1"] * moved + ["2"] * (total - moved)

    def diagram(page):
        return re.search(r'data-testid="diagram"\s+data-xml-url="([^"]+)"', page).group(1)

    before, after = diagram(pages[0]), diagram(pages[moved])
    assert before == f"/audit/instances/{instance_id}/versions/1/diagram.bpmn"
    assert after == f"/audit/instances/{instance_id}/versions/2/diagram.bpmn"
    old_xml, new_xml = auditor.get(before), auditor.get(after)
    assert old_xml.status_code == 200 and old_xml.mimetype == "application/xml"
    assert "Task_A" in old_xml.get_data(as_text=True) and "Task_C" not in old_xml.get_data(as_text=True)
    assert "Task_C" in new_xml.get_data(as_text=True)
    # The page says which version each step ran on, and marks the move (Persian first).
    assert "نسخه ۱" in pages[0] and "نسخه ۲" in pages[moved]
    assert 'data-testid="step-migration"' in pages[moved] and "انتقال از نسخه ۱ به نسخه ۲" in pages[moved]
    assert 'data-testid="step-migration"' not in pages[0]
    assert 'data-testid="list-migration"' in pages[0]  # the move is marked in the history too


def test_only_the_versions_an_instance_ran_on_are_served_to_those_who_may_view_it(app, login):
    instance_id = migrated_instance(app)
    auditor = login("auditor")
    url = f"/audit/instances/{instance_id}/versions/{{}}/diagram.bpmn"
    assert auditor.get(url.format(3)).status_code == 404  # deployed, never run on
    assert auditor.get(url.format(99)).status_code == 404
    assert auditor.get("/audit/instances/999999/versions/1/diagram.bpmn").status_code == 404
    assert login("intake_operator_d2").get(url.format(1)).status_code == 403


def test_each_step_inside_a_multi_instance_item_shows_its_order_and_its_own_passes(app, db, login):
    # Three mayor's orders followed up side by side; order 2 went round twice.
    from engine.replay.verify import verify_instance
    from test_replay_items import ORDER_TEXTS, run_meeting_with_one_order_looped
    meeting = run_meeting_with_one_order_looped(app, db)
    steps = verify_instance(db, meeting).steps
    second_round = max(i for i, s in enumerate(steps, start=1)
                       if s.ran_element == "Task_order_followup" and s.item.number == 2)
    first_of_order_3 = next(i for i, s in enumerate(steps, start=1)
                            if s.ran_element == "Task_order_followup" and s.item.number == 3)
    auditor = login("auditor")
    page = auditor.get(f"/audit/instances/{meeting}/replay?step={second_round}").get_data(as_text=True)
    item = re.search(r'data-testid="item"[^>]*>(.*?)</span>', page, re.S)
    assert 'data-number="2"' in item.group(0)
    assert "مورد ۲" in item.group(1) and ORDER_TEXTS[2] in item.group(1)
    assert re.search(r'data-testid="pass">\s*بار ۲ از ۲', page)  # not 4 of 4: order 2's own rounds
    page = auditor.get(f"/audit/instances/{meeting}/replay?step={first_of_order_3}").get_data(as_text=True)
    assert ORDER_TEXTS[3] in re.search(r'data-testid="item"[^>]*>(.*?)</span>', page, re.S).group(1)
    assert re.search(r'data-testid="pass">\s*بار ۱ از ۱', page)
    # The history list names the item of every step inside the sub-process, and the rounds of
    # the looped one.
    listed = re.findall(r'data-testid="list-item">(.*?)</span>', page, re.S)
    assert len(listed) == 8 and sum(ORDER_TEXTS[2] in text for text in listed) == 4
    assert len(re.findall(r'data-testid="list-pass"', page)) == 4
    auditor.post("/lang/en", data={"next": "/"})
    page = auditor.get(f"/audit/instances/{meeting}/replay?step={second_round}").get_data(as_text=True)
    assert "Item 2" in page and re.search(r'data-testid="pass">\s*pass 2 of 2', page)
