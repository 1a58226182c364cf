"""The complaint process walked through end to end with the web pages only: each actor logs
in, finds the task in their inbox, opens it, submits the form."""
import re

from http_support import (ANNOUNCEMENT, EXAMINATION, REGISTER_EMPLOYEE, REGISTER_SERVICE,
                          REVIEW_APPROVE, REVIEW_RETURN, location_path, table_rows, translated)


def start_from_the_start_page(browser, district_id) -> int:
    page = browser.get("/processes").get_data(as_text=True)
    assert 'action="/processes/complaints/start"' in page
    response = browser.post("/processes/complaints/start", data={"district": district_id})
    assert response.status_code == 303
    return int(re.fullmatch(r"/instances/(\d+)", location_path(response)).group(1))


def do_task_from_inbox(browser, instance_id, expected_name, data, lands_on=None) -> None:
    """Find the instance's task in the inbox, open it, complete it, land on the instance (or
    on lands_on)."""
    inbox = browser.get("/")
    rows = re.findall(r"<tr>(.*?)</tr>", inbox.get_data(as_text=True), re.S)
    mine = [r for r in rows if f'href="/instances/{instance_id}"' in r]
    assert len(mine) == 1, f"{browser.username}: {len(mine)} inbox rows for #{instance_id}"
    task_id = int(re.search(r'href="/tasks/(\d+)"', mine[0]).group(1))
    form = browser.get(f"/tasks/{task_id}")
    assert form.status_code == 200
    assert f'data-testid="task-name">{expected_name}<' in form.get_data(as_text=True)
    done = browser.post(f"/tasks/{task_id}", data=data)
    assert done.status_code == 302, done.get_data(as_text=True)
    assert location_path(done) == (lands_on or f"/instances/{instance_id}")


def completions(app, browser, instance_id) -> list[tuple[str, str]]:
    """(task name, actor) of each completion in the instance page's history."""
    rows = table_rows(browser.get(f"/instances/{instance_id}"), "history")
    label = translated(app, "Task completed")
    return [(r[3], r[4]) for r in rows if r[2] == label]


def test_service_complaint_with_one_return_runs_to_completion(app, arrange, login):
    expert, head = login("pr_expert_d1"), login("pr_head_d1")
    instance_id = start_from_the_start_page(expert, arrange.district_id("d1"))

    do_task_from_inbox(expert, instance_id, "ثبت شکایت", REGISTER_SERVICE)
    do_task_from_inbox(expert, instance_id, "بررسی شکایت از خدمات", EXAMINATION)
    do_task_from_inbox(head, instance_id, "بازبینی و تأیید پاسخ", REVIEW_RETURN)
    do_task_from_inbox(expert, instance_id, "بررسی شکایت از خدمات",
                       {**EXAMINATION, "answer_text": "پاسخ اصلاح‌شده"})
    do_task_from_inbox(head, instance_id, "بازبینی و تأیید پاسخ", REVIEW_APPROVE)
    do_task_from_inbox(expert, instance_id, "اعلام نتیجه به شاکی", ANNOUNCEMENT)

    page = head.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert 'data-status="completed"' in page
    assert 'data-testid="open-tasks"' not in page
    expert_name = arrange.display_name("pr_expert_d1")
    head_name = arrange.display_name("pr_head_d1")
    assert completions(app, head, instance_id) == [
        ("ثبت شکایت", expert_name),
        ("بررسی شکایت از خدمات", expert_name),
        ("بازبینی و تأیید پاسخ", head_name),
        ("بررسی شکایت از خدمات", expert_name),
        ("بازبینی و تأیید پاسخ", head_name),
        ("اعلام نتیجه به شاکی", expert_name),
    ]
    instance = arrange.instance(instance_id)
    assert instance.status == "completed" and instance.completed_at is not None
    assert instance.data["answer_text"] == "پاسخ اصلاح‌شده"
    assert arrange.open_tasks(instance_id) == []
    assert arrange.events(instance_id)[-1] == ("instance_completed", None, "pr_expert_d1")
    # Nothing is left in anyone's inbox.
    for browser in (expert, head):
        assert f'href="/instances/{instance_id}"' not in browser.get("/").get_data(as_text=True)


def test_employee_complaint_stays_with_the_complaints_expert_from_examination_to_announcement(
        app, arrange, login):
    expert, examiner, head = (login("pr_expert_d2"), login("complaints_expert_d2"),
                              login("pr_head_d2"))
    instance_id = start_from_the_start_page(expert, arrange.district_id("d2"))

    # Registered as a complaint about staff, it leaves PR's sight: the register lands on the inbox.
    do_task_from_inbox(expert, instance_id, "ثبت شکایت", REGISTER_EMPLOYEE, lands_on="/")
    do_task_from_inbox(examiner, instance_id, "بررسی شکایت از کارکنان و ادارات", EXAMINATION)
    do_task_from_inbox(examiner, instance_id, "بازبینی و تأیید پاسخ", REVIEW_RETURN)
    do_task_from_inbox(examiner, instance_id, "بررسی شکایت از کارکنان و ادارات", EXAMINATION)
    do_task_from_inbox(examiner, instance_id, "بازبینی و تأیید پاسخ", REVIEW_APPROVE)
    do_task_from_inbox(examiner, instance_id, "اعلام نتیجه به شاکی", ANNOUNCEMENT)

    assert 'data-status="completed"' in examiner.get(f"/instances/{instance_id}").get_data(as_text=True)
    expert_name = arrange.display_name("pr_expert_d2")
    examiner_name = arrange.display_name("complaints_expert_d2")
    assert completions(app, examiner, instance_id) == [
        ("ثبت شکایت", expert_name),
        ("بررسی شکایت از کارکنان و ادارات", examiner_name),
        ("بازبینی و تأیید پاسخ", examiner_name),
        ("بررسی شکایت از کارکنان و ادارات", examiner_name),
        ("بازبینی و تأیید پاسخ", examiner_name),
        ("اعلام نتیجه به شاکی", examiner_name),
    ]
    for outsider in (expert, head):
        assert outsider.get(f"/instances/{instance_id}").status_code == 403
        assert f'href="/instances/{instance_id}"' not in outsider.get("/").get_data(as_text=True)
    assert arrange.instance(instance_id).status == "completed"
    # The pr_expert never had the employee examination in the inbox.
    assert [e for e in arrange.events(instance_id)
            if e[1] == "Task_examine_employee_complaint" and e[2] != "complaints_expert_d2"] == []
