"""JSON shapes of processes, instances, tasks and events."""


def _iso(value):
    return value.isoformat() + "Z" if value is not None else None


def process_json(version) -> dict:
    return {"key": version.process_key, "name": version.name, "version": version.version,
            "content_sha256": version.content_sha256, "deployed_at": _iso(version.deployed_at)}


def instance_json(instance, open_tasks=()) -> dict:
    return {"id": instance.id, "process": instance.process_key, "version": instance.version.version,
            "title": instance.title, "tracking_code": instance.tracking_code,
            "district": instance.district.code, "status": instance.status,
            "error": instance.error_message, "data": instance.data,
            "started_at": _iso(instance.started_at), "completed_at": _iso(instance.completed_at),
            "open_tasks": [task_json(t) for t in open_tasks]}


def task_json(task, form=None, data=None) -> dict:
    out = {"id": task.id, "instance_id": task.instance_id, "process": task.process_key,
           "task": task.task_spec, "name": task.name, "role": task.role, "lane": task.lane,
           "district": task.district.code, "status": task.status,
           "assignee": task.assignee.username if task.assignee else None,
           "form_key": task.form_key, "created_at": _iso(task.created_at), "due_at": _iso(task.due_at),
           "completed_at": _iso(task.completed_at),
           "completed_by": task.completed_by.username if task.completed_by else None}
    if form is not None:
        out["form"] = form
    if data is not None:
        out["data"] = data
    return out


def event_json(event) -> dict:
    return {"seq": event.seq, "type": event.type, "task": event.task_spec,
            "actor": event.actor.username if event.actor else None, "at": _iso(event.at),
            "data": event.data, "sha256": event.sha256, "prev_sha256": event.prev_sha256}
