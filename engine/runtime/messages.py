"""Delivering a named message to a running instance: from outside (the API, by the role its
catch event names) or by the system; the messages an instance waits for."""

from sqlalchemy.orm import undefer

from models import Instance, User
from people import access

from engine.core import engine_of
from models.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.events import append_event
from engine.runtime.steps import advance_instance, check_submitted_bounds
from engine.spiff.workflow_tasks import (deliver_message, external_message_names,
                                         waiting_message_names, waiting_message_roles)


_INSTANCE_WITH_STATE = (undefer(Instance.state_json),)


def send_message(session, instance_id: int, user: User, name: str, payload: dict | None) -> Instance:
    """Deliver a named message (with a JSON payload) from outside (the API) to a running instance
    waiting for it: only a message whose catch event declares externalMessageRole, and only by
    a holder of that role in the instance's district (or city-wide). Internal messages (a Mardom
    Salam programme's closing) are sent by the system after its own checks (send_message_for)."""
    instance = session.get(Instance, instance_id, options=_INSTANCE_WITH_STATE)
    if instance is None:
        raise NotFound("Instance {id} does not exist.", id=instance_id)
    if not access.can_view_instance(user, instance) or not access.can_start_in_district(
            user, instance.district_id):
        raise Forbidden("This instance belongs to another district.")
    if payload is not None and not isinstance(payload, dict):
        raise InvalidData("payload must be an object.", {"payload": "must be an object"})
    if instance.status != "running":
        raise Conflict("This instance is no longer running.")
    workflow = engine_of(session).load_workflow(instance.state_json, instance.version)
    roles = waiting_message_roles(workflow, name)
    if not roles:
        raise Conflict("This instance is not waiting for the message {name}.",
                       {"waiting_for": external_message_names(workflow)}, name=name)
    if not all(roles):
        raise Forbidden("The message {name} is not accepted from outside: the system sends it "
                        "after its own checks.", name=name)
    if not all(access.has_role(user, role, instance.district_id) for role in roles):
        raise Forbidden("Only a holder of the role {role} in this district may send the message "
                        "{name}.", role=", ".join(sorted(set(roles))), name=name)
    return _deliver(session, instance, workflow, user, name, payload)


def send_message_for(session, instance: Instance, actor: User, name: str,
                     payload: dict | None) -> Instance:
    """Deliver a message on behalf of actor without checking roles (callers check access)."""
    if instance.status != "running":
        raise Conflict("This instance is no longer running.")
    check_submitted_bounds(session, payload or {}, "the message payload")
    workflow = engine_of(session).load_workflow(instance.state_json, instance.version)
    return _deliver(session, instance, workflow, actor, name, payload)


def send_message_from_system(session, instance: Instance, actor: User, name: str,
                             payload: dict | None, source: dict) -> Instance:
    """Deliver a message another system sends (a partner's signed answer, app/api/inbound.py):
    only one the instance waits for now at a catch event that declares it receivable from
    outside (externalMessageRole); otherwise Conflict and nothing changes. The caller has
    authenticated the system and checked its permission; source goes into the event."""
    if instance.status != "running":
        raise Conflict("This instance is no longer running.")
    if payload is not None and not isinstance(payload, dict):
        raise InvalidData("payload must be an object.", {"payload": "must be an object"})
    check_submitted_bounds(session, payload or {}, "the message payload")
    workflow = engine_of(session).load_workflow(instance.state_json, instance.version)
    roles = waiting_message_roles(workflow, name)
    if not roles or not all(roles):
        raise Conflict("This instance is not waiting for the message {name} from another system.",
                       {"waiting_for": external_message_names(workflow)}, name=name)
    return _deliver(session, instance, workflow, actor, name, payload, source)


def _deliver(session, instance: Instance, workflow, actor: User, name: str,
             payload: dict | None, source: dict | None = None) -> Instance:
    check = engine_of(session).hooks.message_checks.get(name)
    if check is not None:
        check(session, instance, payload or {})  # e.g. the 137 automation's answer needs a text
    if not deliver_message(workflow, name, payload or {}):
        raise Conflict("This instance is not waiting for the message {name}.",
                       {"waiting_for": waiting_message_names(workflow)}, name=name)
    append_event(session, instance, "message_received", actor=actor,
                 data={"name": name, "payload": payload or {}, **(source or {})})
    advance_instance(session, instance, workflow, actor)
    return instance


def waiting_messages(session, instance: Instance) -> list[str]:
    """Names of the messages a running instance waits for now."""
    return waiting_message_names(engine_of(session).load_workflow(instance.state_json, instance.version))
