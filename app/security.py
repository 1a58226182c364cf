"""The security headers of every response: a Content-Security-Policy without inline scripts,
no framing, no MIME sniffing, a referrer policy and, over HTTPS, Strict-Transport-Security.

Written here rather than by Flask-Talisman: Talisman overwrites the stricter policy some views
set on their own responses (an uploaded file: "default-src 'none'; sandbox") and rewrites the
SESSION_COOKIE_* settings that app/config.py reads from the environment."""
from urllib.parse import urlsplit

# Inline style attributes stay allowed ('unsafe-inline' for styles only): templates, bpmn-js,
# form-js and Leaflet set them; scripts come from this site's files and nothing else.
_POLICY = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self' 'unsafe-inline'"),
    ("img-src", "'self' data: blob:{tiles}"),
    ("font-src", "'self' data:"),
    ("connect-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)


def tile_source(tile_url: str) -> str:
    """The CSP source the map's tiles come from ("" when this site serves them): the URL
    template's origin, a {s}-style subdomain placeholder as a wildcard."""
    parts = urlsplit(tile_url)
    if not parts.netloc:
        return ""
    labels = parts.netloc.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    host = ".".join(labels)
    if "{" in host:
        # A placeholder CSP cannot express: any host of that scheme.
        return f"{parts.scheme or 'https'}:"
    # Protocol-relative ("//host/..."): a bare host takes the page's scheme.
    return f"{parts.scheme}://{host}" if parts.scheme else host


def content_security_policy(config) -> str:
    """The policy of every page, with the map's tile server allowed as an image source."""
    tiles = tile_source(str(config["MAP_TILE_URL"]))
    return "; ".join(f"{name} {value.format(tiles=' ' + tiles if tiles else '')}"
                     for name, value in _POLICY)


def init_security(app) -> None:
    """Add the headers to every response (a view's own stricter CSP is kept)."""
    policy = content_security_policy(app.config)
    hsts = (f"max-age={int(app.config['HSTS_SECONDS'])}; includeSubDomains"
            if str(app.config["PUBLIC_BASE_URL"]).lower().startswith("https://")
            and int(app.config["HSTS_SECONDS"]) > 0 else None)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), payment=(), geolocation=(self)"
        if hsts:
            headers["Strict-Transport-Security"] = hsts
        return response
