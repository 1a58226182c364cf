"""Script sandbox: the cost of one script or expression call, in this process (RestrictedPython
only, as before issue 19) and in a worker process with operating-system limits (the engine's
way now), and the complaint process's whole run through the engine floor both ways.

Run:   .venv/bin/python bench/sandbox_overhead.py [--calls 2000]
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.spiff import sandbox  # noqa: E402
from engine.spiff.sandbox import DEFAULT_HELPERS, IsolatedEnvironment, SandboxEnvironment  # noqa: E402

DATA = {"amount": 12, "category": "service", "citizen": {"name": "سارا", "phone": "0912"},
        "rows": [{"item": f"row {i}", "qty": i} for i in range(20)]}
SCRIPT = "total = sum(r['qty'] for r in rows)\nlabel = f'{category}: {total}'"
HELPER_SCRIPT = "due = add_working_days(now(), 3)"
EXPRESSION = "amount > 10 and category == 'service'"


def per_call_us(run, calls: int) -> float:
    run()  # a first call starts the worker; not counted
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    calls = parser.parse_args().calls
    started = time.perf_counter()
    IsolatedEnvironment(DEFAULT_HELPERS).execute("y = 1", {})
    print(f"first call (starts a worker): {(time.perf_counter() - started) * 1e3:.0f} ms")
    print(f"{'median per call, µs':<34}{'in process':>12}{'worker':>10}")
    for name, kind, source in (("script (task data, 20 rows)", "exec", SCRIPT),
                               ("script calling 2 helpers", "exec", HELPER_SCRIPT),
                               ("expression (gateway condition)", "eval", EXPRESSION)):
        figures = []
        for env in (SandboxEnvironment(DEFAULT_HELPERS), IsolatedEnvironment(DEFAULT_HELPERS)):
            if kind == "exec":
                figures.append(per_call_us(lambda: env.execute(source, dict(DATA)), calls))
            else:
                figures.append(per_call_us(lambda: env.evaluate(source, DATA), calls))
        print(f"{name:<34}{figures[0]:>12.0f}{figures[1]:>10.0f}")
    floor_runs = max(50, calls // 10)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from engine_floor import engine_floor
    figures = {}
    for name, environment in (("in process", _in_process), ("worker", IsolatedEnvironment)):
        sandbox.IsolatedEnvironment = environment  # what SandboxScriptEngine() builds
        try:
            floor = engine_floor(runs=floor_runs, serde_reps=20, warmup=10)
        finally:
            sandbox.IsolatedEnvironment = IsolatedEnvironment
        figures[name] = (floor["start_median_us"], floor["step_median_us"])
    print(f"complaint process, median µs ({floor_runs} runs): start {figures['in process'][0]:.0f} -> "
          f"{figures['worker'][0]:.0f}, user-task step {figures['in process'][1]:.0f} -> {figures['worker'][1]:.0f}")


def _in_process(helpers, timeout_seconds, max_data_bytes, max_data_depth, limits=None):
    return SandboxEnvironment(helpers, timeout_seconds, max_data_bytes, max_data_depth)


if __name__ == "__main__":
    main()
