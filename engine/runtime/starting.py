"""Starting an instance: the latest version of a process, the data a caller may start it with,
and the start itself (run to its first wait)."""

from sqlalchemy import bindparam, select

from models import District, Instance, ProcessVersion, User
from people import access

from engine.core import engine_of
from engine.decisions.store import pin_decisions
from models.errors import Forbidden, InvalidData, NotFound
from engine.events import GENESIS_SHA256, append_event
from formjs.forms import FormNotFound, form_fields, load_form
from engine.runtime.steps import advance_instance, check_submitted_bounds
from engine.spiff.elements import start_data_declared


_LATEST_VERSION = (select(ProcessVersion).where(ProcessVersion.process_key == bindparam("key"))
                   .order_by(ProcessVersion.version.desc()).limit(1))


def latest_version(session, process_key: str) -> ProcessVersion:
    """The newest deployed version of a process, or NotFound."""
    version = session.scalars(_LATEST_VERSION, {"key": process_key}).first()
    if version is None:
        raise NotFound("No process {key} is deployed.", key=process_key)
    return version


def start_instance(session, process_key: str, user: User, district_id: int,
                   data: dict | None = None, title: str = "") -> Instance:
    """Start the latest version of a process in a district and run it to its first wait."""
    district = session.get(District, district_id) if district_id is not None else None
    if district is None:
        raise InvalidData("Unknown district.", {"district": "Unknown district."})
    if not access.can_start_in_district(user, district.id):
        raise Forbidden("You hold no role in this district.")
    return start_instance_for(session, process_key, user, district, data, title)


def check_start_data(session, process_key: str, data) -> None:
    """A caller from outside (the API) starts an instance only with data its diagram takes:
    the fields of its start form (the form of the task it opens first, which shows them as a
    draft, a read-only field excepted) and the keys its start event declares (startDataKeys).
    Any other key could set what the process computes itself (a deadline, a date of receipt).
    InvalidData names each other key."""
    if data is None:
        return
    if not isinstance(data, dict):
        raise InvalidData("data must be an object.", {"data": "must be an object"})
    keys, forms = start_data_declared(latest_version(session, process_key))
    for form_key in forms:
        try:
            fields = form_fields(load_form(form_key, session=session))
        except (FormNotFound, ValueError):
            continue  # refused at deploy; nothing of it is accepted
        keys.update(field["path"].split(".")[0].split("[")[0] for field in fields
                    if not field["readonly"])
    unknown = sorted(str(key) for key in data if key not in keys)
    if unknown:
        raise InvalidData("This process does not take {keys} at its start.",
                          {key: "not a start field of this process" for key in unknown},
                          keys=", ".join(unknown))


def start_instance_for(session, process_key: str, actor: User, district: District,
                       data: dict | None = None, title: str = "",
                       tracking_prefix: str | None = None) -> Instance:
    """Start a process on behalf of actor without checking roles (callers check access).

    The citizen portal and Open311 start instances for citizens, who hold no role;
    tracking_prefix: passed to the instance_starting hooks (a tracking code's prefix for an
    instance whose process has none).
    """
    if data is not None and not isinstance(data, dict):
        raise InvalidData("data must be an object.", {"data": "must be an object"})
    check_submitted_bounds(session, data or {})
    version = latest_version(session, process_key)
    data = dict(data or {})
    instance = Instance(process_version_id=version.id, version=version, process_key=process_key,
                        district_id=district.id, status="running", title=title or version.name,
                        state_json="{}", started_by_id=actor.id,
                        last_event_seq=0, last_event_sha256=GENESIS_SHA256, waiting_timer_count=0)
    engine = engine_of(session)
    for hook in engine.hooks.instance_starting:  # e.g. a tracking code, also into its data
        hook(session, instance, data, tracking_prefix)
    instance.data = dict(data)
    workflow = engine.new_workflow(version, data)
    session.add(instance)
    session.flush()
    pin_decisions(session, instance)  # its business-rule tasks keep today's tables
    append_event(session, instance, "instance_started", actor=actor,
                 data={"version": version.version, "content_sha256": version.content_sha256,
                       "district": district.code, "data": data})
    for hook in engine.hooks.instance_started:
        hook(session, instance, actor)
    advance_instance(session, instance, workflow, actor, new=True)
    return instance
