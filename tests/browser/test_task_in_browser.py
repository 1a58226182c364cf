"""A complaint worked through end to end in Chromium: log in, open the inbox, fill each
rendered form, submit, and follow the instance page until the complaint is closed."""
import re

import pytest

from live_server import log_in, start_complaint

pytestmark = pytest.mark.browser

PERSIAN_DIGIT = re.compile("[۰-۹]")


def open_task(page, name, instance_id, shot=None):
    """From the inbox, open the task `name` of the instance."""
    page.goto("/")
    if shot:
        page.screenshot(path=str(shot), full_page=True)
    row = page.locator("[data-testid=inbox] tbody tr").filter(
        has=page.locator(f"a[href='/instances/{instance_id}']"))
    row.get_by_role("link", name=name, exact=True).click()
    page.wait_for_selector("[data-testid=task-form]")
    assert page.locator("[data-testid=task-name]").inner_text() == name


def submit(page, instance_id):
    page.locator("[data-testid=complete]").click()
    page.wait_for_url(f"**/instances/{instance_id}")
    assert page.locator(".alert-success").inner_text() == "کار ثبت و ارسال شد."


def fill_register(page):
    page.fill("#f-complainant_name", "مریم احمدی")
    page.fill("#f-phone", "۰۹۱۲۱۲۳۴۵۶۷")  # typed with Persian digits, as clerks do
    page.select_option("#f-channel", "phone")
    page.fill("#f-subject", "جمع‌آوری نشدن زباله")
    page.check("input[name=complaint_type][value=service]")
    page.fill("#f-description", "زباله‌های کوچه سه روز است جمع‌آوری نشده است.")
    page.fill("#f-address", "خیابان آزادی، کوچه ۱۲")


def fill_examination(page):
    page.fill("#f-findings", "گزارش تأیید شد؛ خودروی حمل زباله خراب بوده است.")
    page.check("input[name=justified][value=yes]")
    page.fill("#f-actions_taken", "خودروی جایگزین اعزام شد.")
    page.fill("#f-answer_text", "شکایت شما بررسی شد و زباله‌ها جمع‌آوری گردید.")


def fill_review(page):
    page.check("input[name=decision][value=approve]")
    page.fill("#f-reason", "پاسخ مناسب است.")


def fill_announcement(page):
    page.select_option("#f-announcement_channel", "sms")
    page.fill("#f-announced_on", "۱۴۰۳/۱۲/۱۱")  # Solar Hijri, typed in Persian digits
    page.fill("#f-note", "نتیجه با پیامک اعلام شد.")


STEPS = [  # (user, task, how to fill its form)
    ("pr_expert_d1", "ثبت شکایت", fill_register),
    ("pr_expert_d1", "بررسی شکایت از خدمات", fill_examination),
    ("pr_head_d1", "بازبینی و تأیید پاسخ", fill_review),
    ("pr_expert_d1", "اعلام نتیجه به شاکی", fill_announcement),
]


def test_complaint_is_worked_through_its_forms_to_the_end(app, complaints, page, shots):
    instance_id = start_complaint(app)
    current = None
    for number, (username, task_name, fill) in enumerate(STEPS):
        if username != current:
            log_in(page, username)
            current = username
        open_task(page, task_name, instance_id, shot=shots / "inbox.png" if number == 0 else None)
        if number == 0:
            # The form as a clerk first sees it: Persian, right to left, Persian digits.
            assert page.locator("html").get_attribute("dir") == "rtl"
            assert page.locator("html").get_attribute("lang") == "fa"
            assert "Vazirmatn" in page.evaluate("getComputedStyle(document.body).fontFamily")
            assert PERSIAN_DIGIT.search(page.locator("main p.text-muted").first.inner_text())
            assert page.locator("input[name=csrf_token]").count() >= 1
        fill(page)
        if number == 0:
            page.screenshot(path=str(shots / "task_form.png"), full_page=True)
        submit(page, instance_id)

    status = page.locator("[data-testid=instance-status]")
    assert status.get_attribute("data-status") == "completed"
    assert status.inner_text() == "پایان‌یافته"
    assert page.locator("[data-testid=open-tasks]").count() == 0

    diagram = page.locator("#diagram[data-loaded='true']")
    diagram.wait_for()
    assert diagram.get_attribute("data-warnings") == "0"
    for element in ("StartEvent_complaint_received", "Task_register_complaint",
                    "Task_examine_service_complaint", "Task_review_answer",
                    "Task_announce_result", "EndEvent_complaint_closed"):
        assert page.locator(f"#diagram [data-element-id='{element}'].done").count() == 1, element
    assert page.locator("#diagram [data-element-id='Task_examine_employee_complaint'].done").count() == 0

    history = page.locator("[data-testid=history] tbody tr")
    assert history.count() >= 6
    assert "پرونده به پایان رسید" in page.locator("[data-testid=history]").inner_text()
    page.screenshot(path=str(shots / "instance_completed.png"), full_page=True)
    page.locator("#diagram").screenshot(path=str(shots / "instance_diagram.png"))
    assert page.js_errors == []
