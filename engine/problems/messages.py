"""This system's own BpmnErrors from parsing, reworded for a process owner where they are technical.

    explain_error(error, tree)  a BpmnError of this system, with a `kind` and plainer words
"""
import re

from models.errors import BpmnError
from models.messages import Message
from engine.problems.elements import describe, find, located_error, pool_of, root_of
from engine.spiff.xmlsafe import BPMN_NS


def _explain_condition(error, root):
    match = re.search(r"at statement: (['\"])(.*)\1\s*$", error.message)
    code = match.group(2) if match else None
    element = find(root, error.element_id)
    what = describe(element, error.tag, error.element_id)
    if code is not None and (code.lstrip().startswith(("${", "#{")) ):
        language, hint = Message("Java EL (JUEL, as Camunda 7 and Activiti write)"), "foo > bar"
    elif code is not None and code.lstrip().startswith("="):
        language, hint = Message("FEEL (as Camunda 8 writes)"), "fraud == True"
    else:
        language, hint = None, "amount > 1000 and approved == True"
    hint = Message("e.g. {example}", example=hint)
    if language and code is not None:
        text = Message("The condition {code!r} of {what} is written in {language}; this system "
                       "writes conditions in Python over the process data ({hint}). Rewrite it.",
                       code=code, what=what, language=language, hint=hint)
        kind = "condition in another tool's language"
    elif code is not None:
        text = Message("The condition {code!r} of {what} is not a valid expression; this system "
                       "writes conditions in Python over the process data ({hint}).",
                       code=code, what=what, hint=hint)
        kind = "condition not a valid expression"
    else:
        text = Message("The condition of {what} is not a valid expression; this system writes "
                       "conditions in Python over the process data ({hint}).", what=what, hint=hint)
        kind = "condition not a valid expression"
    new = BpmnError(text, error.element_id, error.line, error.tag)
    new.kind = kind
    return new


def explain_error(error: BpmnError, tree=None) -> BpmnError:
    """A BpmnError from parsing, reworded for a process owner where its wording is technical."""
    if getattr(error, "kind", None):
        return error
    root = root_of(tree)
    message = error.message
    if message.startswith("condition is not valid Python"):
        return _explain_condition(error, root)
    if "no executable process" in message:
        processes = [] if root is None else list(root.iterfind(f"{{{BPMN_NS}}}process"))
        described = [describe(pool_of(root, p) if pool_of(root, p) is not None else p)
                     for p in processes[:4]]
        # Joined as a Message of its own, so that each name is said in the page's language.
        joined = ", ".join("{n%d}" % i for i in range(len(described)))
        names = Message(joined, **{f"n{i}": d for i, d in enumerate(described)}) if described else None
        if processes:
            text = Message("No process in this file is marked executable: its author drew it as "
                           "documentation (isExecutable=\"false\") ({names}). Mark the process that "
                           "should run as executable.", names=names)
        elif root is not None and root.find(f"{{{BPMN_NS}}}collaboration") is not None:
            text = Message("The file contains no process, only pools without processes (black "
                           "boxes); there is nothing to run.")
        else:
            text = Message("The file contains no process, only definitions; there is nothing to run.")
        kind = "not marked executable" if processes else "no process in the file"
        if processes:  # said on the (first) process, where the author marks it executable
            new = located_error(text, kind, processes[0])
            return new
        new = BpmnError(text, error.element_id, error.line, error.tag)
        new.kind = kind
        return new
    new = BpmnError(message, error.element_id, error.line, error.tag)
    if message.startswith("Not valid BPMN 2.0"):
        element = find(root, error.element_id)
        if element is None and error.line and root is not None:  # said on the nearest element with an id
            on_line = [e for e in root.iter() if isinstance(e.tag, str) and e.sourceline == error.line]
            owner = next((a for e in on_line[:1] for a in e.iterancestors() if a.get("id")), None)
            if owner is not None:
                new.element_id = owner.get("id")
        new.message = _xsd_words(message, element)
        new.kind = "not valid BPMN 2.0 (schema)"
    elif message.startswith("The file is not well-formed"):
        new.kind = "not well-formed XML"
    elif message.startswith("This is not a BPMN 2.0 file"):
        new.kind = "not a BPMN 2.0 file"
    elif "reserved by the workflow engine" in message:
        new.kind = "reserved id"
    elif "names no role" in message or "in no lane" in message:
        new.kind = "lane names no role"
    elif "refused by the sandbox" in message or "is not valid Python" in message:
        new.kind = "script or expression refused"
    elif "does not exist in forms/" in message:
        new.kind = "form missing"
    else:
        new.kind = "other"
    return new


def _xsd_words(message: str, element) -> str:
    """The XSD's wording, with the common cases said plainly."""
    where = describe(element) if element is not None else None
    attr = re.search(r"The attribute '(\w+)' is required but missing", message)
    if attr and where:
        return Message("{what} lacks the attribute {attribute!r}, which BPMN 2.0 requires ({detail})",
                       what=where, attribute=attr.group(1), detail=message)
    if "atomic type 'xs:ID'" in message:
        bad = re.search(r"attribute 'id': '([^']*)'", message)
        return (Message("The id {id!r} is not a valid id: an id must be unique in the file, start "
                        "with a letter or '_' and contain no spaces.", id=bad.group(1)) if bad else message)
    return message
