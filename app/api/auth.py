"""Bearer-token authentication and JSON errors for the API."""
from functools import wraps

from flask import current_app, g, jsonify, request

from ..db import db_session
from .token_cache import TokenCache


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
        user = (token_cache().user(db_session(), token.strip())
                if scheme.lower() == "bearer" and token.strip() else None)
        if user is None:
            return json_error(401, "A valid bearer token is required (POST /api/v1/auth/token).")
        g.api_user = user
        return view(*args, **kwargs)
    return wrapper


def token_cache() -> TokenCache:
    """This app's cache of bearer tokens (API_TOKEN_CACHE_SECONDS), made on first use."""
    cache = current_app.extensions.get("api_token_cache")
    if cache is None:
        cache = current_app.extensions.setdefault(
            "api_token_cache", TokenCache(current_app.config["API_TOKEN_CACHE_SECONDS"]))
    return cache
