"""The connectors service tasks call, kept by administrators at /admin/connectors: listed with
their parameters and the names of their secrets (never a secret's value), bad input refused in
Persian with nothing saved, forbidden to everyone else."""
import pytest
from sqlalchemy import func, select

from http_support import page_text, table_rows
from models import Connector

GOOD = {"name": "oa_referral", "kind": "http", "title": "اتوماسیون اداری",
        "parameters": "subject, case_id", "method": "POST", "base_url": "https://oa.example.city",
        "path_template": "/referrals/${case_id}", "headers": "Authorization: Bearer ${secret:OA_TOKEN}",
        "body_template": '{"subject": "${subject}"}', "expected_statuses": "200,201",
        "response_mapping": "letter_number=data.number", "timeout_seconds": "5", "enabled": "on"}
SECRET = "the-real-token-value-1234"


@pytest.fixture
def admin(login):
    return login("admin")


def connector_count(app) -> int:
    with app.extensions["db_sessions"]() as session:
        return session.scalar(select(func.count()).select_from(Connector))


def test_an_administrator_adds_a_connector_and_sees_its_secret_named_not_its_value(app, admin):
    app.config["CONNECTOR_SECRETS"] = {"OA_TOKEN": SECRET}
    assert admin.get("/admin/connectors").status_code == 200
    added = admin.post("/admin/connectors", data=GOOD)
    assert added.status_code == 303
    page = admin.get("/admin/connectors")
    [row] = table_rows(page, "connectors")
    assert row[0] == "oa_referral" and "subject, case_id" in row and "OA_TOKEN" in row
    assert "oa_referral" in page_text(page) and SECRET not in page.get_data(as_text=True)
    with app.extensions["db_sessions"]() as session:
        connector = session.scalars(select(Connector)).one()
        assert connector.headers == {"Authorization": "Bearer ${secret:OA_TOKEN}"}
        edit = admin.get(f"/admin/connectors/{connector.id}")
    assert edit.status_code == 200 and SECRET not in edit.get_data(as_text=True)


@pytest.mark.parametrize("change, field_message", [
    ({"name": "Bad Name"}, "نام"),
    ({"base_url": "ftp://oa.example.city"}, "نشانی"),
    ({"base_url": "https://user:pass@oa.example.city"}, "نشانی"),
    ({"headers": "Authorization: Bearer the-real-token-value-1234"}, "secret"),
    ({"body_template": "{not json"}, "JSON"),
    ({"expected_statuses": "ok"}, "200"),
    ({"response_mapping": "no pairs here"}, "target=path"),
    ({"timeout_seconds": "9999"}, "۱۲۰"),
    ({"kind": "fax"}, "پیامک"),
])
def test_bad_input_is_refused_in_persian_and_nothing_is_saved(app, admin, change, field_message):
    response = admin.post("/admin/connectors", data={**GOOD, **change})
    assert response.status_code == 400
    page = page_text(response)
    assert "اتصال ذخیره نشد" in page and field_message in page
    assert connector_count(app) == 0


def test_a_second_connector_of_the_same_name_is_refused(app, admin):
    admin.post("/admin/connectors", data=GOOD)
    response = admin.post("/admin/connectors", data={**GOOD, "title": "another"})
    assert response.status_code == 400 and connector_count(app) == 1


def test_only_an_administrator_may_keep_the_connectors(app, login):
    for username in ("process_owner", "intake_operator_d1"):
        client = login(username)
        assert client.get("/admin/connectors").status_code == 403
        assert client.post("/admin/connectors", data=GOOD).status_code == 403
    assert connector_count(app) == 0


def test_an_unknown_connector_page_is_404(app, admin):
    assert admin.get("/admin/connectors/999999").status_code == 404
