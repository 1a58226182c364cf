"""Deploy-time checks of the Python in diagrams: what the sandbox would refuse, found before it runs."""
import ast
import re

from models.errors import BpmnError
from models.messages import Message

from engine.spiff.sandbox_policy import compile_code


def check_expression(source: str) -> str | None:
    """Statically check an expression for the sandbox; return the error message or None."""
    return compile_code(source, "eval")[1]


def check_script(source: str) -> str | None:
    """Statically check a script for the sandbox; return the error message or None."""
    return compile_code(source, "exec")[1]


_NSMAP = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
          "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
# (xpath, compile mode, what a process owner calls it)
_CODE_SITES = (
    (".//bpmn:scriptTask/bpmn:script", "exec", Message("script")),
    (".//spiffworkflow:preScript", "exec", Message("pre-script")),
    (".//spiffworkflow:postScript", "exec", Message("post-script")),
    (".//bpmn:conditionExpression", "eval", Message("condition")),
    (".//bpmn:conditionalEventDefinition/bpmn:condition", "eval", Message("condition")),
    (".//bpmn:timeDuration | .//bpmn:timeDate | .//bpmn:timeCycle", "eval", Message("timer expression")),
    (".//bpmn:loopCardinality", "eval", Message("loop cardinality")),
    (".//bpmn:completionCondition", "eval", Message("completion condition")),
    (".//bpmn:standardLoopCharacteristics/bpmn:loopCondition", "eval", Message("loop condition")),
    (".//spiffworkflow:messagePayload | .//spiffworkflow:payloadExpression", "eval", Message("message payload")),
    (".//bpmn:correlationPropertyRetrievalExpression/*", "eval", Message("correlation expression")),
)
# Wrappers between a piece of code and the element a process owner sees in the diagram.
_WRAPPERS = ("EventDefinition", "LoopCharacteristics", "extensionElements",
             "correlationPropertyRetrievalExpression")


# RestrictedPython's commonest refusals, as templates (the English text unchanged).
_CODE_MESSAGES = (
    (re.compile(r"^Line (?P<line>\d+): SyntaxError: invalid syntax at statement: (?P<statement>'[^'\n]*'|\"[^\"\n]*\")$"),
     Message("Line {line}: SyntaxError: invalid syntax at statement: {statement}")),
    (re.compile(r'^Line (?P<line>\d+): "(?P<name>[^"]+)" is an invalid variable name because it starts with "_"$'),
     Message('Line {line}: "{name}" is an invalid variable name because it starts with "_"')),
    (re.compile(r'^Line (?P<line>\d+): "(?P<name>[^"]+)" is an invalid attribute name because it starts with "_"$'),
     Message('Line {line}: "{name}" is an invalid attribute name because it starts with "_"')),
)


def _said(error: str) -> str:
    """The sandbox's refusal as a Message when it is one of the common ones (same English)."""
    for pattern, template in _CODE_MESSAGES:
        found = pattern.match(error)
        if found:
            params = {k: int(v) if k == "line" else v for k, v in found.groupdict().items()}
            message = Message(template.template, **params)
            return message if message == error else error
    return error


def _owner(element):
    for ancestor in element.iterancestors():
        if ancestor.get("id") and not ancestor.tag.endswith(_WRAPPERS):
            return ancestor
    return element.getparent()


def find_code_errors(tree) -> list[BpmnError]:
    """Statically check every script and expression in a parsed BPMN tree; return the refusals."""
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    errors = []
    for xpath, mode, what in _CODE_SITES:
        for element in root.xpath(xpath, namespaces=_NSMAP):
            source = element.text or ""
            error = source.strip() and (check_expression if mode == "eval" else check_script)(source)
            if not error:
                timer = _timer_problem(element, source)
                if timer is not None:
                    owner = _owner(element)
                    errors.append(BpmnError(timer, element_id=owner.get("id"), line=element.sourceline,
                                            tag=owner.tag.rsplit("}", 1)[-1]))
                continue
            syntax = any(f": {kind}:" in error for kind in ("SyntaxError", "IndentationError", "TabError"))
            text = (Message("{what} is not valid Python: {detail}", what=what, detail=_said(error))
                    if syntax else
                    Message("{what} refused by the sandbox: {detail}", what=what, detail=_said(error)))
            owner = _owner(element)
            errors.append(BpmnError(text, element_id=owner.get("id"),
                                    line=element.sourceline, tag=owner.tag.rsplit("}", 1)[-1]))
    errors.sort(key=lambda e: e.line or 0)
    return errors


# A bare ISO 8601 duration (P1D, PT48H) is a Python name: it passes the sandbox and then fails
# every instance that reaches the timer with a NameError. (Quoted text that is not ISO 8601 is
# modeling.rules' check_timers, with the texts engine.spiff.timer_events reads.)
_BARE_DURATION = re.compile(r"^P(\d|T\d)[0-9A-Z]*$", re.IGNORECASE)
_TIMER_KINDS = ("timeDuration", "timeDate", "timeCycle")


def _timer_problem(element, source: str) -> Message | None:
    """A timer's duration left unquoted: the sandbox lets it through, every instance then fails."""
    if element.tag.rsplit("}", 1)[-1] not in _TIMER_KINDS:
        return None
    try:
        body = ast.parse(source.strip(), mode="eval").body
    except SyntaxError:
        return None
    if isinstance(body, ast.Name) and _BARE_DURATION.match(body.id):
        return Message('The timer\'s time {value} is not in quotes: write "{value}" (an ISO 8601 '
                       'duration) or a Python expression such as add_working_days(now(), 10).',
                       value=body.id)
    return None
