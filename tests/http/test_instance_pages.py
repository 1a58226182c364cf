"""Starting processes, the instance page with its diagram and history, the instance list."""
import re
from datetime import timedelta

import jdatetime
import pytest

from http_support import (PROCESSES, REGISTER_SERVICE, alerts, location_path, page_text, table_rows,
                          translated)

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def test_start_page_lists_deployed_processes_with_a_start_form(complaints, oversight, login):
    response = login("pr_expert_d1").get("/processes")
    assert response.status_code == 200
    body = page_text(response)
    assert "رسیدگی به شکایات" in body and "Oversight" in body
    assert 'action="/processes/complaints/start"' in body
    assert 'action="/processes/oversight/start"' in body
    assert 'data-testid="start-complaints"' in body


def test_start_page_offers_only_the_users_districts(arrange, login):
    body = login("pr_expert_d1").get("/processes").get_data(as_text=True)
    assert f'<option value="{arrange.district_id("d1")}">' in body
    assert f'<option value="{arrange.district_id("d2")}">' not in body
    city = login("central_pr").get("/processes").get_data(as_text=True)
    for code in ("d1", "d2"):
        assert f'<option value="{arrange.district_id(code)}">' in city


def test_start_page_says_so_when_nothing_is_deployed(app, login):
    response = login("pr_expert_d1").get("/processes")
    assert response.status_code == 200
    assert translated(app, "No process is deployed yet.") in page_text(response)


def test_starting_in_own_district_opens_the_instance_page(app, arrange, login):
    browser = login("pr_expert_d1")
    response = browser.post("/processes/complaints/start",
                            data={"district": arrange.district_id("d1"), "title": "  شکایت آقای رضایی "})
    assert response.status_code == 303
    match = re.fullmatch(r"/instances/(\d+)", location_path(response))
    assert match
    instance = arrange.instance(int(match.group(1)))
    assert (instance.process_key, instance.district_id, instance.status, instance.title) == (
        "complaints", arrange.district_id("d1"), "running", "شکایت آقای رضایی")
    assert instance.started_by_id == arrange.user_id("pr_expert_d1")
    task = arrange.only_open_task(instance.id)
    assert (task.task_spec, task.role) == ("Task_register_complaint", "pr_expert")
    page = browser.get(location_path(response))
    # a complaint is followed by its code from the start: the clerk reads it out to the citizen
    assert translated(app, "Process started. Tracking code: %(code)s",
                      code=instance.tracking_code) in alerts(page)


def test_starting_without_a_title_uses_the_process_name(arrange, login):
    response = login("pr_expert_d1").post("/processes/complaints/start",
                                          data={"district": arrange.district_id("d1")})
    instance_id = int(location_path(response).rsplit("/", 1)[1])
    assert arrange.instance(instance_id).title == "رسیدگی به شکایات"


@pytest.mark.parametrize("district", ["d2", "missing", "none"])
def test_starting_outside_own_districts_is_refused_and_creates_nothing(arrange, login, district):
    form = {"d2": {"district": arrange.district_id("d2")}, "missing": {"district": 999999},
            "none": {}}[district]
    browser = login("pr_expert_d1")
    response = browser.post("/processes/complaints/start", data=form)
    assert response.status_code == 303
    assert location_path(response) == "/processes"
    assert len(alerts(browser.get("/processes"))) == 1
    assert arrange.instance_count() == 0


def test_starting_an_unknown_process_is_refused(arrange, login):
    browser = login("pr_expert_d1")
    response = browser.post("/processes/nope/start", data={"district": arrange.district_id("d1")})
    assert location_path(response) == "/processes"
    [message] = alerts(browser.get("/processes"))
    assert "nope" in message
    assert arrange.instance_count() == 0


def test_instance_page_shows_status_current_tasks_history_and_diagram(app, arrange, login):
    instance_id = arrange.start("d1", title="شکایت نمونه")
    task = arrange.only_open_task(instance_id)
    response = login("pr_expert_d1").get(f"/instances/{instance_id}")
    assert response.status_code == 200
    body = page_text(response)
    assert 'data-testid="instance-status" data-status="running"' in body
    assert "شکایت نمونه" in body
    open_tasks = re.search(r'<ul data-testid="open-tasks">(.*?)</ul>', body, re.S).group(1)
    assert f'href="/tasks/{task.id}"' in open_tasks and "ثبت شکایت" in open_tasks
    assert f'data-xml-url="/instances/{instance_id}/diagram.bpmn"' in body
    assert re.search(r"data-active='\[[^']*Task_register_complaint", body)
    rows = table_rows(response, "history")
    assert len(rows) == 2  # started, and its tracking code issued
    assert rows[0][0] == "۱"
    assert rows[0][2] == translated(app, "Instance started")
    assert rows[0][4] == arrange.display_name("pr_expert_d1")
    assert rows[1][2] == translated(app, "Tracking code issued")


def test_instance_page_history_grows_with_each_completion(app, arrange, login):
    instance_id, _ = arrange.registered_service_instance("d1")
    page = login("pr_expert_d1").get(f"/instances/{instance_id}")
    rows = table_rows(page, "history")
    assert [r[2] for r in rows] == [translated(app, "Instance started"), translated(app, "Tracking code issued"),
                                    translated(app, "Task completed")]
    assert rows[2][3] == "ثبت شکایت"
    assert rows[2][4] == arrange.display_name("pr_expert_d1")
    # the row points to what was submitted, which the case shows with the form's labels
    anchor = re.search(r'<a href="#(case-step-\d+)">', page.get_data(as_text=True)).group(1)
    step = re.search(r'id="%s".*?</details>' % anchor, page.get_data(as_text=True), re.S).group(0)
    assert "موضوع شکایت" in step and REGISTER_SERVICE["subject"] in step
    assert "subject" not in re.sub(r"<[^>]+>", " ", page.get_data(as_text=True))  # never a raw key


def test_instance_page_uses_persian_digits_and_solar_hijri_dates(arrange, login):
    instance_id = arrange.start("d1")
    started = arrange.instance(instance_id).started_at
    local = started + timedelta(hours=3, minutes=30)
    jalali = jdatetime.datetime.fromgregorian(datetime=local).strftime("%Y/%m/%d %H:%M")
    browser = login("pr_expert_d1")
    body = page_text(browser.get(f"/instances/{instance_id}"))
    assert '<html lang="fa" dir="rtl">' in body
    assert jalali.translate(PERSIAN_DIGITS) in body
    assert f"#{str(instance_id).translate(PERSIAN_DIGITS)}<" in body
    assert local.strftime("%Y-%m-%d") not in body

    browser.post("/lang/en")
    body = page_text(browser.get(f"/instances/{instance_id}"))
    assert '<html lang="en" dir="ltr">' in body
    assert local.strftime("%Y-%m-%d %H:%M") in body
    assert f"#{instance_id}<" in body
    assert "District 1" in body


def test_diagram_url_returns_the_instances_own_version_xml(arrange, complaints, login):
    instance_id = arrange.start("d1")
    from modeling.deploy import deploy_process
    changed = (PROCESSES / "complaints.bpmn").read_text(encoding="utf-8").replace(
        'exporterVersion="1.0"', 'exporterVersion="1.1"')
    session = arrange._session()
    v2, created = deploy_process(session, changed.encode("utf-8"))
    session.commit()
    session.close()
    assert created and v2.version == 2
    newer = arrange.start("d1")

    browser = login("pr_expert_d1")
    response = browser.get(f"/instances/{instance_id}/diagram.bpmn")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.get_data(as_text=True) == complaints.bpmn_xml
    assert 'exporterVersion="1.0"' in response.get_data(as_text=True)
    assert browser.get(f"/instances/{newer}/diagram.bpmn").get_data(as_text=True) == changed


@pytest.mark.parametrize("suffix", ["", "/diagram.bpmn"])
def test_another_districts_instance_is_403(arrange, login, suffix):
    instance_id = arrange.start("d1")
    response = login("pr_expert_d2").get(f"/instances/{instance_id}{suffix}")
    assert response.status_code == 403
    assert "<bpmn:definitions" not in response.get_data(as_text=True)


@pytest.mark.parametrize("suffix", ["", "/diagram.bpmn"])
def test_unknown_instance_is_404(complaints, login, suffix):
    response = login("pr_expert_d1").get(f"/instances/424242{suffix}")
    assert response.status_code == 404
    assert 'data-testid="error"' in response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["central_pr", "auditor", "admin", "process_owner", "pr_head_d1"])
def test_oversight_roles_and_district_staff_may_view_an_instance(arrange, login, username):
    instance_id = arrange.start("d1")
    assert login(username).get(f"/instances/{instance_id}").status_code == 200


def test_instance_list_shows_the_users_districts_only(arrange, login):
    mine = arrange.start("d1", title="شکایت منطقه یک")
    theirs = arrange.start("d2", "pr_expert_d2", title="شکایت منطقه دو")
    response = login("pr_expert_d1").get("/instances")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'href="/instances/{mine}"' in body and f'href="/instances/{theirs}"' not in body
    city = login("central_pr").get("/instances").get_data(as_text=True)
    assert f'href="/instances/{mine}"' in city and f'href="/instances/{theirs}"' in city


def test_instance_list_filters_by_status(arrange, login):
    from http_support import ANNOUNCEMENT, EXAMINATION, REVIEW_APPROVE
    running = arrange.start("d1")
    done, examination = arrange.registered_service_instance("d1")
    arrange.complete(examination.id, "pr_expert_d1", EXAMINATION)
    arrange.complete(arrange.only_open_task(done).id, "pr_head_d1", REVIEW_APPROVE)
    arrange.complete(arrange.only_open_task(done).id, "pr_expert_d1", ANNOUNCEMENT)
    assert arrange.instance(done).status == "completed"
    browser = login("pr_expert_d1")
    completed = browser.get("/instances?status=completed").get_data(as_text=True)
    assert f'href="/instances/{done}"' in completed and f'href="/instances/{running}"' not in completed
    running_page = browser.get("/instances?status=running").get_data(as_text=True)
    assert f'href="/instances/{running}"' in running_page and f'href="/instances/{done}"' not in running_page


def test_user_supplied_text_is_escaped_on_every_page(arrange, login):
    browser = login("pr_expert_d1")
    response = browser.post("/processes/complaints/start",
                            data={"district": arrange.district_id("d1"),
                                  "title": "<script>alert(1)</script>"})
    instance_id = int(location_path(response).rsplit("/", 1)[1])
    task = arrange.only_open_task(instance_id)
    arrange.complete(task.id, "pr_expert_d1",
                     {**REGISTER_SERVICE, "subject": "<img src=x onerror=alert(2)>"})
    for url in (f"/instances/{instance_id}", "/instances", "/",
                f"/tasks/{arrange.only_open_task(instance_id).id}"):
        body = browser.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in body, url
        assert "<img src=x" not in body, url
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in browser.get(f"/instances/{instance_id}").get_data(as_text=True)


def test_a_user_without_any_role_can_start_nothing_and_sees_nothing(arrange, app, login):
    from app.demo import DEMO_PASSWORD
    from people.accounts import create_user
    with app.extensions["db_sessions"]() as session:
        create_user(session, "visitor", DEMO_PASSWORD)
        session.commit()
    other = arrange.start("d1")
    browser = login("visitor")
    assert 'data-testid="inbox-empty"' in browser.get("/").get_data(as_text=True)
    page = page_text(browser.get("/processes"))
    assert translated(app, "You hold no role in any district, so you cannot start a process.") in page
    assert "<option value=" not in page
    response = browser.post("/processes/complaints/start", data={"district": arrange.district_id("d1")})
    assert location_path(response) == "/processes"
    assert arrange.instance_count() == 1
    assert browser.get(f"/instances/{other}").status_code == 403
    assert f'href="/instances/{other}"' not in browser.get("/instances").get_data(as_text=True)
