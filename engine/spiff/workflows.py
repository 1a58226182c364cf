"""SpiffWorkflow objects in and out of storage: specs per version, new, run, serialize, the data.

A running workflow's tasks (which is ready, the timers and messages it waits on, which elements
ran) are read in engine.spiff.workflow_tasks; what a version's elements declare in
engine.spiff.elements."""
import json
import threading

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from models.errors import UnreadableState

from engine.spiff.parsing import parse_definition
from engine.spiff.pruning import prune_history
from engine.spiff.sandbox import SandboxScriptEngine
from engine.spiff.timer_events import register_clock_timers
from engine.spiff.service_tasks import register_service_tasks
from engine.spiff.decision_task import register_decision_tasks
# Re-exported: the runtime and the harness read the tasks waiting for a person from here.
from engine.spiff.ready_tasks import ReadyHumanTask, ready_human_tasks  # noqa: F401

MAX_ENGINE_STEPS = 10_000  # a runaway loop of engine tasks is stopped, not left spinning


class _StateConverter(BpmnWorkflowConverter):
    """SpiffWorkflow's converter of a BpmnWorkflow, able to leave the specs out of a state.

    SpiffWorkflow puts the whole process spec into every serialized workflow (about 70 % of a
    stored state) and rebuilds it on every load (most of a load's time). A version's specs never
    change and are cached by content hash (specs_for), so states name that hash instead
    (SPEC_SHA256_KEY) and loading puts the cached spec objects back.
    """

    def to_dict_without_specs(self, workflow) -> dict:
        """BpmnWorkflowConverter.to_dict without "spec" and "subprocess_specs"."""
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict_with_specs(self, dct: dict, spec, subprocess_specs: dict) -> BpmnWorkflow:
        """BpmnWorkflowConverter.from_dict on a state without specs, with these spec objects."""
        # The registry hands back objects it has no converter for unchanged, so the base
        # class "restores" the spec objects themselves.
        dct["spec"], dct["subprocess_specs"] = spec, subprocess_specs
        return self.from_dict(dct)


_registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
register_clock_timers(_registry)  # timers on models.clock, stored under upstream's type names
register_service_tasks(_registry)  # service tasks that wait for their call, likewise
register_decision_tasks(_registry)  # businessRuleTask calling a deployed decision table
_converter = _StateConverter(BpmnWorkflow, _registry)  # replaces the default BpmnWorkflow converter
_serializer = BpmnWorkflowSerializer(_registry)
VERSION_KEY = BpmnWorkflowSerializer.VERSION_KEY  # kept in every state: SpiffWorkflow migrates by it
SPEC_SHA256_KEY = "spec_content_sha256"  # a state without specs: content_sha256 of its version

_specs_lock = threading.Lock()
_specs_by_sha256: dict[str, tuple] = {}  # never emptied: the spec objects stay alive
_sha256_by_spec_id: dict[int, str] = {}  # id(spec) of a cached spec -> its content hash


class RunawayProcess(Exception):
    """An instance ran more engine steps in one go than any real procedure needs."""


def cache_specs(content_sha256: str, spec, subprocess_specs: dict) -> tuple:
    """Keep the specs of a BPMN file by its content hash; return the cached (spec, subprocess_specs).

    The first specs cached for a hash stay: a caller passing others gets those back, so every
    workflow of one content shares one spec object and its states can leave the spec out.
    """
    with _specs_lock:
        cached = _specs_by_sha256.get(content_sha256)
        if cached is None:
            cached = _specs_by_sha256[content_sha256] = (spec, subprocess_specs)
            _sha256_by_spec_id[id(spec)] = content_sha256
    return cached


def specs_for(version) -> tuple:
    """(spec, subprocess_specs) of a deployed version, cached by its content hash."""
    with _specs_lock:
        cached = _specs_by_sha256.get(version.content_sha256)
    if cached is None:
        # No deploy-time code check here: the sandbox refuses such code when it runs, so a
        # stored version that bypassed deploy fails its instance instead of every start.
        # Nor a lane check: a lane may name a role an administrator added (roles table).
        parsed = parse_definition(version.bpmn_xml, check_forms=False, check_code=False,
                                  check_lanes=False)
        cached = cache_specs(version.content_sha256, parsed.spec, parsed.subprocess_specs)
    return cached


def new_workflow(version, data: dict | None = None,
                 script_engine: SandboxScriptEngine | None = None) -> BpmnWorkflow:
    """A fresh workflow of a version, with initial data on its start task (and the given script
    engine; a bare sandbox with the default helpers otherwise: Engine.new_workflow gives its own)."""
    spec, subprocess_specs = specs_for(version)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine or SandboxScriptEngine())
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data or {})
    return workflow


def _cached_sha256(workflow: BpmnWorkflow) -> str | None:
    sha = _sha256_by_spec_id.get(id(workflow.spec))
    if sha is not None and _specs_by_sha256[sha][0] is workflow.spec:
        return sha
    return None


def dump_workflow(workflow: BpmnWorkflow, content_sha256: str | None = None) -> str:
    """Serialize a workflow to JSON text.

    A workflow of cached specs (every workflow of a version) is stored without its specs, under
    the content hash of its version; any other keeps SpiffWorkflow's full format, unless the
    caller names the content hash of its specs (a studio trial: it parses the diagram again
    for every step, so its specs need not stay in the cache).
    """
    sha = content_sha256 or _cached_sha256(workflow)
    if sha is None:
        return _serializer.serialize_json(workflow)
    _registry._encoder_mode = True  # as serialize_json: the JSON encoder converts nested objects
    try:
        dct = _converter.to_dict_without_specs(workflow)
        dct["typename"] = _converter.typename
        dct[SPEC_SHA256_KEY] = sha
        dct[VERSION_KEY] = _serializer.VERSION
        return json.dumps(dct, cls=_serializer._encoder_cls)
    finally:
        _registry._encoder_mode = False


def load_workflow(state_json: str, version=None,
                  script_engine: SandboxScriptEngine | None = None) -> BpmnWorkflow:
    """Deserialize a stored workflow (see _load_workflow); UnreadableState if its data nests
    deeper than the deserializer can follow, rather than a RecursionError on every page."""
    try:
        return _load_workflow(state_json, version, script_engine)
    except RecursionError:
        raise UnreadableState("The stored state of this instance holds data nested too deeply "
                              "to be read; it cannot go on. Its history is kept.") from None


def _load_workflow(state_json: str, version=None,
                   script_engine: SandboxScriptEngine | None = None) -> BpmnWorkflow:
    """Deserialize a stored workflow and give it a sandboxed script engine.

    version: the ProcessVersion the state belongs to (an instance's .version). A state stored
    without specs takes that version's cached spec objects; without a version only a spec
    cached in this process will do (LookupError otherwise). A state in SpiffWorkflow's full
    format (stored before specs were left out) rebuilds its spec from the state.
    """
    dct = json.loads(state_json)
    if "spec" in dct:
        _serializer.migrate(dct)
        specs = specs_for(version) if version is not None else None
        if specs is not None and _names_all_specs(dct, *specs):
            # The version's cached specs instead of the copy in the state (the same file), so
            # that the state is stored without it from now on.
            dct.pop("typename", None)
            workflow = _converter.from_dict_with_specs(dct, *specs)
        else:
            workflow = _serializer.from_dict(dct)
    else:
        spec, subprocess_specs = _specs_of_state(dct.pop(SPEC_SHA256_KEY, None), version)
        dct.pop("typename", None)
        if dct.get(VERSION_KEY) != _serializer.VERSION:
            # An older serializer format: SpiffWorkflow's migrations expect a full state, so
            # give them the specs as dicts, then use the cached objects all the same.
            # (Through the JSON encoder: plain dicts whatever another thread's dump is doing.)
            dct["spec"], dct["subprocess_specs"] = json.loads(json.dumps(
                [spec, subprocess_specs], cls=_serializer._encoder_cls))
        _serializer.migrate(dct)
        workflow = _converter.from_dict_with_specs(dct, spec, subprocess_specs)
    workflow.script_engine = script_engine or SandboxScriptEngine()
    return workflow


def load_with_specs(state_json: str, spec, subprocess_specs: dict,
                    script_engine: SandboxScriptEngine) -> BpmnWorkflow:
    """Deserialize a state stored without its specs (dump_workflow) with these spec objects."""
    dct = json.loads(state_json)
    dct.pop(SPEC_SHA256_KEY, None)
    dct.pop("typename", None)
    _serializer.migrate(dct)
    workflow = _converter.from_dict_with_specs(dct, spec, subprocess_specs)
    workflow.script_engine = script_engine
    return workflow


def _names_all_specs(dct: dict, spec, subprocess_specs: dict) -> bool:
    """True if every task of a full-format state names a task spec the given specs have."""
    if dct["spec"].get("name") != spec.name or set(dct.get("subprocess_specs", {})) - set(subprocess_specs):
        return False
    for task in dct["tasks"].values():
        if task["task_spec"] not in spec.task_specs:
            return False
    for subprocess in dct.get("subprocesses", {}).values():
        sub_spec = subprocess_specs.get(subprocess.get("spec"))
        if sub_spec is None or any(t["task_spec"] not in sub_spec.task_specs
                                   for t in subprocess["tasks"].values()):
            return False
    return True


def _specs_of_state(sha256: str | None, version) -> tuple:
    if version is not None:
        if sha256 is not None and sha256 != version.content_sha256:
            raise ValueError(f"this state belongs to the specs {sha256[:12]}, not to version "
                             f"{version.version} ({version.content_sha256[:12]}) of {version.process_key}")
        return specs_for(version)
    with _specs_lock:
        cached = _specs_by_sha256.get(sha256) if sha256 else None
    if cached is None:
        raise LookupError("this state was stored without its specs: load it with its version")
    return cached


def run_engine(workflow: BpmnWorkflow) -> None:
    """Run engine tasks (gateways, scripts, timers that are due) until people must act."""
    steps = 0

    def count(_task):
        nonlocal steps
        steps += 1
        if steps > MAX_ENGINE_STEPS:
            raise RunawayProcess(f"stopped after {MAX_ENGINE_STEPS} engine steps without "
                                 "reaching a human task: the diagram loops without end")

    workflow.refresh_timers()
    workflow.do_engine_steps(will_complete_task=count)
    prune_history(workflow)


def current_data(workflow: BpmnWorkflow) -> dict:
    """The data a person would call "the instance's data": that of the latest task, with that
    of the latest task of each embedded sub-process still running over it, outermost first
    (its tasks complete in a workflow of their own: a complaint's examination, review and
    announcement while the main line waits on the sub-process)."""
    task = workflow.last_task
    data = dict(task.data) if task is not None else {}
    for sub in sorted(workflow.get_active_subprocesses(), key=lambda sp: sp.depth):
        if sub.last_task is not None:
            data.update(sub.last_task.data)
    return json.loads(json.dumps(data, default=str))
