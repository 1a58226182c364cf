"""A complaint's clock and its overdue follow-up, where the diagram needs the server: the receipt
day of a complaint the citizen filed, the units the district mayor may give an order to, and
no announcement while that order is still with its unit."""
from sqlalchemy import select

from models import HumanTask
from models.errors import InvalidData
from people.organisation import unit_tree
from programmes.citizens.requests import PORTAL_USERNAME
from workcal.jalali import local_date
from workcal.store import zone_of

REGISTER_FORM = "complaint_register"
OVERDUE_FORM = "complaint_overdue"
ANNOUNCEMENT_FORM = "complaint_announcement"
ORDER_TASK = "Task_carry_out_order"


def filed_receipt(session, task: HumanTask) -> dict:
    """A complaint the citizen filed (portal, Open311) was received when it was filed: its
    register form shows that day, read-only (the clock counts from the filing moment)."""
    instance = task.instance
    starter = instance.started_by
    if starter is None or starter.username != PORTAL_USERNAME:
        return {}  # paper, phone, in person: the operator records the day it came
    return {"received_on": local_date(instance.started_at, zone_of(session)).isoformat()}


def order_unit_options(session, task: HumanTask) -> dict:
    """The units of the complaint's district (else the city's) the district mayor may order,
    as the overdue form's unit choices."""
    units = unit_tree(session, task.district_id) or unit_tree(session, city=True)
    return {"unit_options": [{"value": unit.code, "label": unit.title_fa} for unit, _depth in units]}


def check_order_reported(session, task: HumanTask) -> None:
    """The result is announced only once the unit the district mayor ordered has reported:
    its report goes into the answer the complainant gets."""
    waiting = session.scalars(select(HumanTask).where(
        HumanTask.instance_id == task.instance_id, HumanTask.task_spec == ORDER_TASK,
        HumanTask.status == "ready")).first()
    if waiting is not None:
        raise InvalidData("The district mayor's order on this complaint is still with the unit "
                          "it names; announce the result once the unit has reported.",
                          {"order": "The ordered unit has not reported yet."})
