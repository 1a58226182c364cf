"""Referral of a 137 message to the executive unit: the units the operator may choose from."""
from people.organisation import units_answering
from programmes.messages137.channels import channel_options

INTAKE_FORM = "message_intake"


def referral_options(session, task) -> dict:
    """The district's units that answer a 137 category, as the intake form's unit choices
    (their title and the categories they answer); the city's units when the district has none."""
    units = units_answering(session, None, task.district_id) or units_answering(session, city=True)
    answering = [u for u in units if u.categories]
    return {"unit_options": [{"value": u.code, "label": u.title_fa} for u in answering]}


def intake_options(session, task) -> dict:
    """The intake form's server-given choices: the channels and the units to refer to."""
    return {**channel_options(session, task), **referral_options(session, task)}
