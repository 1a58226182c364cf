"""Auditors: replay an instance step by step, verify its history, keep and dispose of records.

Every page here is read-only for the workflow (auditors never act on tasks); the routes live
in one module per area, registered on this blueprint (URL tables in each module):
  replay_views        step through an instance's history on its own diagram version
  verification_views  re-execution of the recorded events against the stored state
  integrity_views     the hash chain of each instance's events, the daily digest of chain heads
  retention_views     retention and disposal of quality records, legal holds
  dossier_views       an instance's dossier as PDF and JSON
"""
from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")

from . import dossier_views, integrity_views, replay_views, retention_views, verification_views  # noqa: E402,F401
