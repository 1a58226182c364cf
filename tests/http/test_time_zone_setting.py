"""The TIMEZONE setting reaches what users see: the complaint reports' months, a period that
has begun or not, and the times on the page (they were Tehran's whatever the setting)."""
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from app import create_app
from app.demo import DEMO_PASSWORD
from http_support import alerts, location_path, page_text, translated
from models import District, clock

# 00:30 on 1405/01/01 (Nowruz) in Tehran; still 21:00 on 1404/12/29 in UTC.
NEAR_MIDNIGHT = datetime(2026, 3, 20, 21, 0)


@pytest.fixture
def utc_app(app):
    """A second app on the same database, its city on UTC."""
    other = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "TESTING": True,
                        "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test", "TIMEZONE": "UTC"})
    yield other
    other.extensions["db_engine"].dispose()


def logged_in(app, username):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def selected_month(response) -> str:
    return re.search(r'<option value="([^"]+)" selected>', response.get_data(as_text=True)).group(1)


def test_the_timezone_setting_decides_the_report_month_and_the_times_shown(app, utc_app):
    assert utc_app.extensions["bpmn_engine"].calendars.tz.key == "UTC"
    with app.extensions["db_sessions"]() as s:
        d1 = s.scalars(select(District).where(District.code == "d1")).one().id
    tehran, utc = logged_in(app, "pr_head_d1"), logged_in(utc_app, "pr_head_d1")
    clock.set_now(NEAR_MIDNIGHT)

    # The month offered by default is the one before today's: Esfand in Tehran, Bahman in UTC.
    assert selected_month(tehran.get("/reports/complaints")) == "1404/12"
    assert selected_month(utc.get("/reports/complaints")) == "1404/11"

    # Farvardin 1405 has begun in Tehran, not yet in UTC.
    refused = utc.post("/reports/complaints", data={"month": "1405/01", "district": d1},
                       follow_redirects=True)
    assert translated(utc_app, "The period has not begun yet.") in alerts(refused)
    made = tehran.post("/reports/complaints", data={"month": "1405/01", "district": d1})
    assert made.status_code == 303 and location_path(made).startswith("/reports/complaints/")

    # The report's generation time, in each city's local time.
    assert "۱۴۰۵/۰۱/۰۱ ۰۰:۳۰" in page_text(tehran.get("/reports/complaints"))
    assert "۱۴۰۴/۱۲/۲۹ ۲۱:۰۰" in page_text(utc.get("/reports/complaints"))
