"""The inbox speaks in words: process and task names, the case, and the due date in working days."""
import re
from datetime import datetime

from http_support import table_rows, task_links
from models import HumanTask, Instance, clock

WEDNESDAY = datetime(2026, 11, 18, 6, 0)  # 09:30 in Tehran; Thursday and Friday are days off


def _set_due(app, task_id, due_at):
    session = app.extensions["db_sessions"]()
    session.get(HumanTask, task_id).due_at = due_at
    session.commit()
    session.close()


def test_inbox_shows_process_and_task_names_not_keys(app, arrange, oversight, login):
    arrange.grant("pr_expert_d1", "central_pr", None)
    instance_id = arrange.start("d1")
    task = arrange.only_open_task(instance_id)
    session = app.extensions["db_sessions"]()
    instance = session.get(Instance, instance_id)
    instance.tracking_code = tracking_code = "137-ABCD-2345"  # as the citizens' processes give one
    process_name = instance.version.name
    session.commit()
    session.close()
    page = login("pr_expert_d1").get("/").get_data(as_text=True)
    [row] = table_rows(login("pr_expert_d1").get("/"), "inbox")
    assert row[0] == task.name and task.name != task.task_spec
    assert process_name and process_name != "complaints"
    assert process_name in row[1]
    assert task.task_spec not in page
    # The process filter offers names; the keys stay only as option values.
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', page)
    offered = dict(options)
    assert offered["complaints"] == process_name
    assert offered["oversight"] == oversight.name != "oversight"
    # The code reads left to right inside the Persian line.
    assert f'<bdi dir="ltr" class="font-monospace">{tracking_code}</bdi>' in page


def test_due_dates_read_in_working_days(app, arrange, login):
    clock.set_now(WEDNESDAY)
    soon, today, late = (arrange.only_open_task(arrange.start("d1")) for _ in range(3))
    _set_due(app, soon.id, datetime(2026, 11, 22, 10, 0))   # Sunday: Saturday and Sunday are left
    _set_due(app, today.id, datetime(2026, 11, 18, 10, 0))  # later today
    _set_due(app, late.id, datetime(2026, 11, 15, 10, 0))   # Sunday before: Mon, Tue, Wed late
    response = login("pr_expert_d1").get("/")
    assert task_links(response) == [late.id, today.id, soon.id]
    due = [row[6] for row in table_rows(response, "inbox")]
    assert due[0].startswith("۳ روز تأخیر")
    assert due[1].startswith("امروز")
    assert due[2].startswith("۲ روز کاری مانده")


def test_due_dates_in_english(app, arrange, login):
    clock.set_now(WEDNESDAY)
    soon, late = (arrange.only_open_task(arrange.start("d1")) for _ in range(2))
    _set_due(app, soon.id, datetime(2026, 11, 22, 10, 0))
    _set_due(app, late.id, datetime(2026, 11, 17, 10, 0))
    browser = login("pr_expert_d1")
    browser.post("/lang/en", data={"next": "/"})
    page = browser.get("/").get_data(as_text=True)
    assert "2 working days left" in page and "1 day late" in page


def test_the_task_page_names_its_process_code_and_due_time_in_words(app, arrange, login):
    clock.set_now(WEDNESDAY)
    instance_id = arrange.start("d1")
    task = arrange.only_open_task(instance_id)
    session = app.extensions["db_sessions"]()
    instance = session.get(Instance, instance_id)
    instance.tracking_code = "101-050827-ABCDEF"
    process_name = instance.version.name
    session.commit()
    session.close()
    _set_due(app, task.id, datetime(2026, 11, 22, 10, 0))  # Sunday: two working days left
    page = login("pr_expert_d1").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert f'<span data-testid="task-process">{process_name}</span>' in page
    assert '<bdi dir="ltr" data-testid="task-tracking-code">101-050827-ABCDEF</bdi>' in page
    assert re.search(r'data-testid="task-due-words">۲ روز کاری مانده<', page)
