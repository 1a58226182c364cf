"""Bearer-token authentication and JSON errors for the API."""
from functools import wraps

from flask import g, jsonify, request

from people.accounts import user_for_token

from ..db import db_session


def json_error(status: int, message: str, details: dict | None = None):
    """The API's one error shape: {"error": ..., "details": {...}}."""
    response = jsonify({"error": message, "details": details or {}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def token_required(view):
    """Let the view run only for a valid bearer token; the user is g.api_user."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = user_for_token(db_session(), token.strip()) if scheme.lower() == "bearer" and token else None
        if user is None:
            return json_error(401, "A valid bearer token is required (POST /api/v1/auth/token).")
        g.api_user = user
        return view(*args, **kwargs)
    return wrapper
