"""Demo data: two districts, one user per role per district, the city-wide roles."""
from models import District
from people.accounts import create_user, find_district, find_user, grant_role, hash_password
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


def load_demo_data(session) -> int:
    """Create what is missing of the demo data; return how many users were created."""
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
        grant_role(session, user, role_code, district)
    return created
