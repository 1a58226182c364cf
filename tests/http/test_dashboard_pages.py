"""The oversight dashboard (/dashboard, GET /api/v1/dashboard): the hand-computed figures of
tests/http/dashboard_support.py in Persian, who sees which district, and drill-down links that
lead to exactly the cases behind a figure (the instance list's filters)."""
import html
import re

from dashboard_support import build_dashboard_fixture
from http_support import alerts, page_text, table_rows

from app.demo import DEMO_PASSWORD
from people.accounts import create_user


def linked_rows(response, testid: str) -> list[list[tuple[str, str | None]]]:
    """The body rows of a table as (cell text, the cell's link or None)."""
    body = response.get_data(as_text=True)
    table = re.search(r'<table[^>]*data-testid="%s"[^>]*>.*?<tbody>(.*?)</tbody>' % testid, body, re.S)
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S):
        cells = []
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S):
            link = re.search(r'href="([^"]+)"', cell)
            cells.append((html.unescape(re.sub(r"<[^>]+>", "", cell)).strip(),
                          html.unescape(link.group(1)) if link else None))
        rows.append(cells)
    return rows


def listed(browser, url) -> set[str]:
    """The titles of the instances a list page shows ("case C2" -> "C2")."""
    response = browser.get(url)
    assert response.status_code == 200, url
    return {title.removeprefix("case ") for title in
            re.findall(r'<a href="/instances/\d+">([^<]*)</a>', response.get_data(as_text=True))}


def test_central_pr_sees_every_district_with_the_figures_computed_by_hand(app, db, login):
    build_dashboard_fixture(db)
    response = login("central_pr").get("/dashboard")
    assert response.status_code == 200
    page = page_text(response)
    for label in ("داشبورد نظارت", "پیام‌های ۱۳۷ در ۸ هفته اخیر", "کارهای باز", "به تفکیک نقش",
                  "وضعیت در ۱۴۰۵/۰۹/۲۹ ۱۰:۰۰"):
        assert label in page, label
    assert table_rows(response, "messages-total") == [
        ["پیام‌های دریافتی", "۷"], ["پاسخ در ۲۴ ساعت", "۳۳.۳٪ (۲ از ۶)"],
        ["پاسخ در ۴۸ ساعت", "۵۰.۰٪ (۳ از ۶)"], ["پاسخ در ۷۲ ساعت", "۶۶.۷٪ (۴ از ۶)"],
        ["بسته‌شده در ۳ روز", "۵۰.۰٪ (۳ از ۶)"]]
    # district, received, 24 h, 48 h, 72 h, closed in 3 days
    assert table_rows(response, "messages-by-district") == [
        ["منطقه ۱", "۴", "۲۵.۰٪", "۵۰.۰٪", "۵۰.۰٪", "۵۰.۰٪"],
        ["منطقه ۲", "۳", "۵۰.۰٪", "۵۰.۰٪", "۱۰۰.۰٪", "۵۰.۰٪"]]
    weeks = table_rows(response, "messages-by-week")
    assert [row[0] for row in weeks] == ["۱۴۰۵/۰۸/۰۹", "۱۴۰۵/۰۸/۱۶", "۱۴۰۵/۰۸/۲۳", "۱۴۰۵/۰۸/۳۰",
                                         "۱۴۰۵/۰۹/۰۷", "۱۴۰۵/۰۹/۱۴", "۱۴۰۵/۰۹/۲۱", "۱۴۰۵/۰۹/۲۸"]
    assert weeks[0][1:] == ["۱", "۰.۰٪", "۰.۰٪", "۰.۰٪", "۰.۰٪"]          # M7
    assert weeks[1][1:] == ["۰", "—", "—", "—", "—"]
    assert weeks[6][1:] == ["۴", "۲۵.۰٪", "۵۰.۰٪", "۷۵.۰٪", "۵۰.۰٪"]      # M1 M2 M3 M4
    assert weeks[7][1:] == ["۲", "۱۰۰.۰٪", "۱۰۰.۰٪", "۱۰۰.۰٪", "۱۰۰.۰٪"]  # M6 (M5 too young)
    # district, open, overdue, <1, 1-3, 3-10, >=10
    assert table_rows(response, "open-by-district") == [
        ["منطقه ۱", "۴", "۳", "۱", "۱", "۱", "۱"], ["منطقه ۲", "۳", "۱", "۱", "۱", "۱", "۰"],
        ["جمع", "۷", "۴", "۲", "۲", "۲", "۱"]]
    assert table_rows(response, "open-by-role") == [
        ["رئیس اداره", "۳", "۲", "۱", "۰", "۱", "۱"], ["کارشناس روابط عمومی", "۳", "۱", "۱", "۲", "۰", "۰"],
        ["کارشناس پاسخگویی به شکایات", "۱", "۱", "۰", "۰", "۱", "۰"]]
    assert "<script" not in page.split("<main")[-1].split("</main>")[0]  # nothing needs JavaScript
    assert 'href="/dashboard"' in page  # the nav link


def test_the_district_filter_narrows_a_central_users_dashboard(app, db, login):
    build_dashboard_fixture(db)
    response = login("central_inspection").get("/dashboard?district=d2")
    assert response.status_code == 200
    assert table_rows(response, "open-by-district") == [["منطقه ۲", "۳", "۱", "۱", "۱", "۱", "۰"]]
    assert table_rows(response, "messages-total")[0] == ["پیام‌های دریافتی", "۳"]
    assert 'data-testid="messages-by-district"' not in page_text(response)


def test_a_district_mayor_sees_only_their_district_and_is_refused_another(app, db, login):
    build_dashboard_fixture(db)
    mayor = login("district_mayor_d1")
    own = mayor.get("/dashboard")
    assert own.status_code == 200
    assert table_rows(own, "open-by-district") == [["منطقه ۱", "۴", "۳", "۱", "۱", "۱", "۱"]]
    assert table_rows(own, "open-by-role") == [["رئیس اداره", "۲", "۲", "۰", "۰", "۱", "۱"],
                                               ["کارشناس روابط عمومی", "۲", "۱", "۱", "۱", "۰", "۰"]]
    assert 'data-testid="district-select"' not in page_text(own)
    assert mayor.get("/dashboard?district=d1").status_code == 200
    refused = mayor.get("/dashboard?district=d2")
    assert refused.status_code == 403
    assert alerts(refused) == ["فقط داشبورد منطقه خودتان را می‌توانید ببینید."]
    for role in ("deputy_d2", "manager_d2"):
        assert login(role).get("/dashboard?district=d1").status_code == 403
        assert login(role).get("/dashboard?district=d2").status_code == 200
    assert login("central_pr").get("/dashboard?district=d9").status_code == 404


def test_staff_without_the_permission_are_refused_and_see_no_link(app, db, login):
    create_user(db, "visitor", DEMO_PASSWORD)
    db.commit()
    for username in ("pr_expert_d1", "department_head_d2", "visitor"):
        browser = login(username)
        refused = browser.get("/dashboard")
        assert refused.status_code == 403, username
        assert "داشبورد برای مدیریت روابط عمومی" in alerts(refused)[0]
        assert 'href="/dashboard"' not in page_text(browser.get("/instances"))
    assert login("auditor").get("/dashboard").status_code == 200


def test_each_open_work_figure_links_to_exactly_its_cases(app, db, login):
    build_dashboard_fixture(db)
    browser = login("central_pr")
    response = browser.get("/dashboard")
    districts = {row[0][0]: row for row in linked_rows(response, "open-by-district")}
    # open, overdue, <1, 1-3, 3-10, >=10 of each district, as computed by hand
    expected = {"منطقه ۱": [{"C1", "C2", "M3", "C4"}, {"C2", "M3", "C4"}, {"C1"}, {"C2"}, {"M3"}, {"C4"}],
                "منطقه ۲": [{"C6", "C7", "M5"}, {"C7"}, {"M5"}, {"C6"}, {"C7"}, None],
                "جمع": [{"C1", "C2", "M3", "C4", "C6", "C7", "M5"}, {"C2", "M3", "C4", "C7"},
                        {"C1", "M5"}, {"C2", "C6"}, {"M3", "C7"}, {"C4"}]}
    for name, cases in expected.items():
        for (text, link), want in zip(districts[name][1:], cases):
            if want is None:
                assert link is None and text == "۰"
            else:
                assert listed(browser, link) == want, (name, link)
    roles = {row[0][0]: row for row in linked_rows(response, "open-by-role")}
    assert listed(browser, roles["رئیس اداره"][2][1]) == {"M3", "C4"}      # overdue
    assert listed(browser, roles["رئیس اداره"][6][1]) == {"C4"}            # >= 10 working days
    assert listed(browser, roles["کارشناس روابط عمومی"][4][1]) == {"C2", "C6"}  # 1-3 working days


def test_the_137_figures_link_to_the_messages_received_in_their_span(app, db, login):
    build_dashboard_fixture(db)
    browser = login("central_pr")
    response = browser.get("/dashboard")
    [total] = [row for row in linked_rows(response, "messages-total") if row[0][0] == "پیام‌های دریافتی"]
    assert listed(browser, total[1][1]) == {"M1", "M2", "M3", "M4", "M5", "M6", "M7"}  # not M8
    by_district = linked_rows(response, "messages-by-district")
    assert listed(browser, by_district[1][1][1]) == {"M4", "M5", "M6"}
    weeks = linked_rows(response, "messages-by-week")
    assert listed(browser, weeks[6][1][1]) == {"M1", "M2", "M3", "M4"}
    assert listed(browser, weeks[7][1][1]) == {"M5", "M6"}


def test_a_district_mayors_drill_down_stays_in_their_district(app, db, login):
    build_dashboard_fixture(db)
    mayor = login("district_mayor_d1")
    rows = linked_rows(mayor.get("/dashboard"), "open-by-role")
    assert listed(mayor, rows[0][1][1]) == {"M3", "C4"}  # department heads' open work of d1 only
    assert listed(mayor, "/instances?open=1&role=department_head") == {"M3", "C4"}


def test_the_list_explains_a_malformed_filter_and_shows_the_filters_in_force(app, db, login):
    build_dashboard_fixture(db)
    browser = login("central_pr")
    for url, message in (("/instances?age=old", "سن نامعتبر است"),
                         ("/instances?district=d9", "منطقه‌ای با این کد وجود ندارد."),
                         ("/instances?since=1405/13/01", "تاریخ را به صورت روز شمسی بنویسید")):
        response = browser.get(url)
        assert response.status_code == 400 and message in alerts(response)[0], url
    shown = page_text(browser.get("/instances?district=d1&overdue=1&open=1"))
    assert "منطقه: منطقه ۱" in shown and "گذشته از مهلت" in shown and "پاک کردن فیلترها" in shown


def test_the_api_gives_the_same_figures_as_json(app, db, api):
    build_dashboard_fixture(db)
    response = api("central_inspection").get("/api/v1/dashboard")
    assert response.status_code == 200
    body = response.get_json()
    assert body["as_of"] == "2026-12-20T06:30:00Z"
    assert [d["code"] for d in body["districts"]] == ["d1", "d2"]
    work = body["open_work"]
    assert work["total"] == {"open": 7, "overdue": 4, "age": {"lt1": 2, "1to3": 2, "3to10": 2, "gt10": 1}}
    assert {(r["district"], r["role"]): (r["open"], r["overdue"]) for r in work["by_district_and_role"]} == {
        ("d1", "pr_expert"): (2, 1), ("d1", "department_head"): (2, 2), ("d2", "pr_expert"): (1, 0),
        ("d2", "complaints_expert"): (1, 1), ("d2", "department_head"): (1, 0)}
    messages = body["messages_137"]
    assert messages["total"]["answered_within"]["72h"] == {"count": 4, "of": 6, "percent": 66.7}
    assert messages["total"]["closed_within_3_days"] == {"count": 3, "of": 6, "percent": 50.0}
    [d2] = [d for d in messages["by_district"] if d["district"] == "d2"]
    assert d2["received"] == 3 and d2["answered_within"]["24h"] == {"count": 1, "of": 2, "percent": 50.0}
    assert [(w["week_start"], w["received"]) for w in messages["by_week"]][-2:] == [("1405/09/21", 4),
                                                                                     ("1405/09/28", 2)]


def test_the_api_refuses_what_the_page_refuses(app, db, api):
    build_dashboard_fixture(db)
    mayor = api("district_mayor_d2")
    own = mayor.get("/api/v1/dashboard")
    assert own.status_code == 200 and [d["code"] for d in own.get_json()["districts"]] == ["d2"]
    assert own.get_json()["open_work"]["total"]["open"] == 3
    other = mayor.get("/api/v1/dashboard?district=d1")
    assert other.status_code == 403 and other.get_json()["error"] == "فقط داشبورد منطقه خودتان را می‌توانید ببینید."
    assert api("pr_expert_d1").get("/api/v1/dashboard").status_code == 403
    assert api("central_pr").get("/api/v1/dashboard?district=d9").status_code == 404
