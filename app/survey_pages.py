"""What survey and poll pages show besides the form: computed result tables and public links."""
from flask import url_for
from sqlalchemy import select

from programmes.surveys import answers as surveys
from formjs.forms import load_form
from programmes.surveys.summary import form_title
from models import HumanTask
from people import access


def _link_rows(links) -> list[dict]:
    return [{"form_key": link.form_key, "title": form_title(load_form(link.form_key)),
             "url": url_for("public.survey", token=link.token, _external=True)} for link in links]


def task_extras(session, task, user) -> dict:
    """Template context of a task page: the results table it shows and its public links."""
    links = []
    if task.status == "ready" and task.form_key in surveys.COLLECTING:
        creator = user if access.can_act_on_task(user, task) else None
        links = surveys.public_links(session, task.instance, create_for=creator)
    return {"survey_results": surveys.shown_results(session, task),
            "survey_links": _link_rows(links),
            "survey_results_live": task.form_key in surveys.SUMMARIES and task.status == "ready"}


def instance_extras(session, instance, user) -> dict:
    """Template context of an instance page: open public links and the results so far."""
    collecting = session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "ready",
        HumanTask.form_key.in_(list(surveys.COLLECTING)))).all()
    creator = user if any(access.can_act_on_task(user, task) for task in collecting) else None
    links = surveys.public_links(session, instance, create_for=creator) if collecting else []
    return {"survey_results": surveys.instance_results(session, instance),
            "survey_links": _link_rows(links)}
