"""The BPMN runtime: the only package that imports SpiffWorkflow, and this module is its API.

The app, the programmes, the records and the audit import from here (an import-linter
contract says so); the process owners' tooling (modeling/) may also use engine.spiff, the
parser and its checks. Inside: spiff/ is the SpiffWorkflow adapter (parser, serializer and
spec cache, sandbox, timers, pruning, XML safety), problems/ says in words what is wrong with a
diagram, core.py assembles an Engine from its parts, hooks.py is where programmes plug in,
runtime/ runs instances (start, complete, messages, timers, claims, task data), events.py is
the hash-chained log, replay/ re-executes it, migration.py moves instances between versions, trial.py runs a draft in memory (the studio's
"Try it", the processes' unit cases).
"""
from engine.core import Engine, build_engine, engine_of
from engine.events import (GENESIS_SHA256, EventView, append_event, append_operator_event,
                           city_chain_head, event_digest, list_events, list_operator_events,
                           operator_digest, read_events, revealed_data, verify_chain,
                           verify_city_chain)
from engine.hooks import Hooks
from engine.migration import (TEMPLATES as MIGRATION_TEMPLATES, MigrationRefused,
                              check_migration, effective_mapping, migrate_instance,
                              migrate_instances, plan_migration, running_instances)
from engine.migration_jobs import (BATCH as MIGRATION_BATCH, TEMPLATES as MIGRATION_JOB_TEMPLATES,
                                   dry_run, run_migration_batch, select_instances,
                                   start_migration_job, target_version, waiting_at)
from engine.migration_mapping import (NO_SUCH_ELEMENT, NO_SUCH_SOURCE, propose_mapping)
from engine.spiff.version_switch import Problem as MigrationProblem, version_elements
from engine.replay.history import instance_overview
from engine.replay.verify import Replay, iter_verify, replay_instance, verify_instance
from engine.runtime.incidents import (ACTION_EVENTS as INCIDENT_EVENTS, cancel_instance,
                                      count_incidents, data_changes, element_choices,
                                      get_instance_to_repair, list_incidents, may_repair,
                                      move_token, resume_instance, retry_instance,
                                      set_instance_data, suspend_instance)
from engine.runtime.completing import complete_task, get_task, require_ready
from engine.runtime.messages import (send_message, send_message_for, send_message_from_system,
                                     waiting_messages)
from engine.runtime.starting import (check_start_data, latest_version, start_instance,
                                     start_instance_for)
from engine.runtime.search_index import query_terms
from engine.runtime.steps import open_tasks
from engine.runtime.task_actions import claim_task, reassign_task, unclaim_task
from engine.runtime.shredding import shred_case
from engine.runtime.task_data import server_data, shown_task_data, task_data
from engine.runtime.timers import fire_due_timer_batch, fire_next_due_timers
from engine.runtime.service_calls import (claim_service_calls, perform_service_call,
                                          record_service_call)
from engine.spiff.parsing import BPMN_NS, parse_definition
from engine.decisions.store import decide_newest
from engine.spiff.elements import element_names, element_properties
from engine.trial import (DEFAULT_BUDGET as TRIAL_STEP_BUDGET, Trial, TrialRefused, TrialSetup, complete_trial_task,
                          fire_trial_timer, start_trial)
from engine.spiff.xmlsafe import dtd_line, parse_bpmn_xml, safe_parser, validate_bpmn_xsd, xml_bytes

__all__ = [
    "Engine", "build_engine", "engine_of", "Hooks",
    "GENESIS_SHA256", "EventView", "append_event", "event_digest", "list_events", "read_events",
    "revealed_data", "verify_chain", "shred_case", "append_operator_event", "city_chain_head",
    "list_operator_events", "operator_digest", "verify_city_chain",
    "MIGRATION_TEMPLATES", "MigrationRefused", "check_migration",
    "migrate_instance", "migrate_instances", "running_instances", "effective_mapping",
    "plan_migration", "MIGRATION_BATCH", "MIGRATION_JOB_TEMPLATES", "dry_run", "run_migration_batch",
    "select_instances", "start_migration_job", "target_version", "waiting_at", "NO_SUCH_ELEMENT",
    "NO_SUCH_SOURCE", "propose_mapping", "MigrationProblem", "version_elements",
    "instance_overview", "Replay", "iter_verify", "replay_instance", "verify_instance",
    "check_start_data", "complete_task", "get_task", "latest_version", "open_tasks",
    "require_ready", "send_message", "send_message_for", "start_instance", "start_instance_for",
    "waiting_messages",
    "send_message_from_system",
    "claim_task", "reassign_task", "unclaim_task", "shown_task_data", "server_data", "task_data",
    "fire_due_timer_batch", "fire_next_due_timers",
    "claim_service_calls", "perform_service_call", "record_service_call",
    "INCIDENT_EVENTS", "cancel_instance", "count_incidents", "data_changes", "element_choices",
    "get_instance_to_repair", "list_incidents", "may_repair", "move_token", "resume_instance",
    "retry_instance", "set_instance_data", "suspend_instance", "query_terms",
    "BPMN_NS", "parse_definition", "decide_newest", "element_names", "element_properties",
    "TRIAL_STEP_BUDGET", "Trial", "TrialRefused", "TrialSetup", "complete_trial_task", "fire_trial_timer", "start_trial",
    "dtd_line", "parse_bpmn_xml", "safe_parser", "validate_bpmn_xsd", "xml_bytes",
]
