"""What other engine modules add to a step: pages that own a task, data the server computes,
work done when an instance ends. The modules owning them register at import."""
from programmes.surveys.answers import server_data as survey_server_data

# Tasks whose work is done on a page of their own, which saves more than the form (a Mardom
# Salam meeting's classification table, the service desk's codes): (process key, task spec) ->
# a function (session, task) -> (endpoint, url values) of that page. The generic task page and
# the API refuse to complete them.
COMPLETED_ELSEWHERE: dict = {}
# form key -> function (session, task) -> dict: data the server computes for a task of that
# form, shown on its page while it is open and kept with its completion (what the person was
# shown, not what the browser sent back).
SERVER_DATA: dict = {}
# form key -> function (session, task) that raises InvalidData while the task may not complete.
COMPLETION_CHECKS: dict = {}
# process key -> function (session, instance), run in the step that completes an instance, so
# that what the ending means (a draft published) is written with it and never on a later read.
ON_INSTANCE_COMPLETED: dict = {}


def server_data(session, task) -> dict:
    """Data the server adds when a task completes (after its checks): computed tables, what
    the task was shown."""
    check = COMPLETION_CHECKS.get(task.form_key or "")
    if check is not None:
        check(session, task)
    data = survey_server_data(session, task)
    data.update(shown_data(session, task))
    return data


def shown_data(session, task) -> dict:
    """The data the server computes for this task now (empty when none is registered)."""
    compute = SERVER_DATA.get(task.form_key or "")
    return compute(session, task) if compute is not None else {}


def run_completion_hook(session, instance) -> None:
    """Run the work registered for the end of an instance of this process, if any."""
    hook = ON_INSTANCE_COMPLETED.get(instance.process_key)
    if hook is not None:
        hook(session, instance)
