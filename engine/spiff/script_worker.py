"""Worker processes that run diagram code with operating-system limits, and the pool that
keeps them: the calling process's side (the worker's own is engine/spiff/worker_process.py,
the wire between them engine/spiff/worker_protocol.py).

A worker is `python -c ...` speaking length-prefixed pickles over its stdin and stdout. It
imports only the sandbox's pure modules (engine/spiff/restricted.py and its parts; package
stubs keep SQLAlchemy and SpiffWorkflow out), then limits itself: address space (RLIMIT_AS),
CPU time per call (RLIMIT_CPU), no new files or sockets (RLIMIT_NOFILE at its three open
descriptors, RLIMIT_FSIZE 0) and no child processes (RLIMIT_NPROC). A call sends the task
data and the code; the worker runs it under RestrictedPython with the time bound, checks the
size and depth of what it would leave, and answers with the new task data or value. The
helpers (now(), add_working_hours, ...) run in the calling process, in the calling thread (its
clock and calendar): the worker asks for them by name. The caller kills a worker that does not
answer in time or answers too much; a worker that died is replaced by a fresh one for the next
call, and the call fails with a clear message. What comes back is unpickled with a whitelist
of plain data types only.
"""
import os
import pickle
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from engine.spiff.data_bounds import check_data_bounds, data_too_large
from engine.spiff.worker_protocol import (GRACE_SECONDS, HEADER, KEPT_EXCEPTIONS, WorkerDied,
                                          data_loads, text_of, well_formed)
from models.errors import SandboxViolation
from models.messages import Message

STARTUP_SECONDS = 30.0  # a new worker's import and warm-up, before any script's clock runs
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Stubs for the packages above the worker's modules: their __init__ (SQLAlchemy, Spiff) never runs.
_CHILD_CODE = (
    "import os, sys, types\n"
    f"root = {_ROOT!r}\n"
    "sys.path.insert(0, root)\n"
    "for name in ('engine', 'engine.spiff', 'models'):\n"
    "    stub = types.ModuleType(name)\n"
    "    stub.__path__ = [os.path.join(root, *name.split('.'))]\n"
    "    sys.modules[name] = stub\n"
    "from engine.spiff.worker_process import child_main\n"
    "child_main()\n")


@dataclass(frozen=True)
class WorkerLimits:
    """The operating-system limits of a worker and how many a process keeps."""

    memory_mb: int = 512          # RLIMIT_AS: the worker's whole address space
    workers: int = 4              # at most this many calls of one process run at once
    timezones: tuple = field(default=("Asia/Tehran", "UTC"))  # loaded before files are closed


class _Worker:
    """One worker process, seen from the calling process."""

    def __init__(self, limits: WorkerLimits):
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", _CHILD_CODE], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True,
            start_new_session=True, cwd="/")
        self.send(("limits", limits.memory_mb * 1024 * 1024, tuple(limits.timezones)))
        # Started and limited before its first call's time limit begins (a busy machine is slow here).
        try:
            ready = self.receive(time.monotonic() + STARTUP_SECONDS, 1024)
        except (TimeoutError, WorkerDied, SandboxViolation):
            ready = None
        if ready != ("ready",):
            self.kill()
            raise WorkerDied("the worker did not start")

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, message) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.process.stdin.write(HEADER.pack(len(data)) + data)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as exc:
            raise WorkerDied(str(exc)) from None

    def receive(self, deadline: float, max_bytes: int):
        header = self._read(HEADER.size, deadline)
        (length,) = HEADER.unpack(header)
        if length > max_bytes:
            raise data_too_large("size", "the task data", max_bytes)
        try:
            return data_loads(self._read(length, deadline))
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
                RecursionError, MemoryError, IndexError, KeyError) as exc:
            raise SandboxViolation(Message("the script's result cannot be stored: {detail}",
                                           detail=str(exc)[:200])) from None

    def _read(self, n: int, deadline: float) -> bytes:
        stream = self.process.stdout
        chunks, missing = [], n
        while missing:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([stream], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(stream.fileno(), min(missing, 1 << 20))
            if not chunk:
                raise WorkerDied("the worker closed its output")
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass


class _Pool:
    """Up to limits.workers long-lived workers of one process; a caller waits for a free one."""

    def __init__(self, limits: WorkerLimits):
        self.limits = limits
        self.idle: list[_Worker] = []
        self.count = 0
        self.pid = os.getpid()
        self.changed = threading.Condition()

    def acquire(self) -> _Worker:
        with self.changed:
            while not self.idle and self.count >= self.limits.workers:
                self.changed.wait()
            worker = self.idle.pop() if self.idle else None
            if worker is None:
                self.count += 1
        if worker is not None and worker.alive():
            return worker
        if worker is not None:
            worker.kill()
        try:
            return _Worker(self.limits)
        except Exception:
            self.release(None, False)
            raise

    def release(self, worker: _Worker | None, healthy: bool) -> None:
        if worker is not None and not healthy:
            worker.kill()
        with self.changed:
            if worker is not None and healthy:
                self.idle.append(worker)
            else:
                self.count -= 1
            self.changed.notify()

    def close(self) -> None:
        with self.changed:
            idle, self.idle = self.idle, []
            self.count -= len(idle)
        for worker in idle:
            worker.kill()


_pools: dict[WorkerLimits, _Pool] = {}
_pools_lock = threading.Lock()


def _pool_for(limits: WorkerLimits) -> _Pool:
    with _pools_lock:
        pool = _pools.get(limits)
        if pool is None or pool.pid != os.getpid():  # a forked process (gunicorn) starts its own
            pool = _pools[limits] = _Pool(limits)
        return pool


def close_workers() -> None:
    """End every idle worker of this process (tests; the next call starts fresh ones)."""
    with _pools_lock:
        pools = list(_pools.values())
    for pool in pools:
        pool.close()


def _rebuilt(name: str, text: str, line: int | None, extra) -> Exception:
    if name == "DataTooLarge" and extra:
        exc = data_too_large(*extra)
    elif name == "SandboxViolation":
        exc = SandboxViolation(text)
    elif name in KEPT_EXCEPTIONS:
        exc = KEPT_EXCEPTIONS[name](text)
    else:
        exc = SandboxViolation(f"{name}: {text}")
    exc.script_line = line
    return exc


def _call_helper(helpers: dict, name: str, args, kwargs, deadline: float):
    """A helper the script asked for, run here and stopped like the script when time is up."""
    if name not in helpers:
        return ("raise", "NameError", f"name {name!r} is not defined")

    def trace_calls(frame, event, arg):
        if time.monotonic() > deadline:
            raise SandboxViolation("a helper ran past the script's time limit and was stopped")
        return None

    previous = sys.gettrace()
    sys.settrace(trace_calls)
    try:
        return ("ret", helpers[name](*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 - the script sees the helper's error as its own
        return ("raise", type(exc).__name__, text_of(exc))
    finally:
        sys.settrace(previous)


def run_in_worker(mode: str, source: str, data: dict, external_context: dict | None, *,
                  helpers: dict, timeout_seconds: float, max_data_bytes: int,
                  max_data_depth: int, limits: WorkerLimits):
    """Run a script ("exec": the new task data) or expression ("eval": its value) in a worker."""
    pool = _pool_for(limits)
    what = "script" if mode == "exec" else "expression"
    request = ("run", mode, source, data, external_context, sorted(helpers), timeout_seconds,
               max_data_bytes, max_data_depth)
    # A pickle is longer than the JSON size estimate for non-Latin text; leave room.
    max_frame = 4 * max_data_bytes + (1 << 20)
    for attempt in (1, 2):
        try:
            worker = pool.acquire()
        except WorkerDied:
            raise _worker_died(what, limits) from None
        healthy = False
        try:
            deadline = time.monotonic() + timeout_seconds + GRACE_SECONDS
            try:
                worker.send(request)
            except WorkerDied:
                if attempt == 1:  # an idle worker that died since (a limit, the OOM killer)
                    continue
                raise
            while True:
                message = well_formed(worker.receive(deadline, max_frame))
                if message[0] == "call":
                    answer = _call_helper(helpers, message[1], message[2], message[3], deadline)
                    try:
                        worker.send(answer)
                    except (pickle.PicklingError, TypeError, AttributeError):
                        worker.send(("raise", "TypeError", f"the helper {message[1]} gave a value "
                                                           "a script cannot use"))
                    continue
                if message[0] == "ok":
                    value = message[1]
                    check_data_bounds(value, max_data_bytes, max_data_depth,
                                      "the task data" if mode == "exec" else "the expression's value")
                    healthy = True
                    return value
                _, name, text, line, worker_ok, extra = message
                healthy = worker_ok
                if name == "MemoryError":
                    raise _out_of_memory(what, limits, line)
                raise _rebuilt(name, text, line, extra)
        except TimeoutError:
            raise SandboxViolation(f"the {what} ran longer than {timeout_seconds:g} s and was stopped") from None
        except WorkerDied:
            raise _worker_died(what, limits) from None
        finally:
            pool.release(worker, healthy)


def _out_of_memory(what: str, limits: WorkerLimits, line=None) -> SandboxViolation:
    exc = SandboxViolation(Message("the {what} needed more memory than allowed ({limit} MB) and was stopped",
                                   what=Message(what), limit=limits.memory_mb))
    exc.script_line = line
    return exc


def _worker_died(what: str, limits: WorkerLimits) -> SandboxViolation:
    return SandboxViolation(Message(
        "the {what} was stopped: its worker process ended at a limit (memory {limit} MB or "
        "processor time). Nothing it did was kept", what=Message(what), limit=limits.memory_mb))
