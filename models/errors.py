"""Errors the engine raises to its callers, in words a process owner or user understands."""


class BpmnError(Exception):
    """A problem in a BPMN file, located on its element (id, tag) and line where known."""

    def __init__(self, message: str, element_id: str | None = None, line: int | None = None,
                 tag: str | None = None):
        super().__init__(message)
        self.message = message
        self.element_id = element_id
        self.line = line
        self.tag = tag

    def __str__(self) -> str:
        where = []
        if self.line:
            where.append(f"line {self.line}")
        if self.tag or self.element_id:
            where.append(f"element {self.tag or ''}{' id=' + repr(self.element_id) if self.element_id else ''}".strip())
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def as_dict(self) -> dict:
        return {"message": self.message, "element_id": self.element_id, "line": self.line,
                "tag": self.tag}


class BpmnValidationError(Exception):
    """A BPMN file was refused; carries every problem found."""

    def __init__(self, errors: list[BpmnError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class SandboxViolation(Exception):
    """A script or expression tried something the sandbox forbids, or ran too long."""


class WorkflowError(Exception):
    """Base class of errors raised by running instances; `status` is the HTTP status to answer."""
    status = 400

    def __init__(self, template: str, details: dict | None = None, **params):
        # The template is English; the web layer translates it, then fills in params.
        self.template = template
        self.params = params
        self.message = template.format(**params)
        self.details = details or {}
        super().__init__(self.message)


class NotFound(WorkflowError):
    status = 404


class Forbidden(WorkflowError):
    status = 403


class Conflict(WorkflowError):
    status = 409


class InvalidData(WorkflowError):
    """Submitted form data failed validation; details maps field key -> message."""
    status = 400


class UnreadableState(Conflict):
    """A stored workflow state the engine cannot read back (data nested deeper than it can
    follow, stored before the bounds on task data): its pages still show, its steps are refused."""
