"""Where the bytes of attachments live.

A backend is anything with put(key, data), get(key) and delete(key) (the Storage protocol):
LocalStorage keeps them in a directory (the default, DOCUMENTS_DIR). An S3-compatible backend
plugs in here the same way (storage_for), once boto3 is installed.
"""
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-/.]{0,199}")


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


def check_key(key: str) -> str:
    """A storage key is a relative path of safe characters; never `..` (it is joined to a root)."""
    if not _KEY.fullmatch(key or "") or ".." in key.split("/"):
        raise ValueError(f"bad storage key {key!r}")
    return key


class LocalStorage:
    """Files under one directory, written whole (temporary file, then rename)."""

    def __init__(self, root):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        """Write the bytes under key, atomically (a reader never sees half a file)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        """The bytes under key (FileNotFoundError when there are none)."""
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        """Remove the bytes under key; a key already gone is no error."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether bytes are kept under key."""
        return self._path(key).is_file()


def storage_for(settings) -> Storage:
    """The backend the settings name (DOCUMENTS_STORAGE: local)."""
    kind = str(settings.get("DOCUMENTS_STORAGE") or "local")
    if kind == "local":
        return LocalStorage(settings["DOCUMENTS_DIR"])
    raise ValueError(f"DOCUMENTS_STORAGE={kind!r} is not available (local is; an S3 backend needs boto3)")
