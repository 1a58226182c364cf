"""The 137 intake channels (source 003: thirteen) at /admin/channels: administrators see and
extend them, bad input is answered in Persian with nothing changed, and the intake form offers
exactly the table's channels."""
import pytest
from sqlalchemy import func, select

from http_support import alerts, page_text, table_rows
from models import HumanTask, Instance, MessageChannel
from test_message_137_pages import INTAKE, messages, one, start_on_the_staff_page  # noqa: F401


@pytest.fixture
def admin(login):
    return login("admin")


def channel_count(app) -> int:
    with app.extensions["db_sessions"]() as session:
        return session.scalar(select(func.count()).select_from(MessageChannel))


def test_the_thirteen_channels_are_listed_and_an_administrator_adds_one(app, admin):
    page = admin.get("/admin/channels")
    assert page.status_code == 200
    rows = table_rows(page, "channels")
    assert len(rows) == 13 and rows[0][:2] == ["۱", "تماس تلفنی با ۱۳۷"]
    assert "درگاه‌های دریافت پیام ۱۳۷" in page_text(page)
    added = admin.post("/admin/channels", data={"code": "kiosk", "title_fa": "کیوسک خدمات شهری",
                                                "title_en": "Service kiosk"})
    assert added.status_code == 303
    after = admin.get("/admin/channels")
    assert table_rows(after, "channels")[-1] == ["۱۴", "کیوسک خدمات شهری", "Service kiosk", "kiosk"]
    assert "درگاه کیوسک خدمات شهری افزوده شد" in page_text(after)


@pytest.mark.parametrize("data, field_message", [
    ({"code": "phone", "title_fa": "تلفن دوم", "title_en": "Phone 2"}, "این کد از آنِ درگاه دیگری است."),
    ({"code": "Bad Code", "title_fa": "نو", "title_en": "New"}, "کد"),
    ({"code": "kiosk", "title_fa": "پیامک", "title_en": "Kiosk"}, "درگاه دیگری همین عنوان را دارد."),
    ({"code": "kiosk", "title_fa": "", "title_en": ""}, "عنوان فارسی"),
])
def test_bad_input_is_refused_in_persian_and_nothing_changes(app, admin, data, field_message):
    before = channel_count(app)
    response = admin.post("/admin/channels", data=data)
    assert response.status_code == 400
    page = page_text(response)
    assert "درگاه افزوده نشد" in page and field_message in page
    assert channel_count(app) == before


def test_only_an_administrator_may_keep_the_channels(app, login):
    refused = login("intake_operator_d1").get("/admin/channels")
    assert refused.status_code == 403 and alerts(refused)
    assert login("intake_operator_d1").post("/admin/channels", data={
        "code": "kiosk", "title_fa": "کیوسک", "title_en": "Kiosk"}).status_code == 403
    assert channel_count(app) == 13


def test_the_intake_form_offers_the_tables_channels_including_one_just_added(app, db, login, admin, messages):
    admin.post("/admin/channels", data={"code": "kiosk", "title_fa": "کیوسک خدمات شهری",
                                        "title_en": "Service kiosk"})
    operator = login("intake_operator_d1")
    start_on_the_staff_page(operator, db)
    instance = one(db, select(Instance))
    task = one(db, select(HumanTask).where(HumanTask.instance_id == instance.id))
    form = page_text(operator.get(f"/tasks/{task.id}"))
    for title in ("تماس تلفنی با ۱۳۷", "پیام‌رسان‌های داخلی (ایتا، بله، روبیکا)",
                  "گزارش ناظران و بازرسان میدانی", "کیوسک خدمات شهری"):
        assert title in form, title
    assert 'value="kiosk"' in form
    refused = operator.post(f"/tasks/{task.id}", data={**INTAKE, "channel": "pigeon"})
    assert refused.status_code == 400
    done = operator.post(f"/tasks/{task.id}", data={**INTAKE, "channel": "kiosk"})
    assert done.status_code == 302
    assert one(db, select(Instance)).data["channel"] == "kiosk"
