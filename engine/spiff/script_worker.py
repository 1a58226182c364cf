"""Worker processes that run diagram code with operating-system limits, and the pool that
keeps them.

A worker is `python -c ...` speaking length-prefixed pickles over its stdin and stdout. It
imports only engine/spiff/restricted.py (package stubs keep SQLAlchemy and SpiffWorkflow out),
then limits itself: address space (RLIMIT_AS), CPU time per call (RLIMIT_CPU), no new files
or sockets (RLIMIT_NOFILE at its three open descriptors, RLIMIT_FSIZE 0) and no child
processes (RLIMIT_NPROC). A call sends the task data and the code; the worker runs it under
RestrictedPython with the time bound, checks the size and depth of what it would leave, and
answers with the new task data or value. The helpers (now(), add_working_hours, ...) run in the
calling process, in the calling thread (its clock and calendar): the worker asks for them by name.
The caller kills a worker that does not answer in time or answers too much; a worker that
died is replaced by a fresh one for the next call, and the call fails with a clear message.
What comes back is unpickled with a whitelist of plain data types only.
"""
import io
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from engine.spiff.restricted import (DataTooLarge, check_data_bounds, data_too_large,
                                     fresh_guards, refused_code, run_bounded, strip_context)
from models.errors import SandboxViolation
from models.messages import Message

_HEADER = struct.Struct("!Q")
# Seconds a worker may take beyond the script's own time limit (its answer, a helper's turn).
GRACE_SECONDS = 1.5
STARTUP_SECONDS = 30.0  # a new worker's import and warm-up, before any script's clock runs
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Stubs for the packages above restricted.py, so their __init__ (SQLAlchemy, SpiffWorkflow) never runs.
_CHILD_CODE = (
    "import os, sys, types\n"
    f"root = {_ROOT!r}\n"
    "sys.path.insert(0, root)\n"
    "for name in ('engine', 'engine.spiff', 'models'):\n"
    "    stub = types.ModuleType(name)\n"
    "    stub.__path__ = [os.path.join(root, *name.split('.'))]\n"
    "    sys.modules[name] = stub\n"
    "from engine.spiff.script_worker import child_main\n"
    "child_main()\n")


@dataclass(frozen=True)
class WorkerLimits:
    """The operating-system limits of a worker and how many a process keeps."""

    memory_mb: int = 512          # RLIMIT_AS: the worker's whole address space
    workers: int = 4              # at most this many calls of one process run at once
    timezones: tuple = field(default=("Asia/Tehran", "UTC"))  # loaded before files are closed


class WorkerDied(Exception):
    """The worker process ended (killed by a limit) or broke the protocol."""


# ------------------------------------------------------------------ the calling process

_SAFE_GLOBALS = {
    ("builtins", name) for name in ("set", "frozenset", "complex", "bytearray", "range", "slice")
} | {("datetime", name) for name in ("datetime", "date", "time", "timedelta", "timezone")} | {
    ("zoneinfo", "ZoneInfo"), ("decimal", "Decimal"),
    ("collections", "OrderedDict")}


class _DataUnpickler(pickle.Unpickler):
    """Plain data only: a worker that escaped its sandbox still cannot make this process run code."""

    def find_class(self, module, name):
        if (module, name) not in _SAFE_GLOBALS:
            raise pickle.UnpicklingError(f"{module}.{name} is not plain data")
        return super().find_class(module, name)


def _data_loads(data: bytes):
    return _DataUnpickler(io.BytesIO(data)).load()


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
            self.process.stdin.write(_HEADER.pack(len(data)) + data)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as exc:
            raise WorkerDied(str(exc)) from None

    def receive(self, deadline: float, max_bytes: int):
        header = self._read(_HEADER.size, deadline)
        (length,) = _HEADER.unpack(header)
        if length > max_bytes:
            raise data_too_large("size", "the task data", max_bytes)
        try:
            return _data_loads(self._read(length, deadline))
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


# Exceptions a script may raise (or a helper) that keep their class across the boundary.
_KEPT_EXCEPTIONS = {cls.__name__: cls for cls in (
    NameError, KeyError, TypeError, ValueError, ZeroDivisionError, IndexError, AttributeError,
    ArithmeticError, OverflowError, RuntimeError, RecursionError, AssertionError, LookupError,
    UnboundLocalError, StopIteration, UnicodeError, NotImplementedError, Exception)}


def _rebuilt(name: str, text: str, line: int | None, extra) -> Exception:
    if name == "DataTooLarge" and extra:
        exc = data_too_large(*extra)
    elif name == "SandboxViolation":
        exc = SandboxViolation(text)
    elif name in _KEPT_EXCEPTIONS:
        exc = _KEPT_EXCEPTIONS[name](text)
    else:
        exc = SandboxViolation(f"{name}: {text}")
    exc.script_line = line
    return exc


def _text_of(exc: Exception) -> str:
    """An exception's message (a KeyError's without the quotes its str() adds)."""
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        return str(exc.args[0])
    return str(exc)


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
        return ("raise", type(exc).__name__, _text_of(exc))
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
                message = _well_formed(worker.receive(deadline, max_frame))
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


_SHAPES = {"call": (4, str, tuple, dict), "ok": (2,), "fail": (6, str, str)}


def _well_formed(message) -> tuple:
    """A worker's answer of a known kind and shape; WorkerDied otherwise (it broke the protocol)."""
    shape = _SHAPES.get(message[0]) if isinstance(message, tuple) and message else None
    if shape is None or len(message) != shape[0] or not all(
            isinstance(part, kind) for part, kind in zip(message[1:], shape[1:])):
        raise WorkerDied("the worker's answer is not of the protocol")
    return message


def _out_of_memory(what: str, limits: WorkerLimits, line=None) -> SandboxViolation:
    exc = SandboxViolation(Message("the {what} needed more memory than allowed ({limit} MB) and was stopped",
                                   what=Message(what), limit=limits.memory_mb))
    exc.script_line = line
    return exc


def _worker_died(what: str, limits: WorkerLimits) -> SandboxViolation:
    return SandboxViolation(Message(
        "the {what} was stopped: its worker process ended at a limit (memory {limit} MB or "
        "processor time). Nothing it did was kept", what=Message(what), limit=limits.memory_mb))


# ------------------------------------------------------------------ the worker process

def _child_read(n: int) -> bytes:
    chunks, missing = [], n
    while missing:
        chunk = os.read(0, min(missing, 1 << 20))
        if not chunk:
            raise SystemExit(0)  # the calling process went away
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _child_receive():
    (length,) = _HEADER.unpack(_child_read(_HEADER.size))
    return pickle.loads(_child_read(length))


def _child_request():
    """The next request, or the reason it cannot be read (the frame is consumed either way)."""
    (length,) = _HEADER.unpack(_child_read(_HEADER.size))
    frame = _child_read(length)
    try:
        return pickle.loads(frame), None
    except Exception as exc:  # noqa: BLE001 - e.g. a datetime of a time zone not loaded
        return None, f"the task data could not be passed to the script: {exc}"[:500]


def _zone_by_key(zone):
    return zone.__class__, (zone.key,)  # not ZoneInfo._unpickle, which pickles through getattr


def _child_send(message) -> None:
    import copyreg
    import zoneinfo
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, zoneinfo.ZoneInfo: _zone_by_key}
    pickler.dump(message)
    data = buffer.getvalue()
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(1, view):]


def _helper_proxy(name: str):
    def call(*args, **kwargs):
        _child_send(("call", name, args, kwargs))
        answer = _child_receive()
        if answer[0] == "ret":
            return answer[1]
        raise _KEPT_EXCEPTIONS.get(answer[1], SandboxViolation)(answer[2])
    call.__name__ = name
    return call


def _failing_line(exc) -> int | None:
    """The line of the diagram's code where exc was raised (its frames are "<string>")."""
    line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<string>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _run_request(request, proxies: dict):
    _, mode, source, data, external, helper_names, timeout, max_bytes, max_depth = request
    for name in helper_names:
        proxies.setdefault(name, _helper_proxy(name))
    helpers = {name: proxies[name] for name in helper_names}
    if mode == "eval":
        code = refused_code(source, "eval", "expression")
        scope = {**helpers, **data, **fresh_guards()}
        value = run_bounded(eval, code, scope, timeout, "expression")
        check_data_bounds(value, max_bytes, max_depth, "the expression's value")
        return value
    code = refused_code(source, "exec", "script")
    scope = {**data, **helpers, **(external or {}), **fresh_guards()}
    try:
        run_bounded(exec, code, scope, timeout, "script")
    finally:
        strip_context(scope, helpers, external)
    check_data_bounds(scope, max_bytes, max_depth)
    return scope


_ZONES: list = []  # held, so that the zones stay in ZoneInfo's cache


def _limit_self(memory_bytes: int, timezones) -> None:
    """Load what later calls need, then give up files, sockets, children and address space."""
    import resource
    import zoneinfo
    for key in timezones:
        try:
            _ZONES.append(zoneinfo.ZoneInfo(key))  # cached: a datetime of this zone opens no file
        except Exception:  # noqa: BLE001 - an unknown zone fails the calls that use it
            pass
    # Warm up the lazy imports of a first run (encodings, RestrictedPython's parts).
    _run_request(("run", "exec", "y = [str(i).rjust(3) + f'{i:>2}' for i in range(3)]", {}, {}, [],
                  2.0, 10_000, 10), {})
    pickle.dumps(_run_request(("run", "eval", "1 % 2", {}, None, [], 2.0, 100, 5), {}))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a worker killed at its CPU limit dumps nothing
    resource.setrlimit(resource.RLIMIT_NOFILE, (3, 3))  # stdin, stdout, stderr: nothing new
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


def _cpu_used() -> float:
    import resource
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_main() -> None:
    """The worker's loop: one request at a time until its caller closes the pipe."""
    import resource
    sys.stdout = sys.stderr  # fd 1 is the channel; nothing else may write there
    _, memory_bytes, timezones = _child_receive()
    _limit_self(memory_bytes, timezones)
    _child_send(("ready",))
    proxies: dict = {}
    while True:
        request, unreadable = _child_request()
        if unreadable:
            _child_send(("fail", "SandboxViolation", unreadable, None, True, None))
            continue
        # The processor limit of this call: what it used so far plus the script's time.
        soft = int(_cpu_used() + request[6] + GRACE_SECONDS) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.RLIM_INFINITY))
        try:
            _child_send(("ok", _run_request(request, proxies)))
        except MemoryError as exc:
            _child_send(("fail", "MemoryError", "", _failing_line(exc), False, None))
        except DataTooLarge as exc:
            _child_send(("fail", "DataTooLarge", str(exc), None, True, exc.params))
        except Exception as exc:  # noqa: BLE001 - every failure of the code goes back as text
            try:
                _child_send(("fail", type(exc).__name__, _text_of(exc)[:2000], _failing_line(exc), True, None))
            except Exception as inner:  # noqa: BLE001 - e.g. an unpicklable result
                _child_send(("fail", "SandboxViolation",
                             f"the script's result cannot be stored: {inner}"[:500], None, True, None))
