"""Who may do what: one table of named permissions, and may(user, permission, district_id).

Each permission names the roles that give it and how far a grant reaches:
  DISTRICT  a grant of one of the roles in the district asked, or city-wide; with no district
            asked, a grant anywhere (e.g. "may publish drafts in some district")
  CITY      a city-wide grant of one of the roles only; a grant limited to a district never
            counts, whatever district is asked
Pages, templates (``may('view_studio')``) and domain functions ask the table; none keeps a list
of roles of its own. Which tasks and instances a user sees is people.access, which asks the
table for the city-wide view (``view_all_instances``) and READ_ONLY_ROLES.
"""
from dataclasses import dataclass

from models import utcnow

from .roles import is_role

DISTRICT = "district"
CITY = "city"


@dataclass(frozen=True)
class Permission:
    roles: frozenset[str]
    scope: str  # DISTRICT or CITY


def _permission(scope: str, *roles: str) -> Permission:
    unknown = [role for role in roles if not is_role(role)]
    if unknown:  # a typo here would silently refuse everyone
        raise ValueError(f"Unknown role(s) in the permission table: {unknown}")
    return Permission(frozenset(roles), scope)


PERMISSIONS: dict[str, Permission] = {
    # Process studio (app/studio): process owners write, administrators and auditors look.
    "view_studio": _permission(DISTRICT, "process_owner", "admin", "auditor"),
    "edit_diagrams": _permission(DISTRICT, "process_owner"),
    "migrate_instances": _permission(DISTRICT, "process_owner"),  # engine.migration
    # Incidents (engine.runtime.incidents, app/incidents): retry, set data, move token,
    # suspend/resume, cancel an instance of the district (or any, with a city-wide grant).
    "repair_instances": _permission(DISTRICT, "process_owner", "admin"),
    # Forms (app/forms): open any form without a task, save new versions.
    "preview_forms": _permission(DISTRICT, "process_owner", "admin"),
    "edit_forms": _permission(DISTRICT, "process_owner"),
    # The working calendar's entries (workcal.store).
    "edit_calendar": _permission(CITY, "admin", "process_owner"),
    # Every instance, task and record of the city (people.access).
    "view_all_instances": _permission(CITY, "central_pr", "central_inspection", "auditor", "admin",
                                      "process_owner"),
    # A confidential case (a complaint about staff, Instance.confidential) and its records:
    # inspection (the district's complaints expert, central inspection) and the auditor. Even
    # view_all_instances does not reach one without it (people.access).
    "view_confidential_cases": _permission(DISTRICT, "complaints_expert", "central_inspection",
                                           "auditor"),
    # Audit (app/audit, audit/, records/retention.py).
    "audit": _permission(CITY, "auditor", "admin"),  # integrity checks, digests, retention page
    "verify_instances": _permission(DISTRICT, "auditor", "admin"),  # re-execution (/audit/verify)
    "place_legal_holds": _permission(CITY, "auditor"),
    # Approving the destruction of records the retention job proposed (records/retention.py).
    "approve_disposals": _permission(CITY, "records_committee"),
    # Open311 API keys (app/api_keys).
    "manage_api_keys": _permission(CITY, "admin"),
    # Partner systems that answer waiting instances (app/inbound_partners).
    "manage_inbound_partners": _permission(CITY, "admin"),
    # Webhook subscriptions and their delivery logs (programmes/integrations, app/webhooks).
    "manage_webhooks": _permission(CITY, "admin"),
    # The organisation (app/admin): units, roles, memberships, substitutes.
    "manage_organisation": _permission(CITY, "admin"),
    # Connectors to other city systems that service tasks call (connectors/, /admin/connectors):
    # a city-wide administrator; process owners only pick them in the studio.
    "manage_connectors": _permission(CITY, "admin"),
    # Generating the complaint report F-__-0-5-02 of a district (programmes/complaints/report.py):
    # its complaints expert or PR head, or central PR, inspection or an administrator city-wide.
    "generate_complaint_reports_district": _permission(DISTRICT, "complaints_expert", "pr_head"),
    "generate_complaint_reports_city": _permission(CITY, "central_pr", "central_inspection", "admin"),
    # Mardom Salam (programmes/mardom_salam/requests.py), in the meeting's district or city-wide.
    "file_mardom_salam_request": _permission(DISTRICT, "communications_office", "pr_expert",
                                             "intake_operator", "district_mayor", "admin"),
    "register_desk_item": _permission(DISTRICT, "special_followup_officer", "admin"),
    "classify_requests": _permission(DISTRICT, "followup_working_group", "district_mayor", "admin"),
    "answer_desk_item": _permission(DISTRICT, "special_followup_officer", "followup_working_group",
                                    "district_mayor", "admin"),
    "close_programme": _permission(DISTRICT, "communications_office", "admin"),
    # Draft regulations (programmes/drafts/comments.py), in the draft's district or city-wide.
    "edit_drafts": _permission(DISTRICT, "pr_expert", "pr_head", "department_head", "central_pr",
                               "admin"),
    "moderate_comments": _permission(DISTRICT, "pr_expert", "pr_head", "central_pr", "admin"),
    # Official letters (records/letters.py): giving a printed letter its number, in the case's
    # district or city-wide; seeing a letter follows the case (people.access).
    "issue_letters": _permission(DISTRICT, "complaints_expert", "pr_expert", "pr_head",
                                 "district_mayor", "mayor_office_head", "department_head",
                                 "central_pr", "admin"),
    # The oversight dashboard (programmes/oversight): central PR, central inspection, the auditor
    # and administrators city-wide; a district's mayor, deputy and manager for their district.
    "view_dashboard": _permission(DISTRICT, "central_pr", "central_inspection", "auditor", "admin",
                                  "district_mayor", "deputy", "manager"),
    # Per-element statistics of a process version, the heat map (programmes/oversight/
    # element_statistics.py): the dashboard's readers and process owners, over the instances
    # of the districts where they hold it that they may view (people.access).
    "view_process_statistics": _permission(DISTRICT, "process_owner", "central_pr",
                                           "central_inspection", "auditor", "admin",
                                           "district_mayor", "deputy", "manager"),
}

# Roles that look and never act: a grant of one is never a right to start an instance or to act
# on a task of that role (people.access), and no permission that changes anything names one.
READ_ONLY_ROLES = frozenset({"auditor"})


def grants_in_force(user, now=None) -> list:
    """The user's grants whose valid_from / valid_until hold now (the app's clock)."""
    now = now or utcnow()
    return [grant for grant in user.grants if grant.in_force(now)]


def districts_with(user, permission: str) -> set[int] | None:
    """The districts where the user holds the permission: None for every district (a city-wide
    grant of one of its roles), else a set, empty when nowhere."""
    rule = PERMISSIONS[permission]
    districts = set()
    for grant in grants_in_force(user):
        if grant.role not in rule.roles:
            continue
        if grant.district_id is None:
            return None
        if rule.scope == DISTRICT:
            districts.add(grant.district_id)
    return districts


def may(user, permission: str, district_id: int | None = None) -> bool:
    """True if one of the user's grants in force gives the permission (in district_id; see the
    table).

    KeyError for a permission the table does not name.
    """
    rule = PERMISSIONS[permission]
    for grant in grants_in_force(user):
        if grant.role not in rule.roles:
            continue
        if grant.district_id is None:
            return True
        if rule.scope == DISTRICT and district_id in (None, grant.district_id):
            return True
    return False
