"""The protocol between the calling process and a script worker: length-prefixed pickles, the
shapes of a worker's answers, the exceptions that keep their class across, and the unpickling of
plain data only.
"""
import io
import pickle
import struct

HEADER = struct.Struct("!Q")
# Seconds a worker may take beyond the script's own time limit (its answer, a helper's turn).
GRACE_SECONDS = 1.5


class WorkerDied(Exception):
    """The worker process ended (killed by a limit) or broke the protocol."""


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


def data_loads(data: bytes):
    return _DataUnpickler(io.BytesIO(data)).load()


# Exceptions a script may raise (or a helper) that keep their class across the boundary.
KEPT_EXCEPTIONS = {cls.__name__: cls for cls in (
    NameError, KeyError, TypeError, ValueError, ZeroDivisionError, IndexError, AttributeError,
    ArithmeticError, OverflowError, RuntimeError, RecursionError, AssertionError, LookupError,
    UnboundLocalError, StopIteration, UnicodeError, NotImplementedError, Exception)}


def text_of(exc: Exception) -> str:
    """An exception's message (a KeyError's without the quotes its str() adds)."""
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        return str(exc.args[0])
    return str(exc)


_SHAPES = {"call": (4, str, tuple, dict), "ok": (2,), "fail": (6, str, str)}


def well_formed(message) -> tuple:
    """A worker's answer of a known kind and shape; WorkerDied otherwise (it broke the protocol)."""
    shape = _SHAPES.get(message[0]) if isinstance(message, tuple) and message else None
    if shape is None or len(message) != shape[0] or not all(
            isinstance(part, kind) for part, kind in zip(message[1:], shape[1:])):
        raise WorkerDied("the worker's answer is not of the protocol")
    return message
