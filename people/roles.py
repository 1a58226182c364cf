"""The built-in roles of MISSION.md (the seed of the roles table) and the lane convention.

Lane convention: a lane's name is either a role's code (``pr_expert``), its
Persian title (``کارشناس روابط عمومی``) or its English title, compared after
trimming whitespace and ignoring case and zero-width non-joiners. A lane whose
name maps to no role is refused at deploy, so every human task has a role.

The roles in force are the `roles` table (the built-in ones seeded, plus those administrators
add): code with a session reads them through `people.catalogue.roles_of(session)`, a
RoleCatalogue. ROLES, ROLES_BY_CODE, role_for_lane and is_role below are the built-in seed
only: for the permission table (which names built-in roles), tools and tests without a
database.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    code: str
    title_fa: str
    title_en: str
    city_wide: bool = False  # a role that is normally granted for the whole city


ROLES = (
    Role("process_owner", "مالک فرآیند", "Process owner", city_wide=True),
    Role("pr_expert", "کارشناس روابط عمومی", "PR unit expert"),
    Role("pr_head", "مسئول روابط عمومی", "PR head"),
    Role("complaints_expert", "کارشناس پاسخگویی به شکایات", "Complaints expert"),
    Role("district_mayor", "شهردار منطقه", "District mayor"),
    Role("mayor_office_head", "مسئول دفتر شهردار", "Mayor's office head"),
    Role("department_head", "رئیس اداره", "Department head"),
    Role("deputy", "معاون", "Deputy"),
    Role("manager", "مدیر", "Manager"),
    Role("intake_operator", "اپراتور پذیرش ۱۳۷", "137 intake operator"),
    Role("feedback_unit", "واحد بازخورد ۱۳۷", "137 feedback unit"),
    Role("followup_unit", "واحد پیگیری ویژه", "Special follow-up unit"),
    Role("central_pr", "مدیریت روابط عمومی", "Central PR management", city_wide=True),
    Role("central_inspection", "مدیریت بازرسی و پاسخگویی به شکایات",
         "Central inspection", city_wide=True),
    Role("auditor", "حسابرس", "Auditor", city_wide=True),
    Role("admin", "مدیر سامانه", "System administrator", city_wide=True),
    # Mardom Salam, the mayor's mosque meetings (MISSION.md, source 001)
    Role("communications_office", "اداره کل ارتباطات و امور بین‌الملل",
         "Communications and international affairs office", city_wide=True),
    Role("followup_working_group", "کارگروه پیگیری و پاسخگویی", "Follow-up and response working group"),
    Role("special_followup_officer", "مسئول پیگیری‌های ویژه دفتر شهردار",
         "Mayor's office special follow-up officer", city_wide=True),
    Role("mayor_bureau_head", "مدیرکل حوزه شهردار", "Director general of the mayor's bureau",
         city_wide=True),
    # Approves the destruction of records whose keeping period ended (records/retention.py)
    Role("records_committee", "کمیسیون امحای سوابق", "Records disposal committee", city_wide=True),
)

ROLES_BY_CODE = {role.code: role for role in ROLES}


def normalise_name(name: str) -> str:
    """A lane or role name compared without case, extra spaces or zero-width non-joiners."""
    return " ".join(name.replace("\u200c", " ").split()).casefold()


class RoleCatalogue:
    """A set of roles and the lane convention over them (code, Persian or English title)."""

    def __init__(self, roles):
        self.roles = tuple(roles)
        self.by_code = {role.code: role for role in self.roles}
        self._by_name = {}
        for role in self.roles:
            for name in (role.code, role.title_fa, role.title_en):
                if name:
                    self._by_name.setdefault(normalise_name(name), role.code)

    def role_for_lane(self, lane_name: str | None) -> str | None:
        """The role code a lane name stands for, or None if it names no role."""
        if not lane_name:
            return None
        return self._by_name.get(normalise_name(lane_name))

    def is_role(self, code: str) -> bool:
        """True if code is a role of this catalogue."""
        return code in self.by_code

    def get(self, code: str | None) -> Role | None:
        """The role with this code, or None."""
        return self.by_code.get(code or "")


BUILT_IN = RoleCatalogue(ROLES)
role_for_lane = BUILT_IN.role_for_lane
is_role = BUILT_IN.is_role
