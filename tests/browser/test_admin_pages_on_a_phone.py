"""The organisation's admin pages on a 390 px phone: the units tree, a unit's form, roles, the
users list, one user's memberships, the substitutes and the districts' boundaries need no
sideways scrolling."""
import pytest

from app.demo import DEMO_PASSWORD
from people.accounts import find_user
from people.organisation import find_unit

from boundary_support import upload_boundaries

pytestmark = pytest.mark.browser


def test_every_admin_page_fits_a_phone(app, phone, shots):
    session = app.extensions["db_sessions"]()
    unit_id = find_unit(session, "d1-services").id
    user_id = find_user(session, "department_head_d1").id
    session.close()
    upload_boundaries(app)
    phone.goto("/login")
    phone.fill("#username", "admin")
    phone.fill("#password", DEMO_PASSWORD)
    phone.locator("main form button").click()
    phone.wait_for_url("**/")
    for path in ("/admin/", "/admin/units", "/admin/units/new", f"/admin/units/{unit_id}",
                 "/admin/roles", "/admin/users", f"/admin/users/{user_id}", "/admin/substitutes",
                 "/admin/boundaries"):
        response = phone.goto(path)
        assert response.status == 200, path
        name = path.strip("/").replace("/", "-") or "admin"
        phone.screenshot(path=str(shots / f"{name}-phone.png"), full_page=True)
        assert phone.evaluate("document.documentElement.scrollWidth <= 390"), path
    assert phone.js_errors == []
