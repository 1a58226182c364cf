"""Staff find a 137 message by the tracking code a citizen reads out to them."""
from http_support import page_text
from test_message_137_pages import CODE, messages, start_on_the_staff_page  # noqa: F401 - fixture


def _started(login, db, district="d1"):
    return CODE.search(start_on_the_staff_page(login(f"intake_operator_{district}"), db, district)).group(0)


def test_a_tracking_code_typed_in_persian_digits_and_lower_case_opens_its_message(messages, login, db):
    code = _started(login, db)
    typed = code.lower().translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    response = login("feedback_unit_d1").get(f"/instances?code={typed}")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/instances/")
    assert code in page_text(login("feedback_unit_d1").get(response.headers["Location"]))


def test_another_districts_code_answers_like_an_unknown_one(messages, login, db):
    code = _started(login, db, "d1")
    other = login("feedback_unit_d2").get(f"/instances?code={code}")
    unknown = login("feedback_unit_d2").get("/instances?code=137-000000-ABCDEF")
    assert other.status_code == unknown.status_code == 404
    assert "پیامی با کد رهگیری" in page_text(other) and "پیامی با کد رهگیری" in page_text(unknown)
    assert 'href="/instances/' not in page_text(other)  # nothing of district 1 is listed
