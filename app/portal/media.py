"""A photo a citizen filed with a request, at the public address Open311 gives as its media_url.

URL table (no login; rate-limited per client address like every portal endpoint):
  GET  /p/media/<token>.<jpg|png>   media   (the photo's bytes, as the type they were checked to be)

The token is random and unique to the photo (citizen_requests.media_token): the address names
nothing else about the request, and an unknown token, or one with the wrong extension, is 404.
Only requests Open311 lists publicly are served (app.open311.resources).
"""
from flask import Response, abort

from programmes.citizens.requests import photo_bytes

from ..db import db_session
from ..open311.resources import request_by_media_token
from . import bp

MEDIA_MAX_AGE = 3600  # the bytes never change for a token; a disposed one goes within the hour


@bp.route("/media/<token>.<any(jpg, png):ext>")
def media(token, ext):
    found = request_by_media_token(db_session(), token, ext)
    data = photo_bytes(db_session(), found) if found is not None else None
    if data is None:
        abort(404)
    response = Response(data, mimetype=found.photo_type)
    # The bytes are the citizen's: never let a browser guess another type for them.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = f"public, max-age={MEDIA_MAX_AGE}"
    return response
