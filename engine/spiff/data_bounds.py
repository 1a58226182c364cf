"""The bounds of task data: its size as JSON and its depth (what a script may leave, what a
form, the API or a message may submit), and the refusal of data over them.

Pure (the standard library, models.errors and models.messages only): the script worker process
loads it too.
"""

from models.errors import SandboxViolation
from models.messages import Message

# What a script may leave in the task data, and what a form or the API may submit: the
# defaults of the settings SCRIPT_MAX_DATA_BYTES and SCRIPT_MAX_DATA_DEPTH.
DEFAULT_MAX_DATA_BYTES = 1_000_000
DEFAULT_MAX_DATA_DEPTH = 50


class DataTooLarge(SandboxViolation):
    """Data over the size or depth bound; its message is a Message for the pages to translate."""

    def __init__(self, message, params: tuple = ()):
        super().__init__(message)
        self.params = params  # (kind, what, limit): how the worker's answer names it


def data_too_large(kind: str, what: str, limit: int) -> DataTooLarge:
    """The refusal of data over a bound: kind "depth" or "size", what "the task data" or another."""
    if what not in _BOUNDED:
        what = "the task data"
    template = ("{what} nests deeper than {limit} levels" if kind == "depth"
                else "{what} is larger than {limit} bytes")
    return DataTooLarge(Message(template, what=Message(what), limit=int(limit)), (kind, what, int(limit)))


# What check_data_bounds may name (the worker's answer is checked against this list).
_BOUNDED = ("the task data", "the expression's value", "the submitted data", "the message payload")


def check_data_bounds(value, max_bytes: int = DEFAULT_MAX_DATA_BYTES,
                      max_depth: int = DEFAULT_MAX_DATA_DEPTH, what: str = "the task data") -> None:
    """DataTooLarge if value would take more than max_bytes as JSON or nests deeper than max_depth.

    Iterative and stopped at the bound, so a value of shared parts (a = [a, a] sixty times,
    2**60 items once written out) or a cycle is refused after max_bytes steps, not expanded.
    """
    size = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise data_too_large("depth", what, max_depth)
        if isinstance(item, (str, bytes, bytearray)):
            size += len(item) + 2
        elif isinstance(item, dict):
            size += 2 + 2 * len(item)
            for key, child in item.items():
                size += len(key) + 3 if isinstance(key, str) else 8
                stack.append((child, depth + 1))
        elif isinstance(item, (list, tuple, set, frozenset)):
            size += 2 + len(item)
            stack.extend((child, depth + 1) for child in item)
        else:
            size += 8
        if size > max_bytes:
            raise data_too_large("size", what, max_bytes)
