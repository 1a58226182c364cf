"""Process owners' studio: edit diagrams in the browser, validate, deploy versions, migrate.

Routes live in one module per area, registered on this blueprint (URL tables in each):
  pages            the bpmn-js Modeler page of a process (with its properties panel)
  api_views        drafts, validation, deploy, versions and their differences, import/export
  migration_views  moving running instances to a newer version
  draft_views      a new process, earlier versions and drafts opened and restored, the save guard
  trial_views      "Try it": a draft run in memory, step by step (nothing stored)
"""
from flask import Blueprint

bp = Blueprint("studio", __name__, url_prefix="/studio")

from . import api_views, decision_views, draft_views, migration_job_views, migration_views, pages, trial_views  # noqa: E402,F401
