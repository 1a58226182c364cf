"""The statistics page of a process version (/processes/<key>/versions/<n>/statistics) and its
JSON (GET /api/v1/processes/<key>/versions/<n>/statistics): the figures of
tests/engine/element_statistics_support.py in Persian, who may see them, and bad keys/versions."""
import html
import re

from element_statistics_support import HOUR, PROCESS, build_history
from engine_support import deploy
from http_support import alerts

from app.instances.statistics_views import duration_text
from models import clock

PAGE = f"/processes/{PROCESS}/versions/1/statistics"
API = f"/api/v1/processes/{PROCESS}/versions/1/statistics"


def history(app, db):
    ids = build_history(app, db)
    clock.reset()  # logins and grants on real time; the figures do not depend on now
    return ids


def statistics_rows(response) -> dict[str, list[str]]:
    """element id -> [name cell, passed, waiting, average, p90] of the page's table."""
    body = response.get_data(as_text=True)
    table = re.search(r'<table[^>]*data-testid="statistics-table".*?<tbody>(.*?)</tbody>', body, re.S)
    assert table, "no statistics table"
    rows = {}
    for element, row in re.findall(r'<tr data-element="([^"]+)">(.*?)</tr>', table.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows[element] = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells]
    return rows


def test_the_page_shows_each_elements_figures_in_persian_with_times_in_words(app, db, login):
    history(app, db)
    response = login("district_mayor_d1").get(PAGE)
    assert response.status_code == 200
    assert statistics_rows(response) == {
        "Task_check": ["Check the message کار", "۴", "۱", "۲ ساعت و ۳۰ دقیقه", "۳ ساعت و ۴۲ دقیقه"],
        "Task_reply": ["Reply کار", "۲", "۱", "۴۵ دقیقه", "۵۷ دقیقه"],
        "Timer_wait": ["Wait two hours زمان‌سنج", "۳", "۱", "۲ ساعت و ۲۰ دقیقه", "۲ ساعت و ۴۸ دقیقه"],
    }
    text = html.unescape(response.get_data(as_text=True))
    assert "۵ نمونه: ۳ در جریان، ۲ پایان‌یافته" in text
    # The diagram of this very version, and the figures for the script.
    assert f'data-xml-url="/processes/{PROCESS}/versions/1/diagram.bpmn"' in text
    assert '"passed": 4' in text and '"id": "Task_check"' in text
    assert "<script>" not in text  # CSP: no inline script


def test_the_diagram_of_the_version_is_served_to_who_may_see_statistics(app, db, login):
    deploy(app, "element_statistics.bpmn")
    response = login("process_owner").get(f"/processes/{PROCESS}/versions/1/diagram.bpmn")
    assert response.status_code == 200 and b'id="Task_check"' in response.data
    assert login("pr_expert_d1").get(f"/processes/{PROCESS}/versions/1/diagram.bpmn").status_code == 403
    assert login("process_owner").get(f"/processes/{PROCESS}/versions/9/diagram.bpmn").status_code == 404


def test_the_version_picker_links_every_version_and_the_short_address_opens_the_newest(app, db, login):
    deploy(app, "element_statistics.bpmn")
    source = (app.root_path + "/../tests/fixtures/element_statistics.bpmn")
    with open(source, encoding="utf-8") as f:
        changed = f.read().replace('name="Reply"', 'name="Reply to the citizen"')
    from modeling.deploy import deploy_process
    session = app.extensions["db_sessions"]()
    deploy_process(session, changed.encode(), filename="element_statistics.bpmn")
    session.commit()
    session.close()
    browser = login("process_owner")
    response = browser.get(PAGE)
    assert f'href="/processes/{PROCESS}/versions/2/statistics"' in response.get_data(as_text=True)
    newest = browser.get(f"/processes/{PROCESS}/statistics")
    assert newest.status_code == 302
    assert newest.headers["Location"].endswith(f"/processes/{PROCESS}/versions/2/statistics")
    assert "هنوز هیچ نمونه‌ای" in html.unescape(browser.get(newest.headers["Location"]).get_data(as_text=True))


def test_the_process_page_links_its_statistics_for_who_may_see_them(app, db, login):
    deploy(app, "element_statistics.bpmn")
    assert 'data-testid="statistics-link"' in login("process_owner").get(
        f"/processes/{PROCESS}").get_data(as_text=True)
    assert 'data-testid="statistics-link"' not in login("pr_expert_d1").get(
        f"/processes/{PROCESS}").get_data(as_text=True)


def test_staff_without_the_permission_get_403_in_persian(app, db, login):
    deploy(app, "element_statistics.bpmn")
    response = login("pr_expert_d1").get(PAGE)
    assert response.status_code == 403
    assert alerts(response) == ["شما اجازهٔ دیدن آمار فرآیندها را ندارید."]


def test_an_unknown_process_or_version_is_404_in_persian(app, db, login):
    deploy(app, "element_statistics.bpmn")
    browser = login("process_owner")
    unknown = browser.get("/processes/no_such_process/versions/1/statistics")
    assert unknown.status_code == 404
    assert "no_such_process" in alerts(unknown)[0] and "فرآیند" in alerts(unknown)[0]
    missing = browser.get(f"/processes/{PROCESS}/versions/3/statistics")
    assert missing.status_code == 404
    # The key in a left-to-right isolate, the version in Persian digits.
    assert alerts(missing) == [f"فرآیند \u2066{PROCESS}\u2069 نسخهٔ ۳ ندارد."]
    assert browser.get(f"/processes/{PROCESS}/versions/x/statistics").status_code == 404
    assert browser.get("/processes/no_such_process/statistics").status_code == 404


def test_the_api_gives_the_same_figures_in_seconds_and_in_words(app, db, api):
    history(app, db)
    response = api("process_owner").get(API)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["process"], body["version"], body["versions"]) == (PROCESS, 1, [1])
    assert body["instances"] == {"total": 6, "running": 4, "completed": 2}  # not F, confidential
    check = next(e for e in body["elements"] if e["id"] == "Task_check")
    assert (check["kind"], check["passed"], check["waiting"], check["timed"]) == ("task", 5, 1, 5)
    assert round(check["average_seconds"]) == 3 * HOUR and round(check["p90_seconds"]) == round(4.6 * HOUR)
    assert (check["average"], check["p90"]) == ("۳ ساعت", "۴ ساعت و ۳۶ دقیقه")


def test_the_api_refuses_without_the_permission_and_answers_404_for_an_unknown_version(app, db, api):
    deploy(app, "element_statistics.bpmn")
    refused = api("pr_expert_d1").get(API)
    assert refused.status_code == 403 and refused.get_json()["error"]
    missing = api("process_owner").get(f"/api/v1/processes/{PROCESS}/versions/5/statistics")
    assert missing.status_code == 404
    assert missing.get_json()["error"] == f"فرآیند {PROCESS} نسخهٔ ۵ ندارد."
    assert app.test_client().get(API).status_code == 401


def test_times_in_words_keep_their_two_largest_units(app):
    cases = {2 * 86400 + 3 * HOUR + 59 * 60: ("۲ روز و ۳ ساعت", "2 days and 3 hours"),
             86400: ("۱ روز", "1 day"), 86400 + 5 * 60: ("۱ روز", "1 day"),
             HOUR + 60: ("۱ ساعت و ۱ دقیقه", "1 hour and 1 minute"),
             30: ("کمتر از یک دقیقه", "less than a minute")}
    for seconds, (persian, english) in cases.items():
        with app.test_request_context("/api/v1/x"):
            assert duration_text(seconds) == persian
        with app.test_request_context("/api/v1/x", headers={"Accept-Language": "en"}):
            assert duration_text(seconds) == english
