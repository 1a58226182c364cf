"""Demo data: two districts, one user per role per district, the city-wide roles, and each
district's units (deputy's office -> departments answering 137 categories), whose department
heads are the demo department_head users."""
from models import District
from people.accounts import create_user, find_district, find_user, grant_role, hash_password
from people.catalogue import seed_roles
from programmes.messages137.channels import seed_channels
from people.organisation import find_unit, save_unit
from people.roles import ROLES

DEMO_PASSWORD = "demo-pass-1234"
DEMO_DISTRICTS = (("d1", "منطقه ۱", "District 1"), ("d2", "منطقه ۲", "District 2"))


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, district code or 'city') of every demo user."""
    logins = []
    for role in ROLES:
        if role.city_wide:
            logins.append((role.code, role.code, "city"))
        else:
            logins.extend((f"{role.code}_{code}", role.code, code) for code, _, _ in DEMO_DISTRICTS)
    return logins


# (code suffix, parent suffix, Persian title, English title, 137 categories) of each district's
# units: code "<district>-<suffix>".
DEMO_UNITS = (
    ("deputy", None, "معاونت خدمات شهری", "Deputy's office for urban services", ()),
    ("waste", "deputy", "اداره مدیریت پسماند", "Waste management", ("service",)),
    ("services", "deputy", "اداره خدمات شهری", "Urban services", ("service", "technical")),
    ("traffic", "deputy", "اداره حمل‌ونقل و ترافیک", "Traffic", ("technical",)),
    ("planning", "deputy", "اداره شهرسازی", "Urban planning", ("urban_planning",)),
)
# The unit each district's demo department head works in and heads.
DEMO_HEAD_UNIT = "services"


def _load_demo_units(session) -> None:
    """Each demo district's units; its department head a member (and head) of one of them."""
    for district_code, name_fa, name_en in DEMO_DISTRICTS:
        for suffix, parent, title_fa, title_en, categories in DEMO_UNITS:
            code = f"{district_code}-{suffix}"
            if find_unit(session, code) is None:
                head = f"department_head_{district_code}" if suffix == DEMO_HEAD_UNIT else ""
                save_unit(session, {"code": code, "title_fa": f"{title_fa} {name_fa}",
                                    "title_en": f"{title_en}, {name_en}",
                                    "parent_code": f"{district_code}-{parent}" if parent else "",
                                    "district_code": district_code, "head_username": head,
                                    "categories": list(categories)})
        user, unit = find_user(session, f"department_head_{district_code}"), \
            find_unit(session, f"{district_code}-{DEMO_HEAD_UNIT}")
        if user is not None and unit is not None:
            grant_role(session, user, "department_head", None, unit=unit)
            # The membership of the unit holds in its district: the district-wide grant goes.
            for grant in [g for g in user.grants if g.role == "department_head" and g.unit_id is None]:
                user.grants.remove(grant)
            session.flush()


def load_demo_data(session) -> int:
    """Create what is missing of the demo data; return how many users were created."""
    seed_roles(session)
    seed_channels(session)  # the migration seeds them too; tests empty every table
    for code, name_fa, name_en in DEMO_DISTRICTS:
        if find_district(session, code) is None:
            session.add(District(code=code, name_fa=name_fa, name_en=name_en))
    session.flush()
    created, shared_hash = 0, hash_password(DEMO_PASSWORD)
    titles = {role.code: role for role in ROLES}
    for username, role_code, district_code in demo_logins():
        user = find_user(session, username)
        if user is None:
            role = titles[role_code]
            suffix = "" if district_code == "city" else f" — {district_code}"
            user = create_user(session, username, DEMO_PASSWORD,
                               full_name=f"{role.title_fa}{suffix}", email=f"{username}@example.org",
                               password_hash=shared_hash)
            created += 1
        district = None if district_code == "city" else find_district(session, district_code)
        if not (role_code == "department_head" and any(
                g.role == role_code and g.unit_id is not None for g in user.grants)):
            grant_role(session, user, role_code, district)
    _load_demo_units(session)
    return created
