"""Where the bytes of attachments live.

A backend is anything with put(key, data), get(key), delete(key) and exists(key) (the Storage
protocol), taking the same keys and raising the same errors: LocalStorage keeps them in a
directory (the default, DOCUMENTS_DIR), S3Storage in a bucket of any S3-compatible service
(DOCUMENTS_STORAGE=s3 and the DOCUMENTS_S3_* settings; MinIO, Ceph, AWS, ...).
"""
import functools
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-/.]{0,199}")


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...


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


class S3Storage:
    """Objects in one bucket of an S3-compatible service, one object per key (a PUT is whole:
    a reader never sees half an object)."""

    def __init__(self, client, bucket: str):
        self.client = client
        self.bucket = bucket

    def put(self, key: str, data: bytes) -> None:
        """Write the bytes under key."""
        self.client.put_object(Bucket=self.bucket, Key=check_key(key), Body=bytes(data))

    def get(self, key: str) -> bytes:
        """The bytes under key (FileNotFoundError when there are none)."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=check_key(key))
        except self.client.exceptions.NoSuchKey as exc:
            raise FileNotFoundError(key) from exc
        with answer["Body"] as body:
            return body.read()

    def delete(self, key: str) -> None:
        """Remove the bytes under key; a key already gone is no error (S3 answers 204 either way)."""
        self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def exists(self, key: str) -> bool:
        """Whether bytes are kept under key."""
        from botocore.exceptions import ClientError
        try:
            self.client.head_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True


_BOTO = {"lock": threading.Lock(), "session": None}


@functools.lru_cache(maxsize=8)
def _s3_storage(endpoint_url: str, bucket: str, region: str, access_key: str,
                secret_key: str) -> S3Storage:
    # One client per set of settings: a boto3 client is thread-safe but costly to build, and
    # DocumentStore asks for its storage on every use.
    import boto3
    from botocore.config import Config
    config = Config(
        # Path-style addresses (endpoint/bucket/key) work with every S3-compatible server;
        # virtual-host ones need a DNS name per bucket, which MinIO or Ceph rarely have.
        s3={"addressing_style": "path"} if endpoint_url else {},
        # Checksums only where S3 requires them: newer botocore sends CRC32 trailers by
        # default, which several S3-compatible servers refuse.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        connect_timeout=10, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"})
    # One boto3 session for every client: it keeps the loaded service description (building
    # a client on a fresh session reads it again); sessions are not thread-safe, hence the lock.
    with _BOTO["lock"]:
        if _BOTO["session"] is None:
            _BOTO["session"] = boto3.session.Session()
        client = _BOTO["session"].client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None,
            # No keys in the settings: boto3's own chain (environment, instance role) decides.
            aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
            config=config)
    return S3Storage(client, bucket)


def storage_for(settings) -> Storage:
    """The backend the settings name (DOCUMENTS_STORAGE: local or s3)."""
    kind = str(settings.get("DOCUMENTS_STORAGE") or "local")
    if kind == "local":
        return LocalStorage(settings["DOCUMENTS_DIR"])
    if kind == "s3":
        bucket = str(settings.get("DOCUMENTS_S3_BUCKET") or "")
        if not bucket:
            raise ValueError("DOCUMENTS_STORAGE=s3 needs DOCUMENTS_S3_BUCKET")
        return _s3_storage(*(str(settings.get(name) or "") for name in (
            "DOCUMENTS_S3_ENDPOINT_URL", "DOCUMENTS_S3_BUCKET", "DOCUMENTS_S3_REGION",
            "DOCUMENTS_S3_ACCESS_KEY", "DOCUMENTS_S3_SECRET_KEY")))
    raise ValueError(f"DOCUMENTS_STORAGE={kind!r} is not available (local or s3)")
