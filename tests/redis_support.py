"""The test Redis (TEST_REDIS_URL, else database 3 of 127.0.0.1:6379) and a key prefix per test."""
import os
import uuid

import pytest
import redis

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


@pytest.fixture
def redis_prefix():
    """A key prefix of this test alone in the test Redis; its keys deleted afterwards."""
    store = redis.Redis.from_url(REDIS_URL)
    try:
        store.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL} (.ci/run starts one)")
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    for key in store.scan_iter(match=f"*{prefix}*"):
        store.delete(key)
    store.close()
