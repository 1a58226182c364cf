"""The inbox page: whose tasks appear, the filters, and the order."""
from http_support import table_rows, task_links


def test_inbox_lists_the_users_role_task_in_their_district(arrange, login):
    instance_id = arrange.start("d1")
    task = arrange.only_open_task(instance_id)
    response = login("pr_expert_d1").get("/")
    assert response.status_code == 200
    assert task_links(response) == [task.id]
    [row] = table_rows(response, "inbox")
    assert row[0] == "ثبت شکایت تازه"                 # task name, new to them (a badge)
    assert row[2] == "منطقه ۱"                         # district, Persian name
    assert row[3] == "کارشناس روابط عمومی"             # role title in Persian
    assert f'href="/instances/{instance_id}"' in response.get_data(as_text=True)


def test_same_role_in_another_district_does_not_see_the_task(arrange, login):
    arrange.start("d1")
    response = login("pr_expert_d2").get("/")
    assert response.status_code == 200
    assert task_links(response) == []
    assert 'data-testid="inbox-empty"' in response.get_data(as_text=True)


def test_another_role_in_the_same_district_does_not_see_the_task(arrange, login):
    arrange.start("d1")
    for username in ("pr_head_d1", "complaints_expert_d1", "district_mayor_d1"):
        assert task_links(login(username).get("/")) == [], username


def test_each_district_sees_only_its_own_tasks(arrange, login):
    d1 = arrange.only_open_task(arrange.start("d1"))
    d2 = arrange.only_open_task(arrange.start("d2", "pr_expert_d2"))
    assert task_links(login("pr_expert_d1").get("/")) == [d1.id]
    assert task_links(login("pr_expert_d2").get("/")) == [d2.id]


def test_city_wide_central_pr_sees_its_tasks_in_both_districts(arrange, oversight, login):
    d1 = arrange.only_open_task(arrange.start("d1", "central_pr", process="oversight"))
    d2 = arrange.only_open_task(arrange.start("d2", "central_pr", process="oversight"))
    assert d1.role == d2.role == "central_pr"
    response = login("central_pr").get("/")
    assert sorted(task_links(response)) == sorted([d1.id, d2.id])
    districts = {row[2] for row in table_rows(response, "inbox")}
    assert districts == {"منطقه ۱", "منطقه ۲"}
    # District staff do not get the city-wide role's tasks.
    assert task_links(login("pr_expert_d1").get("/")) == []


def test_a_role_granted_city_wide_reaches_every_district(arrange, login):
    arrange.create_user("roving_pr", "pr_expert", None)
    d1 = arrange.only_open_task(arrange.start("d1"))
    d2 = arrange.only_open_task(arrange.start("d2", "pr_expert_d2"))
    assert sorted(task_links(login("roving_pr").get("/"))) == sorted([d1.id, d2.id])


def test_district_filter_narrows_to_one_district(arrange, oversight, login):
    d1 = arrange.only_open_task(arrange.start("d1", "central_pr", process="oversight"))
    d2 = arrange.only_open_task(arrange.start("d2", "central_pr", process="oversight"))
    browser = login("central_pr")
    assert task_links(browser.get(f"/?district={arrange.district_id('d1')}")) == [d1.id]
    assert task_links(browser.get(f"/?district={arrange.district_id('d2')}")) == [d2.id]
    assert sorted(task_links(browser.get("/?district="))) == sorted([d1.id, d2.id])


def test_process_filter_narrows_to_one_process(arrange, oversight, login):
    arrange.grant("pr_expert_d1", "central_pr", None)
    complaint = arrange.only_open_task(arrange.start("d1"))
    check = arrange.only_open_task(arrange.start("d1", process="oversight"))
    browser = login("pr_expert_d1")
    assert sorted(task_links(browser.get("/"))) == sorted([complaint.id, check.id])
    assert task_links(browser.get("/?process=complaints")) == [complaint.id]
    assert task_links(browser.get("/?process=oversight")) == [check.id]
    page = browser.get("/?process=oversight").get_data(as_text=True)
    assert '<option value="oversight" selected>' in page


def test_overdue_filter_shows_only_tasks_past_their_due_date(arrange, login):
    late = arrange.only_open_task(arrange.start("d1"))
    soon = arrange.only_open_task(arrange.start("d1"))
    arrange.only_open_task(arrange.start("d1"))  # no due date at all
    arrange.set_due(late.id, -2)
    arrange.set_due(soon.id, +5)
    browser = login("pr_expert_d1")
    response = browser.get("/?overdue=1")
    assert task_links(response) == [late.id]
    assert 'class="overdue"' in response.get_data(as_text=True)
    assert len(task_links(browser.get("/"))) == 3


def test_inbox_lists_overdue_first_then_by_due_date_then_undated(arrange, login):
    undated = arrange.only_open_task(arrange.start("d1"))
    later = arrange.only_open_task(arrange.start("d1"))
    overdue = arrange.only_open_task(arrange.start("d1"))
    sooner = arrange.only_open_task(arrange.start("d1"))
    arrange.set_due(later.id, 48)
    arrange.set_due(overdue.id, -1)
    arrange.set_due(sooner.id, 3)
    assert task_links(login("pr_expert_d1").get("/")) == [overdue.id, sooner.id, later.id, undated.id]
    # Only the overdue one is marked.
    rows = login("pr_expert_d1").get("/").get_data(as_text=True).count('class="overdue"')
    assert rows == 1


def test_inbox_does_not_list_completed_tasks(arrange, login):
    _, examination = arrange.registered_service_instance("d1")
    assert task_links(login("pr_expert_d1").get("/")) == [examination.id]


def test_inbox_shows_fifty_tasks_a_page_with_a_link_to_the_next(arrange, login):
    task_ids = [arrange.only_open_task(arrange.start("d1")).id for _ in range(51)]
    browser = login("pr_expert_d1")
    first = browser.get("/")
    assert task_links(first) == task_ids[:50]              # undated: oldest first
    assert 'rel="next"' in first.get_data(as_text=True) and 'rel="prev"' not in first.get_data(as_text=True)
    second = browser.get("/?page=2")
    assert task_links(second) == task_ids[50:]
    assert 'rel="prev"' in second.get_data(as_text=True) and 'rel="next"' not in second.get_data(as_text=True)


def test_inbox_merges_tasks_of_several_grants_in_due_date_order(app, arrange, login):
    from people.accounts import create_user, find_district, grant_role
    session = app.extensions["db_sessions"]()
    user = create_user(session, "two_districts", "demo-pass-1234", "کارشناس دو منطقه")
    for code in ("d1", "d2"):
        grant_role(session, user, "pr_expert", find_district(session, code))
    session.commit()
    session.close()
    d2_undated = arrange.only_open_task(arrange.start("d2", username="pr_expert_d2"))
    d1_later = arrange.only_open_task(arrange.start("d1"))
    d2_sooner = arrange.only_open_task(arrange.start("d2", username="pr_expert_d2"))
    d1_undated = arrange.only_open_task(arrange.start("d1"))
    arrange.set_due(d1_later.id, 10)
    arrange.set_due(d2_sooner.id, 2)
    assert task_links(login("two_districts").get("/")) == [d2_sooner.id, d1_later.id,
                                                          d2_undated.id, d1_undated.id]
