"""Quality records: the list of a user's districts with its filters, one record, CSV and XLSX."""
import csv
import io
import re
from datetime import date, datetime, timedelta

import openpyxl
import pytest

from http_support import REGISTER_SERVICE, alerts, location_path, page_text, table_rows, translated
from models import QualityRecord

COMPLAINT = "F-__-0-5-01"
NEWS = "F-__-0-2-14"
COMPLAINT_TITLE = "فرم پیگیری شکایت شهروندان"


@pytest.fixture
def add_record(app, arrange):
    """Insert a quality record directly (for dates, codes and counts a process can't choose)."""
    def add(code=COMPLAINT, district="d1", created_at=datetime(2024, 5, 1, 8, 0), data=None,
            by="pr_expert_d1"):
        district_id, user_id = arrange.district_id(district), arrange.user_id(by)
        with app.extensions["db_sessions"]() as session:
            record = QualityRecord(code=code, district_id=district_id, created_at=created_at,
                                   data=data if data is not None else {"subject": "آزمایش"},
                                   created_by_id=user_id,
                                   retention_until=created_at.date() + timedelta(days=365))
            session.add(record)
            session.commit()
            return record.id
    return add


def registered_complaint(arrange, district="d1") -> int:
    """Run the complaints process through registration; return the record's instance id."""
    instance_id, _examination = arrange.registered_service_instance(district)
    return instance_id


def record_links(response) -> list[int]:
    """Ids of the records linked from a page, in page order."""
    return [int(i) for i in re.findall(r'href="/records/(\d+)"', response.get_data(as_text=True))]


def read_csv(response) -> list[dict]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_list_shows_the_records_of_the_users_district_only(app, arrange, login):
    own = registered_complaint(arrange, "d1")
    other = registered_complaint(arrange, "d2")
    response = login("pr_expert_d1").get("/records")
    assert response.status_code == 200
    rows = table_rows(response, "records")
    assert len(rows) == 1
    code, title, district, instance, created, by, keep_until = rows[0]
    assert (code, title, district) == ("F-01-0-5-01", COMPLAINT_TITLE, "منطقه ۱")
    assert instance.endswith("#" + str(own).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
    assert by == arrange.display_name("pr_expert_d1")
    assert re.fullmatch(r"[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2} [۰-۹]{2}:[۰-۹]{2}", created)
    assert re.fullmatch(r"[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2}", keep_until)
    body = response.get_data(as_text=True)
    assert f'href="/instances/{own}"' in body and f'href="/instances/{other}"' not in body
    assert "سوابق کیفیت" in page_text(login("pr_expert_d1").get("/"))  # the nav link


def test_city_wide_user_sees_both_districts_and_can_narrow_to_one(app, arrange, login):
    registered_complaint(arrange, "d1")
    registered_complaint(arrange, "d2")
    browser = login("central_pr")
    codes = [row[0] for row in table_rows(browser.get("/records"), "records")]
    assert sorted(codes) == ["F-01-0-5-01", "F-02-0-5-01"]
    narrowed = browser.get(f"/records?district={arrange.district_id('d2')}")
    assert [row[0] for row in table_rows(narrowed, "records")] == ["F-02-0-5-01"]


def test_district_staff_cannot_filter_to_another_district(arrange, login, add_record):
    add_record(district="d2")
    response = login("pr_expert_d1").get(f"/records?district={arrange.district_id('d2')}")
    assert response.status_code == 400
    assert 'data-testid="records"' not in response.get_data(as_text=True)


def test_filter_by_code(arrange, login, add_record):
    complaint = add_record(COMPLAINT)
    news = add_record(NEWS)
    browser = login("pr_expert_d1")
    assert sorted(record_links(browser.get("/records"))) == sorted([complaint, news])
    response = browser.get("/records", query_string={"code": NEWS})
    assert record_links(response) == [news]
    assert table_rows(response, "records")[0][:2] == ["F-01-0-2-14", "فرم تهیه خبر"]
    assert f'<option value="{NEWS}" selected>' in response.get_data(as_text=True)


def test_filter_by_solar_hijri_dates_counts_days_in_tehran_time(arrange, login, add_record):
    # 1403/01/01 is 2024-03-20; Tehran is UTC+03:30, so 21:00 UTC on the 19th is already the 20th.
    add_record(created_at=datetime(2024, 3, 19, 10, 0))                 # 1402/12/29
    first_day = add_record(created_at=datetime(2024, 3, 19, 21, 0))     # 1403/01/01 00:30
    in_month = add_record(created_at=datetime(2024, 4, 15, 9, 0))       # 1403/01/27
    add_record(created_at=datetime(2024, 4, 19, 20, 31))                # 1403/02/01 00:01
    browser = login("pr_expert_d1")
    persian = browser.get("/records", query_string={"from": "۱۴۰۳/۰۱/۰۱", "to": "۱۴۰۳/۰۱/۳۱"})
    assert persian.status_code == 200
    assert record_links(persian) == [in_month, first_day]  # newest first
    latin = browser.get("/records", query_string={"from": "1403/1/1", "to": "1403/01/31"})
    assert record_links(latin) == [in_month, first_day]
    gregorian = browser.get("/records", query_string={"from": "2024-03-20", "to": "2024-04-19"})
    assert record_links(gregorian) == [in_month, first_day]


@pytest.mark.parametrize("query", [{"from": "1403/13/40"}, {"to": "yesterday"},
                                   {"from": "2024-02-30"}])
def test_a_bad_date_is_400_with_a_message(app, arrange, login, add_record, query):
    add_record()
    response = login("pr_expert_d1").get("/records", query_string=query)
    assert response.status_code == 400
    value = next(iter(query.values()))
    expected = translated(app, "The date {value} is not valid: write it like 1403/05/20 or 2024-08-10.")
    assert expected.format(value=value) in alerts(response)
    assert f'value="{value}"' in response.get_data(as_text=True)  # kept in the form to correct


def test_dates_in_the_wrong_order_and_unknown_codes_are_400(app, arrange, login):
    browser = login("pr_expert_d1")
    swapped = browser.get("/records", query_string={"from": "1403/02/01", "to": "1403/01/01"})
    assert swapped.status_code == 400
    assert translated(app, "The start date is after the end date.") in alerts(swapped)
    unknown = browser.get("/records", query_string={"code": "F-99"})
    assert unknown.status_code == 400
    assert translated(app, "Unknown record code {value}.").format(value="F-99") in alerts(unknown)


def test_the_list_pages_by_fifty_newest_first(arrange, login, add_record):
    ids = [add_record(created_at=datetime(2024, 5, 1) + timedelta(minutes=i)) for i in range(51)]
    browser = login("pr_expert_d1")
    first = browser.get("/records")
    assert record_links(first) == ids[::-1][:50]
    second = browser.get("/records?page=2")
    assert record_links(second) == [ids[0]]


def test_a_record_shows_its_fields_with_persian_labels_and_register_metadata(app, arrange, login):
    instance_id = registered_complaint(arrange, "d1")
    browser = login("complaints_expert_d1")
    record_id = record_links(browser.get("/records"))[0]
    response = browser.get(f"/records/{record_id}")
    assert response.status_code == 200
    fields = dict(row[:2] for row in table_rows(response, "record-fields"))
    assert fields["نام و نام خانوادگی شاکی"] == REGISTER_SERVICE["complainant_name"]
    assert fields["نحوه دریافت شکایت"] == "تلفنی"          # the option's label, not "phone"
    assert fields["نوع شکایت"] == "خدمات"
    assert fields["شرح شکایت"] == REGISTER_SERVICE["description"]
    body = page_text(response)
    assert "F-01-0-5-01" in body and COMPLAINT_TITLE in body
    assert "واحد ارزیابی عملکرد و پاسخگویی به شکایات" in body       # where it is kept
    assert "کارشناس پاسخگویی به شکایات" in body                    # who is responsible
    assert "۲۴" in body                                              # kept 24 months
    assert f'href="/instances/{instance_id}"' in response.get_data(as_text=True)


def test_another_districts_record_is_404_like_a_missing_one(arrange, login, add_record):
    other = add_record(district="d2", by="pr_expert_d2")
    browser = login("pr_expert_d1")
    assert browser.get(f"/records/{other}").status_code == 404
    assert browser.get(f"/records/{other + 1000}").status_code == 404
    assert login("pr_expert_d2").get(f"/records/{other}").status_code == 200
    assert login("central_pr").get(f"/records/{other}").status_code == 200


def test_anonymous_users_are_sent_to_log_in(app):
    client = app.test_client()
    for url in ("/records", "/records/1", "/records/export.csv", "/records/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert location_path(response).startswith("/login"), url


def test_csv_export_has_the_filtered_records_with_one_column_per_field(app, arrange, login, add_record):
    registered_complaint(arrange, "d1")
    registered_complaint(arrange, "d2")
    news = add_record(NEWS)
    response = login("pr_expert_d1").get("/records/export.csv", query_string={"code": COMPLAINT})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert len(rows) == 1
    row = rows[0]

    def col(name):  # the headers are in the page's language
        return row[translated(app, name)]

    assert col("Code") == "F-01-0-5-01"
    assert col("Title") == COMPLAINT_TITLE
    assert col("District") == "منطقه ۱"
    assert col("Process") == "complaints"
    assert col("Created by") == arrange.display_name("pr_expert_d1")
    created_iso = datetime.fromisoformat(col("Created (ISO)"))
    assert created_iso.utcoffset() == timedelta(hours=3, minutes=30)
    assert re.fullmatch(r"1[34]\d\d/\d\d/\d\d \d\d:\d\d", col("Created (Solar Hijri)"))
    assert date.fromisoformat(col("Keep until (ISO)")) > created_iso.date()
    assert row["نام و نام خانوادگی شاکی"] == REGISTER_SERVICE["complainant_name"]
    assert row["نحوه دریافت شکایت"] == "تلفنی"
    assert str(news) not in [r[translated(app, "ID")] for r in rows]


def test_csv_export_of_mixed_codes_has_a_column_per_field_label_and_honours_the_dates(
        app, arrange, login, add_record):
    add_record(NEWS, created_at=datetime(2024, 4, 1, 8, 0), data={"headline": "خبر"})
    add_record(COMPLAINT, created_at=datetime(2024, 6, 1, 8, 0))
    add_record(NEWS, district="d2", created_at=datetime(2024, 4, 1, 8, 0), by="pr_expert_d2")
    response = login("pr_expert_d1").get("/records/export.csv",
                                         query_string={"from": "۱۴۰۳/۰۱/۰۱", "to": "۱۴۰۳/۰۱/۳۱"})
    rows = read_csv(response)
    assert [r[translated(app, "Code")] for r in rows] == ["F-01-0-2-14"]
    assert translated(app, "Values") not in rows[0]  # no JSON column: a column per field
    headline = [label for label, value in rows[0].items() if value == "خبر"]
    assert headline and headline[0] != "headline"  # under its label, not its key


def test_csv_export_with_a_bad_date_is_400(app, arrange, login):
    response = login("pr_expert_d1").get("/records/export.csv", query_string={"to": "1403/00/00"})
    assert response.status_code == 400
    assert response.mimetype == "text/html"


def test_exports_keep_a_citizens_formula_as_text(app, arrange, login, add_record):
    add_record(data={"subject": "=HYPERLINK(\"http://evil\")"})
    browser = login("pr_expert_d1")
    csv_rows = read_csv(browser.get("/records/export.csv", query_string={"code": COMPLAINT}))
    assert csv_rows[0]["موضوع شکایت"] == "'=HYPERLINK(\"http://evil\")"
    book = openpyxl.load_workbook(io.BytesIO(browser.get("/records/export.xlsx",
                                                         query_string={"code": COMPLAINT}).get_data()))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("موضوع شکایت") + 1)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_xlsx_export_opens_right_to_left_with_the_rows(app, arrange, login, add_record):
    registered_complaint(arrange, "d1")
    registered_complaint(arrange, "d2")
    response = login("central_pr").get("/records/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active
    assert sheet.sheet_view.rightToLeft
    rows = list(sheet.iter_rows(values_only=True))
    header, lines = rows[0], rows[1:]
    assert header[:3] == tuple(translated(app, name) for name in ("ID", "Code", "Title"))
    assert sorted(line[1] for line in lines) == ["F-01-0-5-01", "F-02-0-5-01"]
    name_column = header.index("نام و نام خانوادگی شاکی")
    assert {line[name_column] for line in lines} == {REGISTER_SERVICE["complainant_name"]}


def test_a_record_is_shown_with_the_labels_of_the_form_version_it_was_filled_in(app, arrange, login):
    from sqlalchemy import select

    from formjs import versions as form_versions
    from formjs.forms import load_form_file
    from people.accounts import find_user
    instance_id = registered_complaint(arrange)
    schema = load_form_file("complaint_register")
    [subject] = [c for c in schema["components"] if c.get("key") == "subject"]
    old_label, subject["label"] = subject["label"], "عنوان در نسخه تازه"
    with app.extensions["db_sessions"]() as session:
        form_versions.save_version(session, "complaint_register", schema, find_user(session, "process_owner"))
        session.commit()
        record_id = session.scalars(select(QualityRecord.id).where(
            QualityRecord.instance_id == instance_id)).one()
    page = login("pr_expert_d1").get(f"/records/{record_id}").get_data(as_text=True)
    assert old_label in page and "عنوان در نسخه تازه" not in page
