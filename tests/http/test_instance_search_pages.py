"""Finding instances through the web (issue 20): the /instances filter form, its pages and
counts, clear Persian messages for bad filters, and GET /api/v1/instances with the same
filters, search and pages."""
import html
import re

import pytest

from http_support import alerts, page_text
from message_137_support import INTAKE, complete, deploy_messages, start_message
from models import clock
from datetime import datetime
from zoneinfo import ZoneInfo

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
STARTED = datetime(2026, 12, 11, 10, 0, tzinfo=ZoneInfo("Asia/Tehran"))  # 1405/09/20


@pytest.fixture
def found_messages(app, db):
    """Three messages of district 1 (two by the same citizen) and one of district 2."""
    deploy_messages(app)
    clock.set_now(STARTED)
    ids = []
    for name, phone, words, district in (
            ("مريم احمدي", "09123456789", "چراغ کوچه خاموش است", "d1"),
            ("رضا کاظمی", "09350001111", "چاله در آسفالت خیابان", "d1"),
            ("مریم احمدی", "09123456789", "چراغ پارک خاموش است", "d1"),
            ("مریم احمدی", "09123456789", "چراغ میدان", "d2")):
        message = start_message(db, district)
        complete(db, message.id, "Task_register_message",
                 {**INTAKE, "citizen_name": name, "citizen_phone": phone, "description": words},
                 username=f"intake_operator_{district}")
        ids.append(message.id)
    clock.reset()
    db.rollback()
    return ids


def listed(response) -> list[int]:
    return [int(i) for i in re.findall(r'href="/instances/(\d+)"', response.get_data(as_text=True))]


def test_the_page_finds_a_message_by_phone_and_keeps_the_form_as_typed(app, login, found_messages):
    first, _other, third, _d2 = found_messages
    response = login("intake_operator_d1").get("/instances?q=۰۹۱۲ ۳۴۵ ۶۷۸۹")
    assert response.status_code == 200
    assert listed(response) == [third, first]  # newest first; district 2's is not theirs
    text = page_text(response)
    assert "۲ پرونده یافت شد." in text
    assert 'value="۰۹۱۲ ۳۴۵ ۶۷۸۹"' in html.unescape(text)
    assert "۱۴۰۵/۰۹/۲۰" in text  # started, as a Solar Hijri day in Persian digits


def test_the_page_finds_by_name_words_and_filters(app, login, found_messages):
    first, other, third, _d2 = found_messages
    browser = login("central_pr")
    assert set(listed(browser.get("/instances?q=مریم احمدی&district=d1"))) == {first, third}
    assert listed(browser.get("/instances?q=چاله آسفالت")) == [other]
    assert listed(browser.get("/instances?q=چراغ&started_from=۱۴۰۵/۰۹/۲۰&district=d1&channel=phone"
                              "&category=service&status=running")) == [third, first]
    assert listed(browser.get("/instances?q=چراغ&started_from=1405/09/21")) == []


def test_pages_keep_the_filters_in_their_links_and_walk_back(app, login, found_messages):
    first, other, third, _d2 = found_messages
    browser = login("intake_operator_d1")
    page_one = browser.get("/instances?district=d1&status=running&per_page=2")
    assert listed(page_one) == [third, other]
    next_link = html.unescape(re.search(r'data-testid="next-page" href="([^"]+)"',
                                        page_one.get_data(as_text=True)).group(1))
    assert "district=d1" in next_link and "status=running" in next_link and "per_page=2" in next_link
    page_two = browser.get(next_link)
    assert listed(page_two) == [first]
    assert 'data-testid="next-page"' not in page_two.get_data(as_text=True)
    back = html.unescape(re.search(r'data-testid="previous-page" href="([^"]+)"',
                                   page_two.get_data(as_text=True)).group(1))
    assert listed(browser.get(back)) == [third, other]


@pytest.mark.parametrize("query, message", [
    ("started_from=1405/13/01", "تاریخ را به صورت روز شمسی بنویسید"),
    ("ended_to=۱۴۰۵/۰۲/۳۲", "تاریخ را به صورت روز شمسی بنویسید"),
    ("started_from=1405/09/20&started_to=1405/09/01", "روز اول بازه بعد از روز آخر آن است."),
    ("after=99999999999", "خارج از محدوده مجاز است"),
    ("after=abc", "خارج از محدوده مجاز است"),
    ("per_page=1000", "خارج از محدوده مجاز است"),
    ("status=sleeping", "وضعیت نامعتبر است"),
    ("version=2", "نخست فرایند را انتخاب کنید"),
    ("q=" + "آ" * 201, "متن جستجو بیش از حد بلند است"),
    ("q=!!!", "برای جستجو یک واژه، شماره تلفن یا کد رهگیری بنویسید."),
    ("channel=a%20b", "این کد معتبر نیست"),
])
def test_a_bad_filter_is_explained_in_persian_with_the_form_kept(app, login, query, message):
    response = login("central_pr").get(f"/instances?{query}")
    assert response.status_code == 400
    assert message in alerts(response)[0]
    assert 'data-testid="instance-search"' in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["q=ab%00c", "version=99999999999&process=x", "district=%01"])
def test_control_characters_and_huge_numbers_are_refused_never_a_500(app, login, query):
    response = login("central_pr").get(f"/instances?{query}")
    assert response.status_code == 400


def test_the_api_finds_with_the_same_filters_and_pages(app, api, found_messages):
    first, other, third, d2 = found_messages
    client = api("central_pr")
    body = client.get("/api/v1/instances?q=09123456789&per_page=2").get_json()
    assert [i["id"] for i in body["instances"]] == [d2, third] and body["total"] == 3
    assert body["instances"][0]["district"] == "d2" and body["instances"][0]["channel"] == "phone"
    assert "data" not in body["instances"][0]  # the summary only: the case's page has the rest
    assert body["previous"] is None
    following = client.get(body["next"]).get_json()
    assert [i["id"] for i in following["instances"]] == [first] and following["next"] is None
    assert [i["id"] for i in client.get(following["previous"]).get_json()["instances"]] == [d2, third]
    district = client.get("/api/v1/instances?district=d1&category=service&status=running").get_json()
    assert [i["id"] for i in district["instances"]] == [third, other, first]


def test_the_api_keeps_to_the_callers_districts_and_refuses_bad_filters(app, api, found_messages):
    *_d1, d2 = found_messages
    body = api("intake_operator_d2").get("/api/v1/instances?q=مریم").get_json()
    assert [i["id"] for i in body["instances"]] == [d2]
    refused = api("central_pr").get("/api/v1/instances?started_from=1405-13-01")
    assert refused.status_code == 400 and "started_from" in refused.get_json()["details"]
    assert api("central_pr").get("/api/v1/instances?before=0").status_code == 400
    assert app.test_client().get("/api/v1/instances").status_code == 401


def test_the_api_description_lists_the_search(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    names = {p["name"] for p in document["paths"]["/instances"]["get"]["parameters"]}
    assert {"q", "status", "channel", "category", "started_from", "ended_to", "overdue",
            "after", "before", "per_page"} <= names
