"""What SpiffWorkflow 3.2 and the checks of this system say about a diagram, in a process owner's words.

SpiffWorkflow reports problems in its own terms ("Non-default exclusive outgoing sequence flow
without condition.", "A Service Task must have an operator.") or crashes with a KeyError inside
its parser; files from other modelling tools meet these often (../shared/corpus/README.md).
Here each such failure becomes a BpmnError on the element it concerns (id, and its name in the
message), saying what is wrong and what to do, with a short `kind` for grouping
(scripts/corpus_report.py). No tracebacks, no Python class names.

    explain_spiff_exception(exc, tree)  a SpiffWorkflow ValidationException while parsing
                                        (engine.problems.spiff_refusals)
    explain_crash(exc, tree)            anything else raised while parsing (KeyError, ...)
                                        (engine.problems.spiff_refusals)
    explain_error(error, tree)          a BpmnError of this system, reworded where it helps
                                        (engine.problems.messages)
    explain_exception(exc, xml)         any of these, and errors of running an instance (here)
"""
import re

from models.errors import BpmnError, BpmnValidationError
from models.messages import Message
from engine.problems.elements import clean_message, describe, find, located_error, parse_quietly
from engine.problems.spiff_refusals import explain_crash, explain_spiff_exception, unsupported_event
from engine.problems.messages import explain_error


def explain_exception(exc: BaseException, xml=None) -> list[BpmnError]:
    """Any failure of parsing, validating or running a diagram, as located plain-word problems."""
    root = parse_quietly(xml)
    if isinstance(exc, BpmnValidationError):
        return [explain_error(e, root) for e in exc.errors]
    if isinstance(exc, BpmnError):
        return [explain_error(exc, root)]
    name = type(exc).__name__
    if name == "ValidationException":
        return [explain_spiff_exception(exc, root)]
    task = getattr(exc, "task", None)
    if task is not None:  # a WorkflowTaskException: a script or expression failed while running
        spec = getattr(task, "task_spec", None)
        element_id = getattr(spec, "bpmn_id", None)
        element = find(root, element_id)
        detail = clean_message(getattr(exc, "error_msg", None) or (exc.args[0] if exc.args else ""))
        missing = re.search(r"name '(\w+)' is not defined", str(exc))
        if missing:
            text = Message("{what} uses {name!r}, which is not in the process data when it runs. "
                           "Set it earlier (a form field or a script) or change the expression.",
                           what=describe(element, None, element_id), name=missing.group(1))
            kind = "expression uses data that is not there"
        else:
            text = Message("{what} failed while running: {detail}",
                           what=describe(element, None, element_id), detail=detail)
            kind = "failed while running"
        return [located_error(text, kind, element, element_id=element_id)]
    if isinstance(exc, RecursionError):
        return [located_error(Message("Running this process sent the workflow engine into an endless "
                                      "chain of steps (typically a loop back through a gateway with "
                                      "no task that waits). Check the loops of the diagram."),
                              "engine could not run the diagram", tag="definitions")]
    if name in ("RunawayProcess", "SandboxViolation"):
        return [located_error(str(exc), "loops without end" if name == "RunawayProcess" else "script or expression refused",
                       tag="definitions")]
    if name == "NotImplementedError" or isinstance(exc, NotImplementedError):
        text = clean_message(exc.args[0] if exc.args else "")
        match = re.search(r"\sid=\"([^\"]+)\"", str(exc.args[1]) if len(exc.args) > 1 else "")
        element = find(root, match.group(1)) if match else None
        if "Catch Event" in text:
            return [explain_spiff_exception_like(unsupported_event(root, element, text), element)]
        return [located_error(Message("{what} uses a feature the workflow engine does not support.",
                                      what=describe(element) if element is not None else Message("The diagram")),
                              "feature not supported", element)]
    return explain_crash(exc, root)


def explain_spiff_exception_like(text_kind, element) -> BpmnError:
    """A (text, kind) pair from an explainer as a BpmnError on the element."""
    text, kind = text_kind
    return located_error(text, kind, element)
