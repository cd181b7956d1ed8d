"""HTTP hardening: CSRF, Content-Security-Policy with a per-request nonce, security headers,
cache policy (private pages never stored, versioned static assets cached for a year), gzip, the
rate limiter (Flask-Limiter) with its 429 page, and the redaction of private links in logs.

The limiter has no application-wide limit: views that need one carry a ``limiter.limit``
decorator (starting and finishing a diagnostic, failed logins). Counters live in
``RATELIMIT_STORAGE_URI`` (in memory by default, Redis in production) and are keyed by the
client's address, which ProxyFix takes from X-Forwarded-For behind ``PROXY_HOPS`` proxies.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import math
import re
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_time
from flask import Flask, current_app, g, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask.wrappers import Response
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import SecurityError
from werkzeug.security import safe_join

from app.i18n import current_lang

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

# The time shown on the 429 page is the respondents' (metropolitan France).
DISPLAY_TIMEZONE = ZoneInfo("Europe/Paris")
# A path segment after these prefixes is a private token (``/diagnostic/<token>/…``,
# ``/resultat/<token>/…``), and so is any long URL-safe segment elsewhere.
TOKEN_PREFIXES = re.compile(r"^/(diagnostic|resultat|regard)/(?!commencer(?:/|$))[^/]+")
TOKEN_SEGMENT = re.compile(r"/[A-Za-z0-9_-]{20,}(?=/|$)")
REDACTED = "<token>"
TOKEN_IN_TEXT = re.compile(r"/(diagnostic|resultat|regard)/(?!commencer\b)[A-Za-z0-9_-]{16,}")
# Defaults of the limits on starting and finishing diagnostics, per client address: far above
# what respondents do, even a room of them behind one address at an ARRICOD workshop.
DEFAULT_START_LIMIT = "30 per hour;200 per day"
DEFAULT_FINISH_LIMIT = "30 per hour;200 per day"
DEFAULT_PERSPECTIVE_LIMIT = "20 per hour;60 per day"

IMMUTABLE = "public, max-age=31536000, immutable"
# Endpoints that serve public, versionable files; everything else is private to its reader.
ASSET_ENDPOINTS = frozenset({"static", "main.favicon"})
COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
        "text/csv",
    }
)
MIN_COMPRESS_SIZE = 1024
# Plotly's global rules come from its stylesheet (a <link> marked ``no-inline-styles``), so
# style-src needs no 'unsafe-inline'; D3 sets element styles through CSSOM, which CSP allows.
# Plotly's "download as PNG" draws the chart's SVG from a blob: URL onto a canvas (img-src blob:).
CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Private links live in URLs: the Referer never leaves the site. It is still sent to the
    # site itself, because Flask-WTF checks it on HTTPS form posts (WTF_CSRF_SSL_STRICT).
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def csp_nonce() -> str:
    """Return this request's CSP nonce, for ``<script nonce="...">``; created on first use."""
    nonce: str | None = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def _static_digest(filename: str) -> str | None:
    """Return the first 12 hex digits of the static file's SHA-256, or None if it does not exist.

    Computed once per file; in debug mode a changed modification time recomputes it.
    """
    cache: dict[str, tuple[int, str | None]] = current_app.extensions["static_digests"]
    cached = cache.get(filename)
    if cached is not None and not current_app.debug:
        return cached[1]
    path = safe_join(str(current_app.static_folder), filename)
    if path is None or not Path(path).is_file():
        cache[filename] = (0, None)
        return None
    mtime = Path(path).stat().st_mtime_ns
    if cached is None or cached[0] != mtime:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
        cached = cache[filename] = (mtime, digest)
    return cached[1]


def static_url(filename: str) -> str:
    """Return the URL of a static file carrying its content hash (``?v=``), cacheable for a year."""
    digest = _static_digest(filename)
    if digest is None:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=digest)


def _set_security_headers(response: Response) -> None:
    """Add the CSP and the other security headers to every response."""
    response.headers["Content-Security-Policy"] = CSP.format(nonce=csp_nonce())
    response.headers.update(STATIC_HEADERS)


def _set_cache_policy(response: Response) -> None:
    """Forbid storing private responses; cache content-hashed static files for a year."""
    if request.endpoint not in ASSET_ENDPOINTS or response.status_code >= 400:
        response.headers["Cache-Control"] = "no-store"
        return
    version = request.args.get("v")
    filename = (request.view_args or {}).get("filename")
    if version and filename and version == _static_digest(filename):
        response.headers["Cache-Control"] = IMMUTABLE


def _wants_gzip(response: Response) -> bool:
    """Return True when the response is a compressible body the client accepts gzipped."""
    if (
        request.method == "HEAD"
        or not request.accept_encodings["gzip"]
        or "Content-Encoding" in response.headers
        or response.status_code < 200
        or response.status_code in (204, 206, 304)
    ):
        return False
    # A generator (a streamed export) is left alone; a file sent by send_file is read whole.
    if response.is_streamed and not response.direct_passthrough:
        return False
    length = response.content_length
    return length is not None and length > MIN_COMPRESS_SIZE


def _gzip_body(response: Response) -> bytes:
    """Return the gzipped body; compressed static files are kept, keyed by path and ETag."""
    # A file from send_file is passed through untouched by default; its bytes are needed here.
    response.direct_passthrough = False
    etag, _weak = response.get_etag()
    key = None
    if request.endpoint == "static" and etag:
        key = (request.path, etag)
        cached: bytes | None = current_app.extensions["gzip_cache"].get(key)
        if cached is not None:
            response.close()
            return cached
    body = gzip.compress(response.get_data(), compresslevel=6, mtime=0)
    if key is not None:
        current_app.extensions["gzip_cache"][key] = body
    return body


def _compress(response: Response) -> None:
    """Gzip text responses over 1 KiB when the client accepts it."""
    if response.mimetype not in COMPRESSIBLE:
        return
    response.vary.add("Accept-Encoding")
    if not _wants_gzip(response):
        return
    body = _gzip_body(response)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:
        # The gzipped bytes differ from the file's, but mean the same: a weak validator.
        response.set_etag(etag, weak=True)


def _after_request(response: Response) -> Response:
    """Apply security headers, cache policy and compression to the response."""
    _set_security_headers(response)
    _set_cache_policy(response)
    _compress(response)
    return response


def redact_text(text: str) -> str:
    """Return a log message with every private link's token replaced by ``<token>``."""
    return TOKEN_IN_TEXT.sub(lambda m: f"/{m.group(1)}/{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """A logging filter that takes private tokens out of messages (Flask's "Exception on
    /diagnostic/… [POST]", the development server's request lines).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message by its redacted text; keep the record."""
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def start_limit() -> str:
    """Return the limit on diagnostics started per client (``RATELIMIT_START``)."""
    return str(current_app.config.get("RATELIMIT_START", DEFAULT_START_LIMIT))


def finish_limit() -> str:
    """Return the limit on diagnostics finished per client (``RATELIMIT_FINISH``)."""
    return str(current_app.config.get("RATELIMIT_FINISH", DEFAULT_FINISH_LIMIT))


def perspective_limit() -> str:
    """Return the limit on perspective links created per client (``RATELIMIT_PERSPECTIVE``)."""
    return str(current_app.config.get("RATELIMIT_PERSPECTIVE", DEFAULT_PERSPECTIVE_LIMIT))


def redact_path(path: str) -> str:
    """Return a URL path with its private token replaced by ``<token>``, without query string."""
    path = path.split("?", 1)[0]
    path = TOKEN_PREFIXES.sub(lambda m: f"/{m.group(1)}/{REDACTED}", path)
    return TOKEN_SEGMENT.sub(f"/{REDACTED}", path)


def retry_after() -> int:
    """Return the seconds until the breached limit lets the client through again (at least 1)."""
    current = limiter.current_limit
    reset_at = current.reset_at if current is not None else time.time() + 60
    return max(1, math.ceil(reset_at - time.time()))


def too_many_requests(_error: RateLimitExceeded) -> ResponseReturnValue:
    """Answer a breached limit with a page saying when to try again, and Retry-After."""
    wait = retry_after()
    minutes = max(1, round(wait / 60))
    at = format_time(
        datetime.fromtimestamp(time.time() + wait, UTC),
        "short",
        tzinfo=DISPLAY_TIMEZONE,
        locale=current_lang(),
    )
    template = "admin/too_many.html" if request.blueprint == "admin" else "errors/too_many.html"
    # A refused finish goes back to its own step page (the respondent's private link).
    back_url = request.path if request.endpoint == "survey.step" else None
    page = render_template(template, minutes=minutes, at=at, back_url=back_url)
    return page, 429, {"Retry-After": str(wait)}


def untrusted_host(_error: SecurityError) -> ResponseReturnValue:
    """Refuse a request whose Host is not in TRUSTED_HOSTS, with no page that builds a URL."""
    body = "Requête refusée\u00a0: nom d'hôte non reconnu.\nBad request: unknown host name.\n"
    return body, 400, {"Content-Type": "text/plain; charset=utf-8"}


def init_app(app: Flask) -> None:
    """Enable CSRF protection, the rate limiter, response hardening and the template globals."""
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_START", DEFAULT_START_LIMIT)
    app.config.setdefault("RATELIMIT_FINISH", DEFAULT_FINISH_LIMIT)
    app.config.setdefault("RATELIMIT_PERSPECTIVE", DEFAULT_PERSPECTIVE_LIMIT)
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    for logger in (app.logger, logging.getLogger("werkzeug")):
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
    # Flask checks the Host against TRUSTED_HOSTS before routing: no URL can be built then.
    app.register_error_handler(SecurityError, untrusted_host)
    # The JSON API is stateless and cookie-free: there is no session for a forged request to ride.
    from app.api import bp as api_bp

    csrf.exempt(api_bp)
    app.extensions["static_digests"] = {}
    app.extensions["gzip_cache"] = {}
    app.after_request(_after_request)
    app.add_template_global(csp_nonce)
    app.add_template_global(static_url)
