"""Prune finished history from a workflow's live task tree after each engine run."""
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.util.task import TaskState

# SpiffWorkflow keeps every task it ever ran in the task tree: a loop appends a new chain of
# tasks on every pass, so the stored state, its (de)serialization and every tree walk grow with
# the instance's history; past ~1000 tasks deep SpiffWorkflow's iterators stop descending
# (TaskIterator.max_depth) and the open tasks of a long loop vanish. The complete history
# lives in the event log (every completion with its data), so after each engine run the tree
# keeps only what the engine can still read:
#
# - the root, every task that is not finished (predicted, future, waiting, ready, started) or
#   is in error, together with its parent (a task takes its data from its parent when it
#   becomes ready) and its children (multi-instance and loop tasks merge their finished
#   instances; a waiting join reads its siblings through its parent);
# - the split task a structured join looks up among its ancestors (boundary events);
# - the cancelled instances of a parallel or inclusive join that still hold a branch's token,
#   with their parents, until the join fires (_pending_join_tokens);
# - the workflow's last completed task (the instance's current data);
# - the root's children that lead to any of these (SpiffWorkflow looks for running paths
#   under them when an end event is reached).
#
# Every other task is finished history: it is dropped and each kept task hangs from its
# nearest kept ancestor, in the original order, so the engine's walks see the same kept tasks
# in the same order. A dropped completed call activity takes its finished sub-process with it.
# Completed tasks that are dropped are counted per BPMN element in the root task's internal
# data, so completed_elements() still counts every pass.

PRUNED_COMPLETIONS = "pruned_completions"  # root.internal_data key: {bpmn_id: completions}
_FINISHED_OK = TaskState.COMPLETED | TaskState.CANCELLED
_TOKEN_JOINS = (ParallelGateway, InclusiveGateway)  # not _EndJoin: it only reads open tasks


def prune_history(workflow: BpmnWorkflow) -> int:
    """Drop finished tasks the engine can no longer read; return how many were dropped."""
    counts: dict[str, int] = {}
    removed = _prune_tree(workflow, workflow, counts)
    for subprocess in list(workflow.subprocesses.values()):
        # Running sub-processes only; a finished one stays whole until its task is dropped.
        if not subprocess.completed and subprocess.parent_task_id in workflow.subprocesses:
            removed += _prune_tree(workflow, subprocess, counts)
    if counts:
        kept = workflow.task_tree.internal_data.setdefault(PRUNED_COMPLETIONS, {})
        for bpmn_id, n in counts.items():
            kept[bpmn_id] = kept.get(bpmn_id, 0) + n
    return removed


def _count_completed(tasks, counts: dict[str, int]) -> None:
    for task in tasks:
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id and task.has_state(TaskState.COMPLETED):
            counts[bpmn_id] = counts.get(bpmn_id, 0) + 1


def _pinned_ids(workflow) -> set:
    """Ids of the tasks of one (sub-)workflow that must stay in its tree."""
    tasks = workflow.tasks
    keep = {workflow.task_tree.id}
    if workflow.last_task is not None:
        keep.add(workflow.last_task.id)
    for task in tasks.values():
        if task.has_state(_FINISHED_OK):
            continue
        keep.add(task.id)
        if task._parent is not None:
            keep.add(task._parent)
        keep.update(task._children)
        split = getattr(task.task_spec, "split_task", None)
        if split:  # a structured join finds its split by name among its ancestors
            ancestor = tasks.get(task._parent)
            while ancestor is not None and ancestor.task_spec.name != split:
                ancestor = tasks.get(ancestor._parent)
            if ancestor is not None:
                keep.add(ancestor.id)
    keep |= _pending_join_tokens(tasks)
    return keep


def _pending_join_tokens(tasks: dict) -> set:
    """Ids of the cancelled join instances (and their parents) whose branch token is unspent.

    A parallel (or inclusive) gateway has one task instance per incoming branch that reached
    it, each under that branch's last task. When a second branch arrives while the first
    waits, SpiffWorkflow's UnstructuredJoin cancels the older WAITING instance, yet its
    ParallelGateway/InclusiveGateway threshold checks still count a cancelled instance whose
    parent is COMPLETED as a token on that input (and _run_hook merges that parent's data).
    The token therefore lives only in a CANCELLED task, which looks like finished history:
    dropping it lost the branch for good, and with three or more branches arriving at
    different runs (one waiting at the join while another's task waits on a person or a
    boundary timer) the join never fired and the instance never completed. Such an instance
    stays until a COMPLETED instance of the same join that is not its ancestor shows the join
    has fired and consumed it; an earlier pass's fired join is its ancestor and does not count
    (dropping consumed tokens also keeps a later loop pass from counting an old pass's token).
    """
    instances: dict[str, list] = {}
    for task in tasks.values():
        if isinstance(task.task_spec, _TOKEN_JOINS):
            instances.setdefault(task.task_spec.name, []).append(task)
    keep = set()
    for same_join in instances.values():
        fired = [t for t in same_join if t.has_state(TaskState.COMPLETED)]
        for task in same_join:
            parent = tasks.get(task._parent)
            if (not task.has_state(TaskState.CANCELLED) or parent is None
                    or not parent.has_state(TaskState.COMPLETED)):
                continue
            if any(not task.is_descendant_of(join) for join in fired):
                continue  # the join fired after this token arrived: it was consumed
            keep.update((task.id, parent.id))
    return keep


def _prune_tree(top: BpmnWorkflow, workflow, counts: dict[str, int]) -> int:
    tasks = workflow.tasks
    keep = _pinned_ids(workflow)
    if len(keep) >= len(tasks):
        return 0
    root = workflow.task_tree
    new_parent, new_children, dropped = {root.id: None}, {root.id: []}, []
    for top_child_id in root._children:
        # Depth-first, children in order: kept tasks are collected in the order the engine's
        # iterators visit them, each under its nearest kept ancestor (None: the root child).
        found, stack = [], [(top_child_id, None)]
        while stack:
            task_id, nearest = stack.pop()
            task = tasks.get(task_id)
            if task is None:
                continue
            if task_id in keep:
                found.append((task_id, nearest))
                nearest = task_id
            else:
                dropped.append(task)
            stack.extend((child_id, nearest) for child_id in reversed(task._children))
        if not found:
            continue
        if found[0][0] != top_child_id:  # keep the root child: it leads to kept tasks
            dropped.remove(tasks[top_child_id])
            found = [(top_child_id, None)] + [(t, n if n is not None else top_child_id)
                                             for t, n in found]
        for task_id, nearest in found:
            parent_id = root.id if nearest is None else nearest
            new_parent[task_id] = parent_id
            new_children.setdefault(parent_id, []).append(task_id)
            new_children.setdefault(task_id, [])
    if not dropped:
        return 0
    _count_completed(dropped, counts)
    for task in dropped:
        if task.id in top.subprocesses:  # a finished call activity or sub-process
            _count_completed(top.subprocesses[task.id].get_tasks(state=TaskState.COMPLETED), counts)
            top.delete_subprocess(task)
        top.event_manager.remove_task(task)
        del tasks[task.id]
    for task_id, parent_id in new_parent.items():
        task = tasks[task_id]
        task._parent = parent_id
        task._children = new_children[task_id]
    return len(dropped)
