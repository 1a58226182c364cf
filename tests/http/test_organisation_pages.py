"""The organisation under /admin (units, roles, memberships, substitutes) and the JSON pickers
/api/v1/units and /api/v1/users: who may use them, what they change, and bad input answered
with a Persian message and nothing changed, never a 500."""
import io
from pathlib import Path
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from http_support import Arrange, page_text, task_links
from models import Role, RoleGrant, Substitution, Unit, clock
from people.accounts import find_user
from people.organisation import find_unit

# The studio's one-lane process, its lane naming a role by its Persian title.
GREEN_BPMN = (Path(__file__).resolve().parents[1] / "fixtures" / "studio" / "valid.bpmn").read_text(
    encoding="utf-8").replace('name="pr_expert"', 'name="کارشناس فضای سبز"')
assert "کارشناس فضای سبز" in GREEN_BPMN


@pytest.fixture
def admin(login):
    return login("admin")


@pytest.fixture
def arrange(app):
    return Arrange(app)


def fresh(app):
    return app.extensions["db_sessions"]()


def test_a_role_added_on_the_admin_page_is_used_by_a_newly_deployed_diagram(app, admin, login, arrange):
    owner = login("process_owner")
    refused = owner.post("/studio/studio_demo/deploy", data=GREEN_BPMN.encode(),
                         content_type="application/xml")
    assert refused.status_code == 400  # the lane names no role yet
    added = admin.post("/admin/roles", data={"code": "green_space_officer",
                                             "title_fa": "کارشناس فضای سبز",
                                             "title_en": "Green space officer"})
    assert added.status_code == 303
    assert "کارشناس فضای سبز" in page_text(admin.get("/admin/roles"))
    deployed = owner.post("/studio/studio_demo/deploy", data=GREEN_BPMN.encode(),
                          content_type="application/xml")
    assert deployed.status_code == 200, deployed.get_json()
    user_id = arrange.user_id("pr_expert_d2")
    granted = admin.post(f"/admin/users/{user_id}/grants",
                         data={"role": "green_space_officer", "scope": "unit", "unit": "d2-waste"})
    assert granted.status_code == 303
    instance_id = arrange.start("d2", "pr_expert_d2", process="studio_demo")
    task = arrange.only_open_task(instance_id)
    assert task.role == "green_space_officer"
    inbox = login("pr_expert_d2").get("/")
    assert task.id in task_links(inbox) and "کارشناس فضای سبز" in page_text(inbox)
    assert task.id not in task_links(login("pr_expert_d1").get("/"))  # another district


def test_admin_pages_are_refused_to_everyone_but_an_administrator(app, login, arrange):
    user_id = arrange.user_id("pr_expert_d1")
    with fresh(app) as session:
        unit_id = find_unit(session, "d1-waste").id
    gets = ["/admin/", "/admin/units", "/admin/units/new", f"/admin/units/{unit_id}", "/admin/roles",
            "/admin/users", f"/admin/users/{user_id}", "/admin/substitutes"]
    posts = ["/admin/units/new", f"/admin/units/{unit_id}", "/admin/units/import", "/admin/roles",
             f"/admin/users/{user_id}/grants", f"/admin/users/{user_id}/grants/1/remove",
             "/admin/substitutes", "/admin/substitutes/1/end"]
    for username in ("pr_expert_d1", "district_mayor_d1", "process_owner", "auditor"):
        browser = login(username)
        for url in gets:
            assert browser.get(url).status_code == 403, (username, url)
        for url in posts:
            assert browser.post(url, data={"code": "x", "title_fa": "x", "role": "admin",
                                           "scope": "city"}).status_code == 403, (username, url)
    with fresh(app) as session:
        assert session.scalar(select(func.count()).select_from(Role).where(Role.code == "x")) == 0
        assert not any(g.role == "admin" for g in find_user(session, "pr_expert_d1").grants)


def test_the_units_page_shows_each_district_tree_and_a_unit_can_be_created_and_edited(app, admin):
    page = page_text(admin.get("/admin/units?district=d1"))
    assert "اداره مدیریت پسماند منطقه ۱" in page and "منطقه ۲" not in page.split("unit-tree")[1]
    created = admin.post("/admin/units/new", data={
        "code": "d1-lighting", "title_fa": "اداره روشنایی", "title_en": "Lighting",
        "parent_code": "d1-deputy", "district_code": "d1", "head_username": "deputy_d1",
        "categories": ["technical", "service"]})
    assert created.status_code == 303
    with fresh(app) as session:
        unit = find_unit(session, "d1-lighting")
        assert unit.parent.code == "d1-deputy" and unit.head.username == "deputy_d1"
        assert unit.categories == ["service", "technical"]
        unit_id = unit.id
    edited = admin.post(f"/admin/units/{unit_id}", data={
        "title_fa": "اداره روشنایی معابر", "district_code": "d1", "parent_code": "d1-deputy",
        "categories": ["technical"]})
    assert edited.status_code == 303
    with fresh(app) as session:
        unit = find_unit(session, "d1-lighting")
        assert unit.title_fa == "اداره روشنایی معابر" and unit.categories == ["technical"]
        assert unit.head is None


def test_bad_unit_input_is_refused_in_persian_and_changes_nothing(app, admin):
    with fresh(app) as session:
        waste_id = find_unit(session, "d1-waste").id
    assert admin.get("/admin/units/999999").status_code == 404
    assert admin.post("/admin/units/999999", data={"title_fa": "x"}).status_code == 404
    other_district = admin.post(f"/admin/units/{waste_id}", data={
        "title_fa": "x", "district_code": "d1", "parent_code": "d2-deputy"})
    assert other_district.status_code == 400
    assert "در منطقهٔ دیگری" in page_text(other_district)
    for data in ({"code": "d1-waste", "title_fa": "تکراری"},  # taken code
                 {"code": "bad code!", "title_fa": "x"},
                 {"code": "d1-new", "title_fa": "x", "district_code": "d9"},
                 {"code": "d1-new", "title_fa": "x", "head_username": "nobody"},
                 {"code": "d1-new", "title_fa": "x", "categories": ["no_such"]},
                 {"code": "d1-new", "title_fa": ""}):
        response = admin.post("/admin/units/new", data=data)
        assert response.status_code == 400, data
        assert "ذخیره نشد" in page_text(response)
    with fresh(app) as session:
        assert find_unit(session, "d1-new") is None and find_unit(session, "d1-waste").title_fa != "x"


CSV = ("code,title_fa,title_en,parent_code,district_code,head_username,categories\n"
       "d1-parks,اداره فضای سبز,Parks,d1-deputy,d1,,service;technical\n")


def upload(admin, text):
    return admin.post("/admin/units/import", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(text.encode()), "units.csv")})


def test_a_csv_uploaded_on_the_units_page_is_imported_or_refused_line_by_line(app, admin):
    bad = upload(admin, CSV + "d1-x,واحد,Unit,d2-deputy,d1,,service\n,بی‌کد,,,,,\n")
    assert bad.status_code == 400
    text = page_text(bad)
    assert "سطر ۳" in text or "سطر 3" in text
    assert "d2-deputy" in text
    with fresh(app) as session:
        assert find_unit(session, "d1-parks") is None
    assert upload(admin, "not,a,units,file\n1,2,3,4\n").status_code == 400
    assert admin.post("/admin/units/import", data={}).status_code == 400
    assert upload(admin, CSV).status_code == 303
    assert upload(admin, CSV).status_code == 303  # again: updated, not doubled
    with fresh(app) as session:
        assert find_unit(session, "d1-parks").categories == ["service", "technical"]
        assert session.scalar(select(func.count()).select_from(Unit).where(Unit.code == "d1-parks")) == 1


def test_roles_page_refuses_a_taken_code_or_title(app, admin):
    for data in ({"code": "pr_expert", "title_fa": "نو", "title_en": "New"},
                 {"code": "new_role", "title_fa": "رئیس اداره", "title_en": "New"},
                 {"code": "Bad Code", "title_fa": "نو", "title_en": "New"},
                 {"code": "new_role", "title_fa": "", "title_en": ""}):
        response = admin.post("/admin/roles", data=data)
        assert response.status_code == 400, data
        assert "افزوده نشد" in page_text(response)
    with fresh(app) as session:
        assert session.scalar(select(Role).where(Role.code == "new_role")) is None


def test_memberships_are_assigned_with_dates_removed_and_bad_ones_refused(app, admin, arrange):
    user_id = arrange.user_id("pr_expert_d1")
    ok = admin.post(f"/admin/users/{user_id}/grants", data={
        "role": "deputy", "scope": "district", "district": "d1",
        "from": "1405/09/15", "until": "۱۴۰۵/۰۹/۲۰"})
    assert ok.status_code == 303
    with fresh(app) as session:
        grant = session.scalar(select(RoleGrant).where(RoleGrant.user_id == user_id,
                                                       RoleGrant.role == "deputy"))
        assert grant.valid_from == datetime(2026, 12, 5, 20, 30)
        assert grant.valid_until == datetime(2026, 12, 11, 20, 30)
        grant_id = grant.id
        other_grant = find_user(session, "pr_expert_d2").grants[0].id
    assert "۱۴۰۵/۰۹/۲۰" in page_text(admin.get(f"/admin/users/{user_id}"))
    for data in ({"role": "no_such", "scope": "city"},
                 {"role": "deputy", "scope": "unit", "unit": "nowhere"},
                 {"role": "deputy", "scope": "district", "district": "d9"},
                 {"role": "deputy", "scope": "mars"},
                 {"role": "deputy", "scope": "city", "from": "1405/09/20", "until": "1405/09/15"},
                 {"role": "deputy", "scope": "city", "from": "tomorrow"}):
        assert admin.post(f"/admin/users/{user_id}/grants", data=data).status_code == 400, data
    assert admin.get("/admin/users/999999").status_code == 404
    assert admin.post("/admin/users/999999/grants", data={"role": "deputy", "scope": "city"}).status_code == 404
    # a grant of another user, through this user's address: refused, kept
    assert admin.post(f"/admin/users/{user_id}/grants/{other_grant}/remove").status_code == 404
    assert admin.post(f"/admin/users/{user_id}/grants/999999/remove").status_code == 404
    assert admin.post(f"/admin/users/{user_id}/grants/{grant_id}/remove").status_code == 303
    with fresh(app) as session:
        assert session.get(RoleGrant, grant_id) is None and session.get(RoleGrant, other_grant)


def test_a_grant_outside_its_dates_gives_no_task(app, admin, login, arrange, complaints):
    instance_id = arrange.start("d2", "pr_expert_d2")
    task = arrange.only_open_task(instance_id)  # a pr_expert task in d2
    user_id = arrange.user_id("pr_expert_d1")
    clock.set_now(datetime(2026, 12, 8, 8, 0))
    admin.post(f"/admin/users/{user_id}/grants", data={
        "role": "pr_expert", "scope": "district", "district": "d2",
        "from": "1405/09/20", "until": "1405/09/25"})
    expert = login("pr_expert_d1")
    assert task.id not in task_links(expert.get("/"))   # not begun
    assert expert.get(f"/tasks/{task.id}").status_code == 403
    clock.set_now(datetime(2026, 12, 12, 8, 0))
    assert task.id in task_links(expert.get("/"))       # running
    assert expert.get(f"/tasks/{task.id}").status_code == 200
    clock.set_now(datetime(2026, 12, 17, 8, 0))
    assert task.id not in task_links(expert.get("/"))   # over
    assert expert.get(f"/tasks/{task.id}").status_code == 403


def test_substitutes_page_adds_and_ends_and_refuses_bad_input(app, admin):
    clock.set_now(datetime(2026, 12, 8, 8, 0))
    added = admin.post("/admin/substitutes", data={
        "user": "department_head_d1", "substitute": "deputy_d1", "from": "1405/09/15",
        "until": "1405/09/30", "reason": "مرخصی"})
    assert added.status_code == 303
    page = page_text(admin.get("/admin/substitutes"))
    assert "مرخصی" in page and "۱۴۰۵/۰۹/۳۰" in page
    for data in ({"user": "department_head_d1", "substitute": "department_head_d1",
                  "from": "1405/09/15", "until": "1405/09/30"},
                 {"user": "nobody", "substitute": "deputy_d1", "from": "1405/09/15", "until": "1405/09/30"},
                 {"user": "department_head_d1", "substitute": "deputy_d1", "from": "", "until": ""},
                 {"user": "department_head_d1", "substitute": "deputy_d1", "from": "1405/09/30",
                  "until": "1405/09/15"}):
        assert admin.post("/admin/substitutes", data=data).status_code == 400, data
    with fresh(app) as session:
        row = session.scalar(select(Substitution))
        assert session.scalar(select(func.count()).select_from(Substitution)) == 1
    assert admin.post("/admin/substitutes/999999/end").status_code == 404
    assert admin.post(f"/admin/substitutes/{row.id}/end").status_code == 303
    with fresh(app) as session:
        assert not session.get(Substitution, row.id).in_force(clock.utcnow())


def test_the_unit_picker_lists_a_districts_units_answering_a_category(api):
    client = api("pr_expert_d1")
    found = client.get("/api/v1/units?district=d1&category=technical").get_json()["units"]
    assert [u["code"] for u in found] == ["d1-services", "d1-traffic"]
    assert found[0]["parent"] == "d1-deputy" and found[0]["district"] == "d1"
    assert found[0]["head"] == "department_head_d1" and "technical" in found[0]["categories"]
    every = client.get("/api/v1/units").get_json()["units"]
    assert {"d1-waste", "d2-waste"} <= {u["code"] for u in every}
    assert client.get("/api/v1/units?district=city").get_json()["units"] == []
    assert client.get("/api/v1/units?district=d9").status_code == 400
    assert client.get("/api/v1/units?category=none").get_json()["units"] == []


def test_the_user_picker_lists_holders_of_a_role_in_a_district_or_unit(api, app):
    client = api("pr_expert_d1")
    heads = client.get("/api/v1/users?role=department_head&district=d1").get_json()["users"]
    assert [u["username"] for u in heads] == ["department_head_d1"]
    assert heads[0]["roles"] == [{"role": "department_head", "district": "d1", "unit": "d1-services"}]
    assert heads[0]["display_name"] and heads[0]["id"]
    in_unit = client.get("/api/v1/users?unit=d1-services").get_json()["users"]
    assert [u["username"] for u in in_unit] == ["department_head_d1"]
    city = client.get("/api/v1/users?role=central_pr&district=d2").get_json()["users"]
    assert [u["username"] for u in city] == ["central_pr"]  # city-wide holders reach d2
    assert client.get("/api/v1/users?unit=nowhere").status_code == 400
    assert client.get("/api/v1/users?district=d9").status_code == 400
    assert app.test_client().get("/api/v1/users").status_code == 401
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert "/units" in document["paths"] and "/users" in document["paths"]


def test_a_substitute_named_on_the_admin_page_does_the_absent_persons_task_and_the_history_names_both(
        app, admin, login, arrange, complaints):
    from http_support import REGISTER_SERVICE
    clock.set_now(datetime(2026, 12, 8, 8, 0))
    instance_id = arrange.start("d1", "pr_expert_d1")
    task = arrange.only_open_task(instance_id)  # pr_expert of d1
    substitute = login("deputy_d1")
    assert task.id not in task_links(substitute.get("/"))
    assert admin.post("/admin/substitutes", data={
        "user": "pr_expert_d1", "substitute": "deputy_d1", "from": "1405/09/17",
        "until": "1405/09/19", "reason": "مرخصی"}).status_code == 303
    assert task.id in task_links(substitute.get("/"))
    done = substitute.post(f"/tasks/{task.id}", data=REGISTER_SERVICE)
    assert done.status_code in (302, 303), page_text(done)
    completed = [e for e in arrange.events(instance_id) if e[0] == "task_completed"][0]
    assert completed[2] == "deputy_d1"
    history = page_text(substitute.get(f"/instances/{instance_id}"))
    assert "به جانشینی از " + arrange.display_name("pr_expert_d1") in history
