"""The permission table (people.permissions): who may do what, in which district."""
import pytest

from models import RoleGrant, User
from people.permissions import CITY, DISTRICT, PERMISSIONS, districts_with, may

D1, D2 = 1, 2  # district ids; a grant of None is city-wide

# (role, its grant's district or CITY_WIDE, permission, district asked (None: anywhere), expected)
CITY_WIDE = None
ROWS = [
    # The studio: process owners write, administrators and auditors look; any grant counts.
    ("process_owner", CITY_WIDE, "edit_diagrams", None, True),
    ("process_owner", D1, "edit_diagrams", None, True),
    ("admin", CITY_WIDE, "edit_diagrams", None, False),
    ("admin", CITY_WIDE, "view_studio", None, True),
    ("auditor", CITY_WIDE, "view_studio", None, True),
    ("auditor", CITY_WIDE, "edit_diagrams", None, False),
    ("pr_expert", D1, "view_studio", None, False),
    ("process_owner", CITY_WIDE, "migrate_instances", None, True),
    ("admin", CITY_WIDE, "migrate_instances", None, False),
    ("admin", D1, "repair_instances", D1, True),
    ("process_owner", CITY_WIDE, "repair_instances", D1, True),
    ("pr_expert", D1, "repair_instances", D1, False),
    # Forms: process owners save versions; they and administrators open any form.
    ("process_owner", CITY_WIDE, "edit_forms", None, True),
    ("admin", CITY_WIDE, "edit_forms", None, False),
    ("admin", CITY_WIDE, "preview_forms", None, True),
    ("admin", D1, "preview_forms", None, True),
    ("auditor", CITY_WIDE, "preview_forms", None, False),
    # The working calendar: city-wide grants only.
    ("admin", CITY_WIDE, "edit_calendar", D1, True),
    ("process_owner", CITY_WIDE, "edit_calendar", None, True),
    ("admin", D1, "edit_calendar", D1, False),
    ("process_owner", D1, "edit_calendar", None, False),
    ("central_pr", CITY_WIDE, "edit_calendar", None, False),
    # Every instance of the city: oversight roles and process owners, city-wide.
    ("central_pr", CITY_WIDE, "view_all_instances", None, True),
    ("central_inspection", CITY_WIDE, "view_all_instances", None, True),
    ("auditor", CITY_WIDE, "view_all_instances", None, True),
    ("process_owner", CITY_WIDE, "view_all_instances", None, True),
    ("central_pr", D1, "view_all_instances", D1, False),
    ("pr_head", CITY_WIDE, "view_all_instances", None, False),
    # A confidential case (a complaint about staff): inspection and the auditor only.
    ("complaints_expert", D1, "view_confidential_cases", D1, True),
    ("complaints_expert", D1, "view_confidential_cases", D2, False),
    ("central_inspection", CITY_WIDE, "view_confidential_cases", D2, True),
    ("auditor", CITY_WIDE, "view_confidential_cases", D1, True),
    ("central_pr", CITY_WIDE, "view_confidential_cases", D1, False),
    ("pr_head", D1, "view_confidential_cases", D1, False),
    ("admin", CITY_WIDE, "view_confidential_cases", D1, False),
    # Audit pages and checks: city-wide auditors and administrators; re-execution takes any grant.
    ("auditor", CITY_WIDE, "audit", None, True),
    ("admin", CITY_WIDE, "audit", None, True),
    ("auditor", D1, "audit", D1, False),
    ("central_inspection", CITY_WIDE, "audit", None, False),
    ("auditor", CITY_WIDE, "verify_instances", None, True),
    ("admin", D1, "verify_instances", None, True),
    ("central_pr", CITY_WIDE, "verify_instances", None, False),
    ("auditor", CITY_WIDE, "place_legal_holds", None, True),
    ("auditor", D1, "place_legal_holds", None, False),
    ("admin", CITY_WIDE, "place_legal_holds", None, False),
    # Approving destruction: a city-wide member of the records committee only.
    ("records_committee", CITY_WIDE, "approve_disposals", None, True),
    ("records_committee", D1, "approve_disposals", None, False),
    ("auditor", CITY_WIDE, "approve_disposals", None, False),
    # Open311 API keys: a city-wide administrator.
    ("admin", CITY_WIDE, "manage_api_keys", None, True),
    ("admin", D1, "manage_api_keys", None, False),
    ("process_owner", CITY_WIDE, "manage_api_keys", None, False),
    # Partner systems (signed answers to waiting instances): a city-wide administrator.
    ("admin", CITY_WIDE, "manage_inbound_partners", None, True),
    ("admin", D1, "manage_inbound_partners", None, False),
    # Webhooks: a city-wide administrator.
    ("admin", CITY_WIDE, "manage_webhooks", None, True),
    ("admin", D1, "manage_webhooks", None, False),
    ("auditor", CITY_WIDE, "manage_webhooks", None, False),
    ("admin", CITY_WIDE, "manage_organisation", None, True),
    ("admin", D1, "manage_organisation", None, False),
    ("department_head", D1, "manage_organisation", D1, False),
    # Connectors: a city-wide administrator only (not a district's, not a process owner).
    ("admin", CITY_WIDE, "manage_connectors", None, True),
    ("admin", D1, "manage_connectors", None, False),
    ("process_owner", CITY_WIDE, "manage_connectors", None, False),
    # Complaint reports: the district's complaints expert or PR head, or city-wide management.
    ("complaints_expert", D1, "generate_complaint_reports_district", D1, True),
    ("complaints_expert", D1, "generate_complaint_reports_district", D2, False),
    ("pr_head", D2, "generate_complaint_reports_district", D2, True),
    ("pr_head", CITY_WIDE, "generate_complaint_reports_district", D2, True),
    ("pr_expert", D1, "generate_complaint_reports_district", D1, False),
    ("central_pr", CITY_WIDE, "generate_complaint_reports_district", D1, False),
    ("central_pr", CITY_WIDE, "generate_complaint_reports_city", D1, True),
    ("central_inspection", CITY_WIDE, "generate_complaint_reports_city", D2, True),
    ("admin", CITY_WIDE, "generate_complaint_reports_city", D1, True),
    ("central_pr", D1, "generate_complaint_reports_city", D1, False),
    ("complaints_expert", CITY_WIDE, "generate_complaint_reports_city", D1, False),
    # Mardom Salam: in the meeting's district or city-wide.
    ("pr_expert", D1, "file_mardom_salam_request", D1, True),
    ("pr_expert", D1, "file_mardom_salam_request", D2, False),
    ("intake_operator", D2, "file_mardom_salam_request", D2, True),
    ("district_mayor", D1, "file_mardom_salam_request", D1, True),
    ("communications_office", CITY_WIDE, "file_mardom_salam_request", D2, True),
    ("admin", CITY_WIDE, "file_mardom_salam_request", D1, True),
    ("followup_working_group", D1, "file_mardom_salam_request", D1, False),
    ("special_followup_officer", CITY_WIDE, "register_desk_item", D1, True),
    ("admin", CITY_WIDE, "register_desk_item", D1, True),
    ("district_mayor", D1, "register_desk_item", D1, False),
    ("followup_working_group", D1, "classify_requests", D1, True),
    ("followup_working_group", D1, "classify_requests", D2, False),
    ("district_mayor", D2, "classify_requests", D2, True),
    ("special_followup_officer", CITY_WIDE, "classify_requests", D1, False),
    ("special_followup_officer", CITY_WIDE, "answer_desk_item", D1, True),
    ("followup_working_group", D1, "answer_desk_item", D1, True),
    ("district_mayor", D1, "answer_desk_item", D2, False),
    ("pr_expert", D1, "answer_desk_item", D1, False),
    ("communications_office", CITY_WIDE, "close_programme", D1, True),
    ("admin", CITY_WIDE, "close_programme", D2, True),
    ("district_mayor", D1, "close_programme", D1, False),
    # Draft regulations: in the draft's district or city-wide; the auditor only looks.
    ("department_head", D1, "edit_drafts", D1, True),
    ("department_head", D1, "edit_drafts", D2, False),
    ("department_head", D1, "edit_drafts", None, True),  # "in some district"
    ("pr_expert", D2, "edit_drafts", D2, True),
    ("central_pr", CITY_WIDE, "edit_drafts", D2, True),
    ("complaints_expert", D1, "edit_drafts", D1, False),
    ("auditor", CITY_WIDE, "edit_drafts", D1, False),
    ("pr_head", D2, "moderate_comments", D2, True),
    ("admin", CITY_WIDE, "moderate_comments", D1, True),
    ("pr_expert", D1, "moderate_comments", D2, False),
    ("department_head", D1, "moderate_comments", D1, False),
    ("auditor", CITY_WIDE, "moderate_comments", D1, False),
    # Official letters: a number is given in the case's district or city-wide; never by the auditor.
    ("pr_expert", D1, "issue_letters", D1, True),
    ("complaints_expert", D1, "issue_letters", D2, False),
    ("central_pr", CITY_WIDE, "issue_letters", D2, True),
    ("auditor", CITY_WIDE, "issue_letters", D1, False),
    ("intake_operator", D1, "issue_letters", D1, False),
    ("district_mayor", D1, "view_dashboard", D1, True),
    ("deputy", D1, "view_dashboard", D2, False),
    ("central_inspection", CITY_WIDE, "view_dashboard", D2, True),
    ("pr_expert", D1, "view_dashboard", D1, False),
    ("process_owner", CITY_WIDE, "view_process_statistics", D1, True),
    ("district_mayor", D1, "view_process_statistics", D2, False),
    ("pr_expert", D1, "view_process_statistics", D1, False),
]


def _where(district_id) -> str:
    return "city" if district_id is None else f"d{district_id}"


@pytest.mark.parametrize(
    "role, grant_district, permission, asked, expected", ROWS,
    ids=[f"{role}@{_where(grant)}-{permission}-in-{'any' if asked is None else _where(asked)}"
         for role, grant, permission, asked, _ in ROWS])
def test_may_answers_from_the_table(role, grant_district, permission, asked, expected):
    user = User(username="someone", grants=[RoleGrant(role=role, district_id=grant_district)])
    assert may(user, permission, asked) is expected


def test_the_table_is_exactly_this():
    """Changing who may do what is a decision: change this copy with it."""
    assert {name: (p.scope, set(p.roles)) for name, p in PERMISSIONS.items()} == {
        "view_studio": (DISTRICT, {"process_owner", "admin", "auditor"}),
        "edit_diagrams": (DISTRICT, {"process_owner"}),
        "migrate_instances": (DISTRICT, {"process_owner"}),
        "repair_instances": (DISTRICT, {"process_owner", "admin"}),
        "preview_forms": (DISTRICT, {"process_owner", "admin"}),
        "edit_forms": (DISTRICT, {"process_owner"}),
        "edit_calendar": (CITY, {"admin", "process_owner"}),
        "view_all_instances": (CITY, {"central_pr", "central_inspection", "auditor", "admin",
                                      "process_owner"}),
        "view_confidential_cases": (DISTRICT, {"complaints_expert", "central_inspection",
                                               "auditor"}),
        "audit": (CITY, {"auditor", "admin"}),
        "verify_instances": (DISTRICT, {"auditor", "admin"}),
        "place_legal_holds": (CITY, {"auditor"}),
        "approve_disposals": (CITY, {"records_committee"}),
        "manage_api_keys": (CITY, {"admin"}),
        "manage_inbound_partners": (CITY, {"admin"}),
        "manage_webhooks": (CITY, {"admin"}),
        "manage_organisation": (CITY, {"admin"}),
        "manage_connectors": (CITY, {"admin"}),
        "generate_complaint_reports_district": (DISTRICT, {"complaints_expert", "pr_head"}),
        "generate_complaint_reports_city": (CITY, {"central_pr", "central_inspection", "admin"}),
        "file_mardom_salam_request": (DISTRICT, {"communications_office", "pr_expert",
                                                 "intake_operator", "district_mayor", "admin"}),
        "register_desk_item": (DISTRICT, {"special_followup_officer", "admin"}),
        "classify_requests": (DISTRICT, {"followup_working_group", "district_mayor", "admin"}),
        "answer_desk_item": (DISTRICT, {"special_followup_officer", "followup_working_group",
                                        "district_mayor", "admin"}),
        "close_programme": (DISTRICT, {"communications_office", "admin"}),
        "edit_drafts": (DISTRICT, {"pr_expert", "pr_head", "department_head", "central_pr", "admin"}),
        "moderate_comments": (DISTRICT, {"pr_expert", "pr_head", "central_pr", "admin"}),
        "issue_letters": (DISTRICT, {"complaints_expert", "pr_expert", "pr_head", "district_mayor",
                                     "mayor_office_head", "department_head", "central_pr", "admin"}),
        "view_dashboard": (DISTRICT, {"central_pr", "central_inspection", "auditor", "admin",
                                      "district_mayor", "deputy", "manager"}),
        "view_process_statistics": (DISTRICT, {"process_owner", "central_pr", "central_inspection",
                                               "auditor", "admin", "district_mayor", "deputy",
                                               "manager"}),
    }
    assert {permission for _, _, permission, _, _ in ROWS} == set(PERMISSIONS)


def test_a_permission_the_table_does_not_name_is_an_error():
    with pytest.raises(KeyError):
        may(User(username="someone", grants=[]), "edit_everything")


def test_districts_with_a_permission_are_every_district_for_a_city_wide_grant_else_the_granted_ones():
    grants = lambda *pairs: User(username="someone", grants=[RoleGrant(role=r, district_id=d) for r, d in pairs])
    assert districts_with(grants(("central_pr", CITY_WIDE)), "view_dashboard") is None
    assert districts_with(grants(("district_mayor", D1), ("pr_expert", D2)), "view_dashboard") == {D1}
    assert districts_with(grants(("deputy", D1), ("manager", D2)), "view_dashboard") == {D1, D2}
    assert districts_with(grants(("pr_expert", D1)), "view_dashboard") == set()
    assert districts_with(grants(("admin", D1)), "edit_calendar") == set()  # CITY: a district grant never counts
