"""Two gunicorn workers share one rate limit through Redis and one login back-off through the
database: the 10-per-minute limit lets 10 requests through, not 10 per worker."""

from fault_support import Server, request
from tests.redis_support import REDIS_URL, redis_prefix  # noqa: F401 - a fixture


def test_two_workers_share_the_limit_in_redis_and_the_login_back_off(app, database_url, tmp_path, redis_prefix):
    server = Server(database_url, tmp_path / "server.log", {
        "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix,
        "OPEN311_RATE_LIMIT": "10 per minute"}).start()
    try:
        # Each request on a new connection: gunicorn hands them to either worker.
        codes = [request(server.port, "GET", "/open311/v2/services.json")[0] for _ in range(20)]
        assert codes.count(200) == 10 and codes.count(429) == 10, (codes, server.log())
        logins = [request(server.port, "POST", "/api/v1/auth/token",
                          {"username": "pr_expert_d1", "password": f"wrong-{n}"})[0] for n in range(8)]
        assert logins[:5] == [401] * 5 and set(logins[5:]) == {429}, logins
    finally:
        server.kill()
