"""The worker process's side of a script worker: its main loop, the limits it puts on itself and
the running of one request (engine/spiff/script_worker.py starts it and is its caller).

It imports only the sandbox's pure modules (package stubs keep SQLAlchemy and SpiffWorkflow out).
"""
import io
import os
import pickle
import sys

from engine.spiff.data_bounds import DataTooLarge, check_data_bounds
from engine.spiff.restricted import run_bounded, strip_context
from engine.spiff.sandbox_guards import fresh_guards
from engine.spiff.sandbox_policy import refused_code
from engine.spiff.worker_protocol import GRACE_SECONDS, HEADER, KEPT_EXCEPTIONS, text_of
from models.errors import SandboxViolation


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
    (length,) = HEADER.unpack(_child_read(HEADER.size))
    return pickle.loads(_child_read(length))


def _child_request():
    """The next request, or the reason it cannot be read (the frame is consumed either way)."""
    (length,) = HEADER.unpack(_child_read(HEADER.size))
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
    view = memoryview(HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(1, view):]


def _helper_proxy(name: str):
    def call(*args, **kwargs):
        _child_send(("call", name, args, kwargs))
        answer = _child_receive()
        if answer[0] == "ret":
            return answer[1]
        raise KEPT_EXCEPTIONS.get(answer[1], SandboxViolation)(answer[2])
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
                _child_send(("fail", type(exc).__name__, text_of(exc)[:2000], _failing_line(exc), True, None))
            except Exception as inner:  # noqa: BLE001 - e.g. an unpicklable result
                _child_send(("fail", "SandboxViolation",
                             f"the script's result cannot be stored: {inner}"[:500], None, True, None))
