"""An instance that goes to error is told, on /notifications, to the process owners who may
repair it (its district's, the city-wide ones), not to another district's; with the process,
the step, the failure in Persian and a link to the instance page; a retry that fails again
adds nothing (programmes/staff/incidents.py)."""
import re

from http_support import Arrange
from test_incidents_http import csrf, failed, read  # noqa: F401 - failed: the instance fixture

import pytest


@pytest.fixture
def owners(app):
    arrange = Arrange(app)
    arrange.create_user("process_owner_d1", "process_owner", "d1", "Owner of d1")
    arrange.create_user("process_owner_d2", "process_owner", "d2", "Owner of d2")


def incident_items(page: str) -> list[str]:
    return re.findall(r'<li[^>]*data-kind="incident".*?</li>', page, re.S)


def test_the_district_process_owner_sees_the_incident_notice_with_a_link(app, login, owners, failed):
    browser = login("process_owner_d1")
    page = browser.get("/notifications").get_data(as_text=True)
    [item] = incident_items(page)
    assert "خطا در پرونده" in item  # "Instance in error"
    assert f'href="/instances/{failed}"' in item
    assert "«Compute the total»" in item
    assert "مقداری برای اسکریپت معتبر نیست" in item  # ValueError, in Persian
    assert 'data-testid="bell-count">۱<' in page  # unread, on the bell
    assert browser.get(f"/instances/{failed}").status_code == 200


def test_a_process_owner_of_another_district_is_not_told(app, login, owners, failed):
    page = login("process_owner_d2").get("/notifications").get_data(as_text=True)
    assert incident_items(page) == []
    page = login("process_owner_d1").get("/notifications").get_data(as_text=True)
    assert len(incident_items(page)) == 1


def test_a_failed_retry_from_the_page_adds_no_second_notice(app, login, owners, failed):
    owner = login("process_owner_d1")
    page = owner.get(f"/instances/{failed}").get_data(as_text=True)
    response = owner.post(f"/instances/{failed}/operations/retry",
                          data={"csrf_token": csrf(page), "reason": "again"})
    assert response.status_code == 302
    assert read(app, failed)["failures"] == 2  # the same incident, failed again
    page = owner.get("/notifications").get_data(as_text=True)
    assert len(incident_items(page)) == 1


def test_the_settings_page_offers_channels_for_incidents(app, login, owners):
    page = login("process_owner_d1").get("/notifications/settings").get_data(as_text=True)
    assert 'name="incident-email"' in page
    assert "پرونده‌ای که با خطا متوقف شده و می‌توانم ترمیمش کنم" in page
