"""Configuration classes, read from environment variables (defaults need no configuration)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _default_database_url() -> str:
    """Return the embedded SQLite database under instance/."""
    return f"sqlite:///{INSTANCE_DIR / 'aict.sqlite3'}"


class Config:
    """Development and default configuration."""

    DATABASE_URL: str = os.environ.get("DATABASE_URL") or _default_database_url()
    # A per-process random key keeps development sessions safe without any fallback secret in
    # code; ProdConfig refuses to start without a real SECRET_KEY.
    SECRET_KEY: str = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
    MIN_CELL_SIZE: int = int(os.environ.get("MIN_CELL_SIZE", "5"))
    # Privacy budget ε of one published statistics snapshot (differential privacy, see
    # app/stats/release.py): whether one authority's diagnostic is shared or not changes the
    # probability of any figure of a snapshot by at most a factor e^ε. Smaller is more private
    # and noisier.
    PRIVACY_EPSILON: float = float(os.environ.get("PRIVACY_EPSILON", "2.0"))
    RATELIMIT_STORAGE_URI: str = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT: str = os.environ.get("LOGIN_RATE_LIMIT", "5 per minute")
    # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0: none).
    PROXY_HOPS: int = int(os.environ.get("PROXY_HOPS", "0"))
    PURGE_AFTER_DAYS: int = int(os.environ.get("PURGE_AFTER_DAYS", "180"))
    BABEL_DEFAULT_LOCALE = "fr"
    LANGUAGES = ("fr", "en")
    WTF_CSRF_TIME_LIMIT: int | None = None
    # Validation messages come from app/answers.py in the page's language; WTForms' own
    # catalogues would only be reloaded from disk on every form.
    WTF_I18N_ENABLED = False
    MAX_CONTENT_LENGTH = 1024 * 1024
    API_MAX_BODY = 64 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SEND_FILE_MAX_AGE_DEFAULT = 3600
    TESTING = False


class TestConfig(Config):
    """Configuration for the test suite: a throw-away database, CSRF kept on."""

    TESTING = True
    DATABASE_URL = "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"


class ProdConfig(Config):
    """Production: a real secret is mandatory and cookies are Secure."""

    SESSION_COOKIE_SECURE = True

    def __init__(self) -> None:
        secret = os.environ.get("SECRET_KEY", "")
        if len(secret) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to at least 32 characters in production "
                "(python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        self.SECRET_KEY = secret


def config_from_env() -> type[Config] | Config:
    """Return the configuration named by APP_ENV (development by default)."""
    env = os.environ.get("APP_ENV", "development")
    if env == "production":
        return ProdConfig()
    return Config
