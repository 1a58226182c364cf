"""A rebuttal letter printed to PDF with its number, in Chromium: the district mayor opens the
signing task of a news rebuttal, clicks the print button, lands on the letter with its number
(<district>/<Solar Hijri year>/1 in Persian digits, an LTR isolate) and fetches its PDF."""
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

import engine as runtime
from live_server import log_in
from modeling.deploy import deploy_process
from models import HumanTask, clock
from people.accounts import find_district, find_user
from workcal import jalali

pytestmark = pytest.mark.browser

NEWS_BPMN = Path(__file__).resolve().parents[2] / "processes" / "news.bpmn"
STEPS = [  # (user, BPMN id, form data) up to the mayor's signature
    ("pr_expert_d1", "Task_prepare_news", {
        "headline": "افتتاح بوستان محله", "lead": "بوستان محله امروز افتتاح شد.", "body": "متن خبر",
        "source_unit": "معاونت فنی و عمرانی", "photos_description": "", "priority": "important"}),
    ("pr_head_d1", "Task_review_news", {"news_decision": "approve", "news_review_reason": ""}),
    ("pr_expert_d1", "Task_release_news", {
        "channels": ["website"], "released_on": "2025-08-12", "released_time": "12:00",
        "release_url": "https://district1.example.ir/news/43"}),
    ("pr_expert_d1", "Task_monitor_press", {"coverage": [{
        "outlet": "خبرگزاری ایرنا", "published_on": "2025-08-13", "headline": "افتتاح بوستان",
        "accurate": "no", "link": "https://example.ir/n/1"}], "monitoring_note": ""}),
    ("pr_expert_d1", "Task_draft_rebuttal", {
        "outlet": "خبرگزاری ایرنا", "misreported_text": "بوستان سال آینده افتتاح می‌شود.",
        "correct_text": "بوستان امروز با حضور شهردار افتتاح شد.", "letter_number": "۴۵۶/ر",
        "letter_date": "2025-08-14"}),
]


def rebuttal_waiting_for_signature(app) -> int:
    """Through the engine API: a news instance at the mayor's signing task; that task's id."""
    session = app.extensions["db_sessions"]()
    try:
        deploy_process(session, NEWS_BPMN.read_bytes(), filename=NEWS_BPMN.name)
        instance = runtime.start_instance(session, "news", find_user(session, "pr_expert_d1"),
                                          find_district(session, "d1").id, title="خبر بوستان")
        for username, bpmn_id, data in STEPS:
            task = session.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.task_spec == bpmn_id,
                HumanTask.status == "ready")).one()
            runtime.complete_task(session, task.id, find_user(session, username), data)
        sign = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.task_spec == "Task_sign_rebuttal")).one()
        session.commit()
        return sign.id
    finally:
        session.close()


def test_a_rebuttal_letter_printed_to_pdf_with_its_number(app, page, shots):
    task_id = rebuttal_waiting_for_signature(app)
    year = jalali.solar_parts(jalali.local_date(clock.now()))[0]
    expected = f"d1/{year}/1"
    log_in(page, "district_mayor_d1")
    page.goto(f"/tasks/{task_id}")
    page.locator("[data-testid=letter-press_rebuttal] [data-testid=letter-print]").click()
    page.wait_for_url(re.compile(r".*/letters/\d+$"))
    page.screenshot(path=str(shots / "rebuttal-letter.png"), full_page=True)
    number = page.locator("[data-testid=letter-number]")
    assert number.inner_text() == jalali.to_persian_digits(expected)
    assert number.evaluate("e => e.tagName + ' ' + e.getAttribute('dir')") == "BDI ltr"
    assert "بوستان امروز با حضور شهردار افتتاح شد." in page.locator("[data-testid=letter-text]").inner_text()
    assert "Vazirmatn" in page.evaluate("getComputedStyle(document.body).fontFamily")

    pdf_url = page.locator("[data-testid=letter-pdf]").get_attribute("href")
    response = page.request.get(pdf_url)  # the tab's cookies: the mayor's session
    assert response.ok and response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    assert expected in jalali.to_ascii_digits(text)

    # back on the task, printing again gives the same letter and number
    page.goto(f"/tasks/{task_id}")
    row = page.locator("[data-testid=letter-press_rebuttal]")
    assert jalali.to_persian_digits(expected) in row.inner_text()
    row.locator("[data-testid=letter-open]").click()
    assert page.locator("[data-testid=letter-number]").inner_text() == jalali.to_persian_digits(expected)
