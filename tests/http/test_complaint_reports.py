"""The complaint report F-__-0-5-02 on the web (/reports/complaints) and on the command line."""
import re
from datetime import timedelta

import jdatetime
import pytest
from sqlalchemy import func, select

from http_support import (ANNOUNCEMENT, EXAMINATION, REGISTER_EMPLOYEE, REVIEW_APPROVE, alerts,
                          location_path, page_text, table_rows, translated)
from models import HumanTask, QualityRecord


def tehran(year, month, day, hour=10):
    """A Solar Hijri day and hour in Tehran as naive UTC."""
    return jdatetime.datetime(year, month, day, hour).togregorian() - timedelta(hours=3, minutes=30)


def move(app, instance_id, registered_at, answered_at=None):
    """Move a complaint's registration (and its tasks) to registered_at, its answer to answered_at."""
    with app.extensions["db_sessions"]() as s:
        record = s.scalars(select(QualityRecord).where(QualityRecord.instance_id == instance_id)).one()
        delta = registered_at - record.created_at
        record.created_at += delta
        for task in s.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)):
            task.created_at += delta
            task.due_at = task.due_at and task.due_at + delta
            task.completed_at = task.completed_at and (
                answered_at if task.form_key == "complaint_announcement" else task.completed_at + delta)
        s.commit()


@pytest.fixture
def mehr_complaints(app, arrange):
    """District 1 in Mehr 1405: a service complaint answered in 3 days, an employee complaint
    still open; district 2: one complaint answered."""
    answered, _ = arrange.registered_service_instance("d1")
    for username, data in (("pr_expert_d1", EXAMINATION), ("pr_head_d1", REVIEW_APPROVE),
                           ("pr_expert_d1", ANNOUNCEMENT)):
        arrange.complete(arrange.only_open_task(answered).id, username, data)
    move(app, answered, tehran(1405, 7, 1), tehran(1405, 7, 4))
    still_open = arrange.start("d1", "pr_expert_d1")
    arrange.complete(arrange.only_open_task(still_open).id, "pr_expert_d1", REGISTER_EMPLOYEE)
    move(app, still_open, tehran(1405, 7, 6))
    other, _ = arrange.registered_service_instance("d2")
    move(app, other, tehran(1405, 7, 8))
    return arrange


def report_count(app) -> int:
    with app.extensions["db_sessions"]() as s:
        return s.scalar(select(func.count()).select_from(QualityRecord)
                        .where(QualityRecord.code == "F-__-0-5-02"))


def generate(browser, district_id, month="1405/07"):
    return browser.post("/reports/complaints", data={"month": month, "district": district_id})


def test_the_complaints_expert_generates_a_months_report_and_sees_its_figures(app, mehr_complaints, login):
    expert = login("complaints_expert_d1")
    form_page = page_text(expert.get("/reports/complaints"))
    assert 'data-testid="generate-report"' in form_page and 'value="1405/08" selected' in form_page
    response = generate(expert, mehr_complaints.district_id("d1"))
    assert response.status_code == 303, response.get_data(as_text=True)
    path = location_path(response)
    assert re.fullmatch(r"/reports/complaints/\d+", path)
    page = expert.get(path)
    assert page.status_code == 200
    assert alerts(page) == [translated(app, "The report was generated.")]
    text = page_text(page)
    assert "گزارش دوره‌ای رسیدگی به شکایات شهروندان" in text
    assert "۱۴۰۵/۰۷ · ۱۴۰۵/۰۷/۰۱ – ۱۴۰۵/۰۷/۳۰" in text  # Solar Hijri month and its days
    figures = {row[0]: row[1] for row in table_rows(page, "report-figures")}
    assert figures["شکایات دریافت‌شده"] == "۲" and figures["نتیجه اعلام‌شده به شاکی"] == "۱"
    assert figures["پاسخ در مهلت مقرر"] == "۱" and figures["باز در پایان دوره"] == "۱"
    assert figures["میانگین روزهای ثبت تا اعلام نتیجه"] == "۳.۰"
    # The list shows it; generating the same month again replaces it (one record, revision 2).
    listed = table_rows(expert.get("/reports/complaints"), "complaint-reports")
    assert [r[:5] for r in listed] == [["۱۴۰۵/۰۷", "منطقه ۱", "۲", "۱", "۱"]]
    again = generate(expert, mehr_complaints.district_id("d1"))
    assert location_path(again) == path and report_count(app) == 1
    assert "ویرایش ۲" in page_text(expert.get(path))


def test_another_districts_staff_do_not_see_the_report(app, mehr_complaints, login):
    response = generate(login("pr_head_d1"), mehr_complaints.district_id("d1"))
    path = location_path(response)
    other = login("complaints_expert_d2")
    listed = page_text(other.get("/reports/complaints"))
    assert path not in listed and translated(app, "No complaint report yet.") in listed
    assert other.get(path).status_code == 403
    # City-wide oversight sees every district's report.
    assert path in page_text(login("central_inspection").get("/reports/complaints"))


def test_staff_without_a_reporting_role_get_403_and_no_form(app, mehr_complaints, login):
    district_1 = mehr_complaints.district_id("d1")
    for username, district in (("district_mayor_d1", district_1), ("pr_expert_d1", district_1),
                               ("auditor", district_1),
                               ("complaints_expert_d2", district_1)):
        browser = login(username)
        response = generate(browser, district)
        assert response.status_code == 403, username
        assert alerts(response) == [translated(app, (
            "Only the complaints expert or the PR head of the district, or central PR or "
            "inspection management, may generate complaint reports."))]
    assert 'data-testid="generate-report"' not in page_text(login("district_mayor_d1").get("/reports/complaints"))
    assert report_count(app) == 0


def test_a_city_wide_manager_generates_for_any_district_but_not_a_month_to_come(app, mehr_complaints, login):
    central = login("central_pr")
    done = generate(central, mehr_complaints.district_id("d2"))
    assert done.status_code == 303 and report_count(app) == 1
    assert central.get(location_path(done)).status_code == 200
    future = generate(central, mehr_complaints.district_id("d2"), month="1499/01")
    assert future.status_code == 303 and location_path(future) == "/reports/complaints"
    assert alerts(central.get("/reports/complaints")) == [translated(app, "The period has not begun yet.")]
    bad = generate(central, mehr_complaints.district_id("d2"), month="ماه")
    assert bad.status_code == 303 and report_count(app) == 1


def test_the_nav_links_to_the_complaint_reports(app, login):
    assert 'href="/reports/complaints"' in login("pr_expert_d1").get("/").get_data(as_text=True)


# ------------------------------------------------------------------ command line

def test_cli_generates_a_months_report_for_one_or_every_district(app, mehr_complaints):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "complaints", "--month", "1405/07", "--district", "d1"])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"d1 1405/07: received 2, answered 1, open 1 \(record \d+, revision 1\)\n",
                        result.output)
    result = runner.invoke(args=["reports", "complaints", "--month", "۱۴۰۵/۰۷"])
    assert result.exit_code == 0, result.output
    assert [line.split(" (")[0] for line in result.output.splitlines()] == [
        "d1 1405/07: received 2, answered 1, open 1", "d2 1405/07: received 1, answered 0, open 1"]
    assert "revision 2" in result.output.splitlines()[0] and report_count(app) == 2


def test_cli_refuses_a_bad_month_or_district(app, mehr_complaints):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["reports", "complaints", "--month", "1405/13"]).exit_code != 0
    result = runner.invoke(args=["reports", "complaints", "--month", "1405/07", "--district", "d9"])
    assert result.exit_code != 0 and "d9" in result.output
    assert report_count(app) == 0
