"""A service task (or a message throw event calling one) names a connector an administrator configured (connectors/, /admin/connectors),
and gives it only the parameters it takes: problems pinned on the element, in a process owner's
words (English templates; the web layer translates them)."""
from connectors import connector_parameters, enabled_connectors

from modeling.rules import NS, Problem, _problem

SERVICE_NO_CONNECTOR = ('Service task "{name}" names no connector; choose one of the connectors '
                        'an administrator configured')
SERVICE_UNKNOWN_CONNECTOR = ('Service task "{name}" names the connector {connector}, which is not '
                             'configured or is disabled')
SERVICE_UNKNOWN_PARAMETER = ('Service task "{name}" gives the connector {connector} the parameter '
                             '{parameter}, which it does not take')
TEMPLATES = (SERVICE_NO_CONNECTOR, SERVICE_UNKNOWN_CONNECTOR, SERVICE_UNKNOWN_PARAMETER)


def check_service_tasks(root, session=None) -> list[Problem]:
    """Every service task names a configured, enabled connector (with a session: the table;
    without one only that it names one) and only parameters the connector takes."""
    known = {c.name: connector_parameters(c) for c in enabled_connectors(session)} \
        if session is not None else None
    problems = []
    # Service tasks, and message throw events that name a connector (their message leaves
    # through it; one without is an ordinary throw event).
    calling = [*root.iterfind(".//bpmn:serviceTask", NS), *(
        event for event in root.iterfind(".//bpmn:intermediateThrowEvent", NS)
        if event.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS) is not None)]
    for task in calling:
        operator = task.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        name = (operator.get("id") or "").strip() if operator is not None else ""
        if not name:
            problems.append(_problem("connector", SERVICE_NO_CONNECTOR, task))
            continue
        if known is None:
            continue
        if name not in known:
            problems.append(_problem("connector", SERVICE_UNKNOWN_CONNECTOR, task, connector=name))
            continue
        for parameter in operator.iterfind("spiffworkflow:parameters/spiffworkflow:parameter", NS):
            if known[name] and parameter.get("id") not in known[name]:
                problems.append(_problem("connector", SERVICE_UNKNOWN_PARAMETER, task,
                                         connector=name, parameter=parameter.get("id") or ""))
    return problems
