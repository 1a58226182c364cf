"""Who is told of an incident: the holders of repair_instances in the instance's district or
city-wide (process owners, administrators), in-app and by the channels they chose for the kind
"incident", once per incident: a retry that fails again is the same incident and tells no one.

Event key "incident:<instance id>:<seq>", seq being that of the instance_error event that opens
the incident, so a later incident of the same instance (after a successful repair) is told too.
"""
from engine import engine_of
from notifications.staff import notify_users
from people.access import holders_of

REPAIR = "repair_instances"
UNKNOWN_STEP = "نامشخص"  # the notice is Persian text (notifications/templates/staff_incident.txt)
MAX_MESSAGE = 500  # the engine's words kept with the notification (a traceback can be long)


def notify_incident(session, instance) -> int:
    """Tell who may repair it that the instance went to error (engine hook instance_failed);
    return how many people were told. Nothing when a retry of a known incident failed again."""
    if (instance.failure_count or 0) != 1:
        return 0
    message = (instance.error_message or "")[:MAX_MESSAGE]
    params = {"process_name": instance.version.name or instance.process_key,
              "process_key": instance.process_key,
              "element": instance.failed_element,
              # SpiffWorkflow does not always say which task failed (a timer's own expression).
              "element_name": instance.failed_element_name or instance.failed_element or UNKNOWN_STEP,
              "error_message": message,
              # A confidential case's code is not spread beyond who may see it.
              "tracking_code": None if instance.confidential else instance.tracking_code}
    district = instance.district
    with session.no_autoflush:
        made = notify_users(
            session, holders_of(session, REPAIR, instance.district_id), "incident",
            f"incident:{instance.id}:{(instance.last_event_seq or 0) + 1}", params,
            context={"instance_url": engine_of(session).public_url(f"/instances/{instance.id}"),
                     "district_name": district.name_fa if district is not None else None},
            instance_id=instance.id, district_id=instance.district_id)
    return len(made)
