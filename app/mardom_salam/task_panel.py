"""The Mardom Salam request a 137 message came from, on that message's task and instance pages:
the meeting, and the owner and deadline the follow-up working group set."""
from programmes.mardom_salam import requests as msr


def message_extras(session, instance_id: int) -> dict:
    """Template context naming the meeting request behind a 137 message (empty otherwise)."""
    found = msr.request_of_message(session, instance_id)
    if found is None:
        return {}
    return {"mardom_salam_request": found, "mardom_salam_state": msr.request_state(found)}


def task_extras(session, task, user) -> dict:
    """message_extras for the instance of a task."""
    return message_extras(session, task.instance_id)
