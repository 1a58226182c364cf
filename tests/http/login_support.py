"""The login attempts of the security tests: the login page's form and the API's token
request, posted with a username and password, and the moment the throttling tests start."""
from datetime import datetime

START = datetime(2026, 12, 6, 8, 0, 0)


def post_login(client, username, password, **kw):
    return client.post("/login", data={"username": username, "password": password}, **kw)


def post_token(client, username, password, **kw):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password}, **kw)
