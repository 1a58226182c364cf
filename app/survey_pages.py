"""What survey and poll pages show besides the form: computed result tables and public links.

Showing a page never writes: the public links are made by an explicit POST
(instances.create_survey_links) of a user who may act on a collecting task; the pages show
the links made so far and, to such a user while one is missing, the button that makes them.
A survey's link takes answers only with personal tokens (programmes.surveys.tokens): such a
user asks the page for a batch (`?personal=<form key>&count=<n>`), signed on the fly, which
stores nothing.
"""
from flask import request, url_for
from sqlalchemy import select

from programmes.surveys import answers as surveys
from formjs.forms import load_form
from programmes.surveys.summary import form_title
from programmes.surveys.tokens import MAX_BATCH, make_tokens, needs_token
from models import HumanTask
from people import access


def _batch_asked(form_key: str) -> int:
    """How many personal links the page was asked for, for this form (0: none)."""
    if request.args.get("personal") != form_key:
        return 0
    count = request.args.get("count", "")
    return min(int(count), MAX_BATCH) if count.isdigit() else 0


def _link_rows(session, links, may_make_personal: bool = False) -> list[dict]:
    rows = []
    for link in links:
        row = {"form_key": link.form_key, "title": form_title(load_form(link.form_key, session=session)),
               "url": url_for("public.survey", token=link.token, _external=True),
               "personal": needs_token(link), "may_make_personal": may_make_personal,
               "max_batch": MAX_BATCH, "personal_urls": []}
        if may_make_personal and row["personal"]:
            row["personal_urls"] = [url_for("public.survey", token=link.token, r=token, _external=True)
                                    for token in make_tokens(link, _batch_asked(link.form_key))]
        rows.append(row)
    return rows


def collecting_tasks(session, instance) -> list[HumanTask]:
    """The open tasks of the instance during which it takes answers through public links."""
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "ready",
        HumanTask.form_key.in_(list(surveys.COLLECTING)))).all()


def may_create_links(session, instance, user) -> bool:
    """Whether the user may make the instance's public links (may act on a collecting task)."""
    return any(access.can_act_on_task(user, task) for task in collecting_tasks(session, instance))


def _create_url(session, instance, may_create: bool) -> str | None:
    """Where the button posts, shown only to one who may create while a link is missing."""
    if may_create and surveys.missing_links(session, instance):
        return url_for("instances.create_survey_links", instance_id=instance.id)
    return None


def task_extras(session, task, user) -> dict:
    """Template context of a task page: the results table it shows and its public links."""
    links, create_url, may_act = [], None, False
    if task.status == "ready" and task.form_key in surveys.COLLECTING:
        links = surveys.public_links(session, task.instance)
        may_act = access.can_act_on_task(user, task)
        create_url = _create_url(session, task.instance, may_act)
    return {"survey_results": surveys.shown_results(session, task),
            "survey_links": _link_rows(session, links, may_act), "survey_links_create_url": create_url,
            "survey_results_live": task.form_key in surveys.SUMMARIES and task.status == "ready"}


def instance_extras(session, instance, user) -> dict:
    """Template context of an instance page: open public links and the results so far."""
    links, create_url, may_create = [], None, False
    collecting = collecting_tasks(session, instance)
    if collecting:
        links = surveys.public_links(session, instance)
        may_create = any(access.can_act_on_task(user, task) for task in collecting)
        create_url = _create_url(session, instance, may_create)
    return {"survey_results": surveys.instance_results(session, instance),
            "survey_links": _link_rows(session, links, may_create),
            "survey_links_create_url": create_url}
