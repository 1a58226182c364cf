"""Engine floor: the in-memory cost of the complaint process in SpiffWorkflow alone.

No database, no Flask, no HTTP. The BPMN file is parsed once (engine.spiff.parsing, as deploy
does); then, for each of --runs instances of the complaint process (service branch,
review approved), it times:

  start   new_workflow(version) + run_engine(workflow)          (what a start must do)
  step    for each of the 4 user tasks (register, examine, review, announce):
          find_ready_task(workflow, id) + task.data.update(form data) + task.run()
          + run_engine(workflow)                                 (what a completion must do)

and, on the workflow's state at each wait point (after start, after each completion),
dump_workflow (serialize) / load_workflow (deserialize) time and the JSON size.

Run:   .venv/bin/python bench/engine_floor.py [--runs 2000] [--serde-reps 300] [--json]

Other scripts import engine_floor() to compare their per-step cost with this floor.
"""
import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.spiff.parsing import parse_definition  # noqa: E402
from engine.spiff.workflow_tasks import find_ready_task  # noqa: E402
from engine.spiff.workflows import (dump_workflow, load_workflow, new_workflow,  # noqa: E402
                                    ready_human_tasks, run_engine)

BPMN = ROOT / "processes" / "complaints.bpmn"

# Valid data of each form (same values as tests/http/http_support.py), service branch, approved.
REGISTER_SERVICE = {
    "complainant_name": "مریم احمدی", "phone": "09123456789", "channel": "phone",
    "subject": "چاله در خیابان", "complaint_type": "service",
    "description": "چاله‌ای بزرگ جلوی پلاک ۱۲ مانده است.", "address": "خیابان بهار",
}
EXAMINATION = {"findings": "بازدید میدانی انجام شد.", "justified": "yes",
               "answer_text": "چاله تا پایان هفته ترمیم می‌شود."}
REVIEW_APPROVE = {"decision": "approve"}
ANNOUNCEMENT = {"announcement_channel": "letter", "announced_on": "2024-05-01",
                "letter_number": "۱۲۳/ش"}

# (label, BPMN id of the user task expected ready, its form data)
STEPS = (
    ("register", "Task_register_complaint", REGISTER_SERVICE),
    ("examine", "Task_examine_service_complaint", EXAMINATION),
    ("review", "Task_review_answer", REVIEW_APPROVE),
    ("announce", "Task_announce_result", ANNOUNCEMENT),
)
STATE_POINTS = ("after start", "after register", "after examine", "after review", "after announce")


def complaint_version():
    """A stand-in for the ProcessVersion row: what engine.spiff.workflows.specs_for reads."""
    xml = BPMN.read_bytes()
    parsed = parse_definition(xml)  # validated, as at deploy; specs_for caches by sha256
    return SimpleNamespace(content_sha256=parsed.content_sha256, bpmn_xml=parsed.xml)


def _ready_user_task_id(workflow, expected_spec: str) -> str:
    ready = ready_human_tasks(workflow)
    assert len(ready) == 1 and ready[0].task_spec == expected_spec, \
        f"expected {expected_spec} ready, got {[t.task_spec for t in ready]}"
    return ready[0].spiff_task_id


def _one_step(workflow, task_id: str, data: dict) -> None:
    task = find_ready_task(workflow, task_id)
    task.data.update(data)
    task.run()
    run_engine(workflow)


def pct(values, p: float) -> float:
    """p-th percentile (nearest rank on the sorted values)."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def measure_steps(version, runs: int) -> dict:
    """Time start and the 4 user-task steps over `runs` complete instances (µs lists)."""
    times = {"start": []}
    times.update({label: [] for label, _, _ in STEPS})
    clock = time.perf_counter_ns
    for _ in range(runs):
        t0 = clock()
        workflow = new_workflow(version, {})
        run_engine(workflow)
        times["start"].append((clock() - t0) / 1000)
        for label, spec_id, data in STEPS:
            task_id = _ready_user_task_id(workflow, spec_id)  # untimed bookkeeping
            t0 = clock()
            _one_step(workflow, task_id, data)
            times[label].append((clock() - t0) / 1000)
        assert workflow.is_completed(), "the complaint did not complete after 4 steps"
    return times


def measure_serialization(version, reps: int) -> list[dict]:
    """dump/load time (µs) and size of the workflow at each wait point."""
    workflow = new_workflow(version, {})
    run_engine(workflow)
    states = [load_workflow(dump_workflow(workflow))]  # an independent snapshot per wait point
    for _label, spec_id, data in STEPS:
        _one_step(workflow, _ready_user_task_id(workflow, spec_id), data)
        states.append(load_workflow(dump_workflow(workflow)))
    rows = []
    clock = time.perf_counter_ns
    for point, wf in zip(STATE_POINTS, states):
        text = dump_workflow(wf)
        dumps, loads = [], []
        for _ in range(reps):
            t0 = clock()
            dump_workflow(wf)
            dumps.append((clock() - t0) / 1000)
            t0 = clock()
            load_workflow(text)
            loads.append((clock() - t0) / 1000)
        rows.append({"point": point, "serialize_median_us": statistics.median(dumps),
                     "serialize_p95_us": pct(dumps, 95),
                     "deserialize_median_us": statistics.median(loads),
                     "deserialize_p95_us": pct(loads, 95),
                     "state_bytes": len(text.encode("utf-8"))})
    return rows


def engine_floor(runs: int = 2000, serde_reps: int = 300, warmup: int = 50) -> dict:
    """Measure and summarise the floor; every time in µs.

    Keys: start_*, step_* (all 4 steps pooled), steps{label: {median, p95}}, serde (rows per
    wait point), completion_floor_us = mean over the 4 completions of
    (load of the state before + step + dump of the state after): what a stateless server
    must at least spend per completion; start_floor_us = start + dump of the first state.
    """
    version = complaint_version()
    measure_steps(version, warmup)  # caches, lru_cache of compiled expressions, allocator
    load = os.getloadavg()
    gc.collect()
    times = measure_steps(version, runs)
    serde = measure_serialization(version, serde_reps)
    pooled = [v for label, _, _ in STEPS for v in times[label]]
    steps = {label: {"median_us": statistics.median(times[label]), "p95_us": pct(times[label], 95)}
             for label, _, _ in STEPS}
    completion = [serde[i]["deserialize_median_us"] + steps[label]["median_us"]
                  + serde[i + 1]["serialize_median_us"] for i, (label, _, _) in enumerate(STEPS)]
    return {
        "runs": runs, "serde_reps": serde_reps, "loadavg_before": load, "loadavg_after": os.getloadavg(),
        "start_median_us": statistics.median(times["start"]), "start_p95_us": pct(times["start"], 95),
        "step_median_us": statistics.median(pooled), "step_p95_us": pct(pooled, 95),
        "step_mean_us": statistics.fmean(pooled),
        "steps": steps, "serde": serde,
        "completion_floor_us": statistics.fmean(completion),
        "start_floor_us": statistics.median(times["start"]) + serde[0]["serialize_median_us"],
    }


def print_report(floor: dict) -> None:
    la = lambda t: "/".join(f"{x:.2f}" for x in t)  # noqa: E731
    print(f"Engine floor: complaint process, SpiffWorkflow only (in memory), {floor['runs']} runs; "
          f"loadavg before {la(floor['loadavg_before'])}, after {la(floor['loadavg_after'])} (2 cores)")
    print()
    print(f"{'operation':34} {'median µs':>10} {'p95 µs':>10}")
    print("-" * 56)
    print(f"{'start (new_workflow + run_engine)':34} {floor['start_median_us']:>10.0f} {floor['start_p95_us']:>10.0f}")
    for label, stats in floor["steps"].items():
        print(f"{'step: ' + label:34} {stats['median_us']:>10.0f} {stats['p95_us']:>10.0f}")
    print(f"{'step: all 4 pooled  (FLOOR)':34} {floor['step_median_us']:>10.0f} {floor['step_p95_us']:>10.0f}")
    print()
    print(f"{'state (wait point)':18} {'serialize µs':>13} {'p95':>7} {'deserialize µs':>15} {'p95':>7} {'bytes':>8}")
    print("-" * 72)
    for row in floor["serde"]:
        print(f"{row['point']:18} {row['serialize_median_us']:>13.0f} {row['serialize_p95_us']:>7.0f} "
              f"{row['deserialize_median_us']:>15.0f} {row['deserialize_p95_us']:>7.0f} {row['state_bytes']:>8}")
    print()
    print(f"step floor (median of the 4 user-task steps):            {floor['step_median_us']:8.0f} µs")
    print(f"completion floor (load before + step + dump after, mean): {floor['completion_floor_us']:8.0f} µs")
    print(f"start floor (new_workflow + run_engine + dump):          {floor['start_floor_us']:8.0f} µs")
    print(f"=> one core could at most do ~{1e6 / floor['completion_floor_us']:.0f} completions/s "
          f"or ~{1e6 / floor['start_floor_us']:.0f} starts/s of pure engine work")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=2000, help="complete instances to time (4 steps each)")
    parser.add_argument("--serde-reps", type=int, default=300, help="dump/load repetitions per wait point")
    parser.add_argument("--json", action="store_true", help="print the result as JSON too")
    args = parser.parse_args(argv)
    floor = engine_floor(args.runs, args.serde_reps)
    print_report(floor)
    if args.json:
        print(json.dumps(floor, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
