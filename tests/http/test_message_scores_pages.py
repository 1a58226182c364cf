"""The 137 district scores page (/reports/137): ranking with Persian labels, drill-down to the
late messages, CSV/XLSX export, who may see what. Messages: tests/engine/message_scores_support."""
import csv
import io

import openpyxl
from http_support import alerts, page_text, table_rows

from app.demo import DEMO_PASSWORD
from people.accounts import create_user

from message_scores_support import build_messages


MONTH = "?month=1405/09"


def test_the_ranking_shows_the_districts_in_order_with_persian_labels(app, db, login):
    build_messages(app, db)
    db.rollback()
    response = login("central_pr").get("/reports/137")  # the current month (the clock) by default
    assert response.status_code == 200
    page = page_text(response)
    for label in ("امتیاز مناطق در سامانه ۱۳۷", "پیام‌های دریافتی", "پاسخ در لحظه", "پاسخ با تأخیر",
                  "باز و گذشته از مهلت", "میانه ساعت تا بستن", "رضایت (٪)", "رتبه"):
        assert label in page, label
    rows = table_rows(response, "message-scores")
    # rank, district, received, on the spot, on time, late, open, overdue, median h, satisfaction %,
    # working days late, score (message_scores_support: d2 -3 ahead of d1 -4).
    assert rows == [["۱", "منطقه ۲", "۲", "۱", "۰", "۱", "۰", "۰", "۷۲.۵", "۰.۰", "۳", "-۳.۰"],
                    ["۲", "منطقه ۱", "۳", "۱", "۱", "۰", "۱", "۱", "۱۲.۵", "۱۰۰.۰", "۴", "-۴.۰"]]
    assert 'data-testid="chart-score"' in page and "<script" not in page.split("<main")[-1].split("</main>")[0]
    assert 'href="/reports/137"' in page  # the nav link


def test_the_service_levels_show_the_shares_answered_in_the_categorys_hours_and_closed_in_3_days(app, db, login):
    build_messages(app, db)
    db.rollback()
    response = login("central_pr").get(f"/reports/137{MONTH}")
    page = page_text(response)
    for label in ("سطح خدمت مرکز ۱۳۷", "پاسخ در مهلت دسته (٪)", "بسته در ۳ روز (٪)",
                  "تعیین تکلیف با تاریخ انجام", "انجام در تاریخ تعیین‌شده", "مانده در پذیرش پس از مهلت"):
        assert label in page, label
    # d2: E on the spot (in time, closed at once), D 3 days late and closed after 145 h;
    # d1: A on the spot, B on time and closed after 25 h, C overdue and open after 7 days.
    assert table_rows(response, "message-sla") == [
        ["منطقه ۲", "۵۰.۰ (۱ از ۲)", "۵۰.۰ (۱ از ۲)", "۰", "۰", "۰", "۰", "۰"],
        ["منطقه ۱", "۶۶.۷ (۲ از ۳)", "۶۶.۷ (۲ از ۳)", "۰", "۰", "۰", "۰", "۰"]]
    lines = list(csv.reader(io.StringIO(login("central_pr").get(
        f"/reports/137/export.csv{MONTH}").get_data().decode("utf-8-sig"))))
    sla = lines[0].index("پاسخ در مهلت دسته (٪)")
    assert [line[sla:sla + 2] for line in lines[1:]] == [["50.0", "50.0"], ["66.7", "66.7"]]


def test_the_drill_down_lists_exactly_the_late_messages_with_links(app, db, login):
    ids = build_messages(app, db)
    from models import Instance
    codes = {name: db.get(Instance, i).tracking_code for name, i in ids.items()}
    db.rollback()
    for district, late, still_open in (("d1", "C", True), ("d2", "D", False)):
        response = login("central_inspection").get(f"/reports/137/{district}{MONTH}")
        assert response.status_code == 200
        [row] = table_rows(response, "late-messages")
        assert row[0] == codes[late]
        assert (row[3] == "هنوز باز") is still_open
        assert f'href="/instances/{ids[late]}"' in page_text(response)
        assert all(codes[other] not in page_text(response) for other in codes if other != late)


def test_the_ranking_exports_as_csv_and_xlsx(app, db, login):
    build_messages(app, db)
    db.rollback()
    browser = login("manager_d1")
    response = browser.get(f"/reports/137/export.csv{MONTH}")
    assert response.status_code == 200 and "scores-137-1405-09.csv" in response.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert lines[0][:4] == ["رتبه", "کد منطقه", "منطقه", "پیام‌های دریافتی"]
    assert [(line[0], line[1], line[-2], line[-1]) for line in lines[1:]] == \
        [("1", "d2", "3", "-3.0"), ("2", "d1", "4", "-4.0")]
    book = openpyxl.load_workbook(io.BytesIO(browser.get(f"/reports/137/export.xlsx{MONTH}").get_data()))
    sheet = book.active
    assert sheet.sheet_view.rightToLeft
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][2] == "منطقه" and [(r[0], r[1], r[3], r[-1]) for r in values[1:]] == \
        [(1, "d2", 2, -3), (2, "d1", 3, -4)]


def test_district_staff_see_the_ranking_but_only_their_own_districts_messages(app, db, login):
    build_messages(app, db)
    db.rollback()
    staff = login("department_head_d1")
    ranking = staff.get(f"/reports/137{MONTH}")
    assert ranking.status_code == 200 and len(table_rows(ranking, "message-scores")) == 2
    assert 'href="/reports/137/d1?month=1405/09"' in page_text(ranking)
    assert "/reports/137/d2" not in page_text(ranking)
    assert staff.get(f"/reports/137/d1{MONTH}").status_code == 200
    refused = staff.get(f"/reports/137/d2{MONTH}")
    assert refused.status_code == 403
    assert alerts(refused) == ["پیام‌های هر منطقه فقط به کارکنان همان منطقه و نقش‌های شهری نشان داده می‌شود."]


def test_a_user_without_a_role_is_refused_and_a_bad_period_is_explained(app, db, login):
    create_user(db, "visitor", DEMO_PASSWORD)
    db.commit()
    refused = login("visitor").get("/reports/137")
    assert refused.status_code == 403 and "فقط کارکنان شهرداری" in alerts(refused)[0]
    assert login("visitor").get("/reports/137/export.csv").status_code == 403
    bad = login("central_pr").get("/reports/137?from=1405/09/20&to=1405/09/01")
    assert bad.status_code == 400


def test_the_penalty_per_day_comes_from_the_settings(app, db, login):
    build_messages(app, db)
    db.rollback()
    app.config["SCORE_PENALTY_PER_OVERDUE_DAY"] = 3
    rows = table_rows(login("central_pr").get(f"/reports/137{MONTH}"), "message-scores")
    assert [(r[1], r[-1]) for r in rows] == [("منطقه ۲", "-۹.۰"), ("منطقه ۱", "-۱۲.۰")]


def test_the_service_levels_count_determinations_made_on_time_and_work_done_on_its_date(app, db, login):
    from datetime import datetime
    from message_137_support import complete, deploy_messages
    from models import clock
    from test_message_137_determination import TEHRAN, determined
    deploy_messages(app)
    on_date, postponed = determined(db), determined(db)
    clock.set_now(datetime(2026, 12, 20, 12, 0, tzinfo=TEHRAN))
    complete(db, on_date.id, "Task_confirm_planned_work", {"work_status": "done", "work_note": "انجام شد."})
    complete(db, postponed.id, "Task_confirm_planned_work",
             {"work_status": "new_date", "planned_date": "1405/10/06", "work_note": "قیر نرسید."})
    db.rollback()
    clock.set_now(datetime(2026, 12, 20, 12, 5, tzinfo=TEHRAN))
    rows = table_rows(login("central_pr").get(f"/reports/137{MONTH}"), "message-sla")
    # district 1 only: both determined within 48 h, one done on its date; nothing overdue yet
    # (the month is read on 1405/09/29 12:05, its clock).
    assert [row[0] for row in rows] == ["منطقه ۱"]
    assert rows[0][3:] == ["۲", "۲", "۱", "۰", "۰"]


def test_the_scores_page_breaks_the_messages_down_by_channel(app, db, login):
    build_messages(app, db)
    db.rollback()
    response = login("central_pr").get(f"/reports/137{MONTH}")
    assert "پیام‌ها به تفکیک راه ارسال" in page_text(response)
    # channel, received, answered in time (on the spot or on time), late, open, open and overdue:
    # A, B, E in time, D late, C open and overdue (all registered as phone calls)
    assert table_rows(response, "message-channels") == [["تماس تلفنی با ۱۳۷", "۵", "۳", "۱", "۱", "۱"]]


def test_messages_filed_by_sms_and_on_the_portal_count_under_their_own_channels(app, db, login):
    from channels_support import SMS_SECRET
    from portal_support import FILED, deploy_citizen_processes
    deploy_citizen_processes(app)
    app.config["SMS_IN_SECRET"] = SMS_SECRET
    client = app.test_client()
    for n in range(2):
        assert client.post(f"/channels/sms/{SMS_SECRET}", data={
            "message_id": f"s-{n}", "from": "09127654321", "text": "جوی آب گرفته است"}).status_code == 200
    assert client.post("/p/requests/new", data=FILED, content_type="multipart/form-data").status_code == 303
    response = login("central_pr").get("/reports/137")  # this month: filed just now
    rows = {row[0]: row[1:] for row in table_rows(response, "message-channels")}
    assert rows["پیامک"] == ["۲", "۰", "۰", "۲", "۰"]
    assert rows["پورتال اینترنتی"] == ["۱", "۰", "۰", "۱", "۰"]
