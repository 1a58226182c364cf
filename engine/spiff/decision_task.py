"""businessRuleTask: a diagram calls a deployed decision table by id.

The task names its decision with SpiffWorkflow's extension `spiffworkflow:calledDecisionId`
(and may pin a version with the property `decisionVersion`). Unlike SpiffWorkflow's own
BusinessRuleTask, the table is not parsed into the diagram's spec: it is looked up when the
task runs, through the decision source the runtime sets for the step (engine.decisions.runner:
the versions the instance started with), so a table is deployed and versioned on its own.
What the table decides lands in the task data, by output name; which rules matched lands in
data["decisions"][decision id] (the history and the replay show it).
"""
from contextvars import ContextVar

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.parser.task_spec import SpiffTaskParser
from SpiffWorkflow.spiff.serializer.task_spec import SpiffBpmnTaskConverter
from SpiffWorkflow.spiff.specs.spiff_task import SpiffBpmnTask

DECISION_VERSION = "decisionVersion"  # the task's property pinning a decision version
TRACE_KEY = "decisions"  # data key: decision id -> {version, matched_rules, matched_indexes}

# function (decision_id, version | None, data) -> (outputs: dict, trace: dict), set per step.
current_source: ContextVar = ContextVar("decision_source", default=None)
# The source when no step set one: a workflow run in memory (engine.harness, tests, tools)
# decides with the tables shipped in processes/decisions/ (set by engine.decisions.runner).
fallback_source = None


class DecisionTaskFailed(Exception):
    """A decision could not be taken (the message says why in a process owner's words)."""


class CityBusinessRuleTask(SpiffBpmnTask):
    """A businessRuleTask whose decision table is looked up when it runs."""

    def __init__(self, wf_spec, name, decision_id=None, decision_version=None, **kwargs):
        super().__init__(wf_spec, name, **kwargs)
        self.decision_id = decision_id
        self.decision_version = decision_version

    def _run_hook(self, my_task):
        source = current_source.get() or fallback_source
        label = self.bpmn_name or self.bpmn_id
        if source is None:
            raise WorkflowTaskException(
                f'Business rule task "{label}": decision tables are not available here '
                "(only a deployed instance takes decisions)", task=my_task)
        if not self.decision_id:
            raise WorkflowTaskException(f'Business rule task "{label}" names no decision',
                                        task=my_task)
        try:
            outputs, trace = source(self.decision_id, self.decision_version, dict(my_task.data))
        except DecisionTaskFailed as exc:
            raise WorkflowTaskException(f'Business rule task "{label}": {exc}', task=my_task) from exc
        my_task.data.update(outputs)
        my_task.data[TRACE_KEY] = {**(my_task.data.get(TRACE_KEY) or {}), self.decision_id: trace}
        return super()._run_hook(my_task)


class CityBusinessRuleTaskParser(SpiffTaskParser):
    """Reads calledDecisionId and the decisionVersion property; needs no DMN file at parse time."""

    @staticmethod
    def get_decision_ref(node):
        return SpiffTaskParser._parse_extensions(node).get("calledDecisionId")

    def create_task(self):
        extensions = self.parse_extensions()
        version = (extensions.get("properties") or {}).get(DECISION_VERSION)
        return CityBusinessRuleTask(
            self.spec, self.bpmn_id, decision_id=(extensions.get("calledDecisionId") or "").strip() or None,
            decision_version=int(version) if str(version or "").strip().isdigit() else None,
            prescript=extensions.get("preScript"), postscript=extensions.get("postScript"),
            **self.bpmn_attributes)


class CityBusinessRuleTaskConverter(SpiffBpmnTaskConverter):
    """Stores the decision id and pinned version with the task spec."""

    def to_dict(self, spec):
        dct = super().to_dict(spec)
        dct["decision_id"] = spec.decision_id
        dct["decision_version"] = spec.decision_version
        return dct


def with_decision_tasks(parser_classes: dict, tag: str) -> dict:
    """The parser-class table with businessRuleTask parsed as CityBusinessRuleTask."""
    return {**parser_classes, tag: (CityBusinessRuleTaskParser, CityBusinessRuleTask)}


def register_decision_tasks(registry) -> None:
    """Serialize CityBusinessRuleTask specs (a state in full format carries its specs)."""
    CityBusinessRuleTaskConverter(CityBusinessRuleTask, registry)
