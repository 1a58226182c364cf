"""Printed official letters (app/letters, records/letters.py): the rebuttal to the press, the
answer to a complainant, the press invitation and a quality record, as PDF and as a page, each
numbered once from its district's sequence of the Solar Hijri year; refused to other districts."""
import io
import re
from datetime import datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from http_support import ANNOUNCEMENT, EXAMINATION, REVIEW_APPROVE
from models import Letter, LetterCounter, QualityRecord, clock
from path_support import deploy, drive, html_form, ready_task, start_on_page
from workcal import jalali

NEWS = {"headline": "افتتاح بوستان محله", "lead": "بوستان محله امروز افتتاح شد.",
        "body": "متن کامل خبر", "source_unit": "معاونت فنی و عمرانی",
        "photos_description": "سه عکس از مراسم", "priority": "important"}
RELEASE = {"channels": ["website", "press"], "released_on": "2025-08-12",
           "released_time": "12:00", "release_url": "https://district1.example.ir/news/43"}
MISREPORTED = {"coverage": [{"outlet": "خبرگزاری ایرنا", "published_on": "2025-08-13",
                             "headline": "افتتاح بوستان", "accurate": "no",
                             "link": "https://example.ir/n/1"}],
               "monitoring_note": "تاریخ افتتاح نادرست نوشته شده است."}
REBUTTAL = {"outlet": "خبرگزاری ایرنا", "misreported_text": "بوستان سال آینده افتتاح می‌شود.",
            "correct_text": "بوستان امروز افتتاح شد.", "letter_number": "۴۵۶/ر",
            "letter_date": "2025-08-14"}
SCHEDULE = {"conference_date": "2025-09-01", "conference_time": "10:00",
            "conference_place": "سالن جلسات شهرداری منطقه", "topics": "طرح‌های عمرانی",
            "schedule_note": ""}
INVITATION = {"invited_on": "2025-08-25", "invitation_text": "از خبرنگاران محترم دعوت می‌شود.",
              "invited_media": [{"outlet": "روزنامه عصر", "reporter": "مریم کاظمی",
                                 "contact": "news@example.ir"}]}


def solar_year() -> int:
    return jalali.solar_parts(jalali.local_date(clock.now()))[0]


def fa(text) -> str:
    return jalali.to_persian_digits(str(text))


def rebuttal_to_sign(app, login, district="d1") -> int:
    """A news instance whose rebuttal waits for the district mayor's signature; its id."""
    expert, head = login(f"pr_expert_{district}"), login(f"pr_head_{district}")
    instance_id = start_on_page(expert, "news", district)
    drive(expert, instance_id, "Task_prepare_news", NEWS)
    drive(head, instance_id, "Task_review_news", {"news_decision": "approve", "news_review_reason": ""})
    drive(expert, instance_id, "Task_release_news", RELEASE)
    drive(expert, instance_id, "Task_monitor_press", MISREPORTED)
    drive(expert, instance_id, "Task_draft_rebuttal", REBUTTAL)
    return instance_id


def answered_complaint(arrange, district="d1") -> int:
    """A complaint whose answer the PR head approved; the instance id."""
    instance_id, examination = arrange.registered_service_instance(district)
    arrange.complete(examination.id, f"pr_expert_{district}", EXAMINATION)
    arrange.complete(arrange.only_open_task(instance_id).id, f"pr_head_{district}", REVIEW_APPROVE)
    return instance_id


def issue(browser, url) -> int:
    response = browser.post(url)
    assert response.status_code == 303, response.status_code
    return int(re.fullmatch(r".*/letters/(\d+)", response.headers["Location"]).group(1))


def pdf_text(browser, letter_id) -> str:
    response = browser.get(f"/letters/{letter_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    body = response.get_data()
    assert body.startswith(b"%PDF")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def number_shown(html: str) -> str:
    match = re.search(r'<bdi dir="ltr" data-testid="letter-number">([^<]*)</bdi>', html)
    assert match, html[:2000]
    return match.group(1)


@pytest.fixture
def news(app):
    return deploy(app, "news")


def test_the_rebuttal_letter_is_numbered_once_and_printed_as_a_pdf_with_its_number(app, news, login):
    instance_id = rebuttal_to_sign(app, login)
    mayor = login("district_mayor_d1")
    sign = ready_task(app, instance_id, "Task_sign_rebuttal")
    page = mayor.get(f"/tasks/{sign.id}").get_data(as_text=True)
    assert 'data-testid="letter-press_rebuttal"' in page and 'data-testid="letter-print"' in page

    letter_id = issue(mayor, f"/letters/instances/{instance_id}/press_rebuttal")
    year = solar_year()
    html = mayor.get(f"/letters/{letter_id}").get_data(as_text=True)
    assert number_shown(html) == fa(f"d1/{year}/1")
    assert REBUTTAL["correct_text"] in html and "مدیر مسئول محترم خبرگزاری ایرنا" in html
    assert not re.search(r"\d{4}-\d{2}-\d{2}", html)  # the date is Solar Hijri, Persian digits
    # printed again, by someone else too: the same letter and number, no new one
    assert issue(mayor, f"/letters/instances/{instance_id}/press_rebuttal") == letter_id
    assert issue(login("pr_expert_d1"), f"/letters/instances/{instance_id}/press_rebuttal") == letter_id
    with app.extensions["db_sessions"]() as s:
        assert s.scalar(select(LetterCounter.last_serial)) == 1
        assert [lt.number for lt in s.scalars(select(Letter))] == [f"d1/{year}/1"]
    text = jalali.to_ascii_digits(pdf_text(mayor, letter_id))
    assert f"d1/{year}/1" in text
    # the task page now links to the numbered letter
    page = mayor.get(f"/tasks/{sign.id}").get_data(as_text=True)
    assert f'href="/letters/{letter_id}.pdf"' in page and fa(f"d1/{year}/1") in page


def test_complaint_answers_are_numbered_per_district_and_per_solar_hijri_year(app, arrange, login):
    first_d1, first_d2, second_d1 = (answered_complaint(arrange, d) for d in ("d1", "d2", "d1"))
    year = solar_year()
    numbers = []
    for instance_id, district in ((first_d1, "d1"), (first_d2, "d2"), (second_d1, "d1")):
        browser = login(f"pr_expert_{district}")
        letter_id = issue(browser, f"/letters/instances/{instance_id}/complaint_answer")
        html = browser.get(f"/letters/{letter_id}").get_data(as_text=True)
        assert EXAMINATION["answer_text"] in html and "مریم احمدی" in html
        numbers.append(number_shown(html))
    assert numbers == [fa(f"d1/{year}/1"), fa(f"d2/{year}/1"), fa(f"d1/{year}/2")]
    # the next Solar Hijri year (1 Farvardin) starts again from 1
    third_d1 = answered_complaint(arrange, "d1")
    clock.set_now(datetime.combine(jalali.solar_to_gregorian(year + 1, 1, 2), datetime.min.time())
                  .replace(hour=8))
    browser = login("pr_expert_d1")
    letter_id = issue(browser, f"/letters/instances/{third_d1}/complaint_answer")
    assert number_shown(browser.get(f"/letters/{letter_id}").get_data(as_text=True)) == fa(f"d1/{year + 1}/1")


def test_the_complaint_answer_prints_as_a_pdf_and_shows_on_the_announcement_task(app, arrange, login):
    instance_id = answered_complaint(arrange)
    expert = login("pr_expert_d1")
    announce = arrange.only_open_task(instance_id)
    assert 'data-testid="letter-complaint_answer"' in expert.get(f"/tasks/{announce.id}").get_data(as_text=True)
    letter_id = issue(expert, f"/letters/instances/{instance_id}/complaint_answer")
    assert f"d1/{solar_year()}/1" in jalali.to_ascii_digits(pdf_text(expert, letter_id))
    arrange.complete(announce.id, "pr_expert_d1", ANNOUNCEMENT)
    # on the instance page after the end, the same number
    page = expert.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert f'href="/letters/{letter_id}"' in page


def test_the_press_invitation_names_the_media_and_the_schedule(app, login):
    deploy(app, "press_conference")
    head, mayor, expert = login("pr_head_d1"), login("district_mayor_d1"), login("pr_expert_d1")
    instance_id = start_on_page(head, "press_conference", "d1")
    drive(head, instance_id, "Task_schedule_conference", SCHEDULE)
    drive(mayor, instance_id, "Task_approve_schedule", {"schedule_decision": "approve",
                                                         "schedule_decision_note": ""})
    instance_page = expert.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert 'data-testid="letter-press_invitation"' not in instance_page  # no text yet
    assert expert.post(f"/letters/instances/{instance_id}/press_invitation").status_code == 404
    drive(expert, instance_id, "Task_send_invitation", INVITATION)
    letter_id = issue(expert, f"/letters/instances/{instance_id}/press_invitation")
    html = expert.get(f"/letters/{letter_id}").get_data(as_text=True)
    assert INVITATION["invitation_text"] in html and "مریم کاظمی" in html
    assert SCHEDULE["conference_place"] in html and "۱۴۰۴/۰۶/۱۰" in html  # 2025-09-01
    assert pdf_text(expert, letter_id)


def test_a_quality_record_prints_with_its_code_and_values(app, arrange, login):
    instance_id, _ = arrange.registered_service_instance("d1")
    with app.extensions["db_sessions"]() as s:
        record_id = s.scalars(select(QualityRecord.id).where(QualityRecord.instance_id == instance_id)).one()
    expert = login("pr_expert_d1")
    page = expert.get(f"/records/{record_id}").get_data(as_text=True)
    assert 'data-testid="letter-quality_record"' in page
    letter_id = issue(expert, f"/letters/records/{record_id}")
    html = expert.get(f"/letters/{letter_id}").get_data(as_text=True)
    assert 'data-testid="letter-record-code">F-01-0-5-01<' in html
    assert "مریم احمدی" in html and "چاله در خیابان" in html
    assert pdf_text(expert, letter_id)
    assert issue(expert, f"/letters/records/{record_id}") == letter_id


def test_another_district_and_unknown_ids_are_refused_with_a_page_never_a_500(app, arrange, login):
    instance_id = answered_complaint(arrange, "d1")
    with app.extensions["db_sessions"]() as s:
        record_id = s.scalars(select(QualityRecord.id).where(QualityRecord.instance_id == instance_id)).one()
    letter_id = issue(login("pr_expert_d1"), f"/letters/instances/{instance_id}/complaint_answer")
    other = login("pr_expert_d2")
    for method, url, status in (
            ("post", f"/letters/instances/{instance_id}/complaint_answer", 403),
            ("get", f"/letters/{letter_id}", 403), ("get", f"/letters/{letter_id}.pdf", 403),
            ("post", f"/letters/records/{record_id}", 404)):
        response = getattr(other, method)(url)
        assert response.status_code == status, url
        assert 'data-testid="error"' in response.get_data(as_text=True)
    expert = login("pr_expert_d1")
    for method, url in (("get", "/letters/99999999999999999999"),
                        ("get", "/letters/99999999999999999999.pdf"),
                        ("get", "/letters/0"),
                        ("post", "/letters/instances/99999999999999999999/complaint_answer"),
                        ("post", "/letters/records/99999999999999999999"),
                        ("post", f"/letters/instances/{instance_id}/no_such_kind"),
                        ("post", f"/letters/instances/{instance_id}/press_rebuttal")):
        response = getattr(expert, method)(url)
        assert response.status_code == 404, url
        assert 'data-testid="error"' in response.get_data(as_text=True)
    # the auditor sees the letter but gives no number
    auditor = login("auditor")
    assert auditor.get(f"/letters/{letter_id}").status_code == 200
    assert auditor.post(f"/letters/records/{record_id}").status_code == 403
    with app.extensions["db_sessions"]() as s:
        assert s.scalar(select(LetterCounter.last_serial)) == 1


# --- the number issued for the case's letter fills the field letter_number of its forms ------

FORGED = "۹۹۹/جعلی"


def number_field(browser, task_id, page: str | None = None) -> tuple[str, bool]:
    """The letter_number input of a task page (or of this page): its value and whether it is
    read-only."""
    page = page or browser.get(f"/tasks/{task_id}").get_data(as_text=True)
    tag = re.search(r'<input class="form-control" type="text" id="[^"]*" name="letter_number" '
                    r'value="([^"]*)"([^>]*)>', page)
    assert tag, page[-3000:]
    return tag.group(1), " readonly" in tag.group(2)


def stored_number(app, task_id) -> str:
    """letter_number as the completed task keeps it (its task_completed event) and as the
    instance's data has it."""
    from engine import task_data
    from models import HumanTask, Instance
    with app.extensions["db_sessions"]() as s:
        task = s.get(HumanTask, task_id)
        kept = task_data(s, task)["letter_number"]
        assert s.get(Instance, task.instance_id).data["letter_number"] == kept
        return kept


def test_the_announcement_shows_the_printed_answers_number_read_only_and_keeps_it_over_a_forged_one(
        app, arrange, login):
    instance_id = answered_complaint(arrange)
    expert = login("pr_expert_d1")
    announce = arrange.only_open_task(instance_id)
    # no letter printed yet: the field is typed as before (a letter sent on paper)
    assert number_field(expert, announce.id) == ("", False)
    assert "شماره نامه کاغذی را بنویسید" in expert.get(f"/tasks/{announce.id}").get_data(as_text=True)

    letter_id = issue(expert, f"/letters/instances/{instance_id}/complaint_answer")
    number = f"d1/{solar_year()}/1"
    assert number_field(expert, announce.id) == (number, True)
    done = expert.post(f"/tasks/{announce.id}", data=html_form({**ANNOUNCEMENT, "letter_number": FORGED}))
    assert done.status_code == 302, done.get_data(as_text=True)[-2000:]
    assert stored_number(app, announce.id) == number
    with app.extensions["db_sessions"]() as s:  # the follow-up record F-5-01 has it too
        record = s.scalars(select(QualityRecord).where(QualityRecord.instance_id == instance_id)).one()
        assert record.data["followup"][-1]["data"]["letter_number"] == number
    assert issue(expert, f"/letters/instances/{instance_id}/complaint_answer") == letter_id


def test_without_a_printed_letter_the_announcement_keeps_the_typed_number(app, arrange, login):
    instance_id = answered_complaint(arrange)
    announce = arrange.only_open_task(instance_id)
    done = login("pr_expert_d1").post(f"/tasks/{announce.id}", data=html_form(ANNOUNCEMENT))
    assert done.status_code == 302
    assert stored_number(app, announce.id) == ANNOUNCEMENT["letter_number"]


def test_a_returned_rebuttal_shows_the_printed_letters_number_read_only_and_keeps_it_over_a_forged_one(
        app, news, login, api):
    instance_id = rebuttal_to_sign(app, login)
    mayor, expert = login("district_mayor_d1"), login("pr_expert_d1")
    letter_id = issue(mayor, f"/letters/instances/{instance_id}/press_rebuttal")
    drive(mayor, instance_id, "Task_sign_rebuttal",
          {"signoff_decision": "return", "signoff_note": "تاریخ را هم بنویسید."})
    again = ready_task(app, instance_id, "Task_draft_rebuttal")
    number = f"d1/{solar_year()}/1"
    assert number_field(expert, again.id) == (number, True)
    # the API shows it as well; a post without the (required) field is not refused for it
    shown = api("pr_expert_d1").get(f"/api/v1/tasks/{again.id}").get_json()
    assert shown["data"]["letter_number"] == number
    without = {k: v for k, v in REBUTTAL.items() if k != "letter_number"}
    refused = expert.post(f"/tasks/{again.id}", data=html_form(
        {**without, "correct_text": "", "letter_number": FORGED}))
    assert refused.status_code == 400  # shown again with the server's number, not the post's
    assert number_field(expert, again.id, refused.get_data(as_text=True)) == (number, True)
    done = expert.post(f"/tasks/{again.id}", data=html_form({**without, "letter_number": FORGED}))
    assert done.status_code == 302, done.get_data(as_text=True)[-2000:]
    assert stored_number(app, again.id) == number
    assert issue(mayor, f"/letters/instances/{instance_id}/press_rebuttal") == letter_id


def test_the_api_cannot_forge_the_number_of_a_printed_letter_either(app, arrange, login, api):
    instance_id = answered_complaint(arrange)
    issue(login("pr_expert_d1"), f"/letters/instances/{instance_id}/complaint_answer")
    announce = arrange.only_open_task(instance_id)
    done = api("pr_expert_d1").post(f"/api/v1/tasks/{announce.id}/complete",
                                    json={"data": {**ANNOUNCEMENT, "letter_number": FORGED}})
    assert done.status_code == 200, done.get_json()
    assert stored_number(app, announce.id) == f"d1/{solar_year()}/1"
