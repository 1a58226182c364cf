"""The one extension point: what the city's programmes add to the engine.

Each programme's `register(engine)` (called from create_app, or by a test that builds its own
engine) fills one Hooks object; the runtime asks it and never imports a programme.
"""
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Hooks:
    """Registries the runtime consults at fixed points of a step."""

    # (process key, task spec) -> function (session, task) -> (endpoint, url values) of the page
    # where that task is done, which saves more than the form (a Mardom Salam meeting's
    # classification). The generic task page and the API refuse to complete such tasks.
    completed_elsewhere: dict = field(default_factory=dict)
    # form key -> function (session, task) -> dict: data the server computes for a task of that
    # form, shown on its page while open and kept with its completion (what the person was shown);
    # a form field of one of its keys is read-only for that task (formjs.forms.readonly_fields).
    shown_data: dict = field(default_factory=dict)
    # form key -> function (session, task) -> dict | None: the schema a task of that form is
    # shown and validated with when its instance has one of its own (an opinion poll's
    # questionnaire made from its plan); None: the form's version as usual. Read by
    # formjs.versions.task_schema through session.info (Engine.session_info).
    task_schemas: dict = field(default_factory=dict)
    # form key -> function (session, task) -> dict: data computed only at completion, replacing
    # what the client sent (a survey's summary tables).
    completion_data: dict = field(default_factory=dict)
    # form key -> function (session, task) that raises InvalidData while the task may not complete.
    completion_checks: dict = field(default_factory=dict)
    # process key -> function (session, instance), run in the step that completes an instance.
    instance_completed: dict = field(default_factory=dict)
    # functions (session, instance, data, tracking_prefix) run before a new instance first runs:
    # they may set columns of the instance and add to its start data (a tracking code).
    instance_starting: list = field(default_factory=list)
    # functions (session, instance, actor) run once the instance_started event is logged.
    instance_started: list = field(default_factory=list)
    # functions (session, task, actor, data, now) -> dict | None run when a task completes, before
    # its event is logged; what they return is added to the event's data (a record's code).
    task_completed: list = field(default_factory=list)
    # functions (session, instance, completed task | None, opened tasks, started: bool) run after
    # each step is stored (what the citizen is told).
    step_stored: list = field(default_factory=list)
    # functions (session, instance) run each time a step puts an instance in error, before its
    # instance_error event is logged (engine.runtime.steps.note_failure): failure_count is 1 for
    # a new incident, more when a retry of it failed again (who may repair it is told once).
    instance_failed: list = field(default_factory=list)
    # functions (session, instance, timer, fired_at) run as each due timer fires, before the step
    # it starts (engine.runtime.timers): the metrics' timer lateness and step start.
    timer_fired: list = field(default_factory=list)
    # process key -> {"channel" | "category": data key}: the data keys an instance of that process
    # is filtered by channel and category with (engine.runtime.search_index; default: the keys
    # channel and category).
    search_keys: dict = field(default_factory=dict)
    # name -> function every script and expression may call.
    script_helpers: dict = field(default_factory=dict)
    # message name -> function (session, instance, payload) that raises InvalidData while the
    # payload cannot be taken (engine.runtime.messages: checked before delivery, nothing changed).
    message_checks: dict = field(default_factory=dict)

    def page_of(self, task) -> Callable | None:
        """The function giving the page where this task is done, if it is done elsewhere."""
        return self.completed_elsewhere.get((task.process_key, task.task_spec))

    def data_at_completion(self, session, task, shown: dict | None = None) -> dict:
        """Checks, then the data the server adds when a task completes (shown: data_shown's
        answer when the caller has it already)."""
        check = self.completion_checks.get(task.form_key or "")
        if check is not None:
            check(session, task)
        compute = self.completion_data.get(task.form_key or "")
        data = dict(compute(session, task)) if compute is not None else {}
        data.update(self.data_shown(session, task) if shown is None else shown)
        return data

    def data_shown(self, session, task) -> dict:
        """The data the server computes for this task now (empty when none is registered)."""
        compute = self.shown_data.get(task.form_key or "")
        return compute(session, task) if compute is not None else {}

    def instance_completed_in(self, session, instance) -> None:
        """Run the work registered for the end of an instance of this process, if any."""
        hook = self.instance_completed.get(instance.process_key)
        if hook is not None:
            hook(session, instance)
