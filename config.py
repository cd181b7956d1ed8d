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


def _host_list(value: str) -> list[str] | None:
    """Return the comma-separated host names of a variable, or None when there are none."""
    hosts = [host.strip() for host in value.split(",") if host.strip()]
    return hosts or None


class Config:
    """Development and default configuration."""

    DATABASE_URL: str = os.environ.get("DATABASE_URL") or _default_database_url()
    # A per-process random key keeps development sessions safe without any fallback secret in
    # code; ProdConfig refuses to start without a real SECRET_KEY.
    SECRET_KEY: str = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
    MIN_CELL_SIZE: int = int(os.environ.get("MIN_CELL_SIZE", "5"))
    RATELIMIT_STORAGE_URI: str = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Diagnostics started (POST /diagnostic/commencer) and finished (the finish button) per client
    # address: a brake on fabricated diagnostics that no real respondent reaches ("30 per
    # hour;200 per day": limits separated by ";", in the syntax of the limits library).
    RATELIMIT_START: str = os.environ.get("RATELIMIT_START", "30 per hour;200 per day")
    RATELIMIT_FINISH: str = os.environ.get("RATELIMIT_FINISH", "30 per hour;200 per day")
    # Failed administrator logins per client address, and per account (the address typed in the
    # form, whichever client sends it).
    LOGIN_RATE_LIMIT: str = os.environ.get("LOGIN_RATE_LIMIT", "5 per 15 minutes")
    LOGIN_ACCOUNT_RATE_LIMIT: str = os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "10 per 15 minutes")
    # Host names the application answers to, comma-separated ("aict.arricod.fr" or
    # ".arricod.fr" for every subdomain): a request with another Host header gets 400, so a
    # forged host never ends up in a private link. Unset: any host (development only; the
    # production configuration refuses to start without TRUSTED_HOSTS or SERVER_NAME).
    TRUSTED_HOSTS: list[str] | None = _host_list(os.environ.get("TRUSTED_HOSTS", ""))
    SERVER_NAME: str | None = os.environ.get("SERVER_NAME") or None
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
        self.TRUSTED_HOSTS = _host_list(os.environ.get("TRUSTED_HOSTS", ""))
        self.SERVER_NAME = os.environ.get("SERVER_NAME") or None
        if not (self.TRUSTED_HOSTS or self.SERVER_NAME):
            raise RuntimeError(
                "TRUSTED_HOSTS (comma-separated host names, e.g. aict.arricod.fr) or SERVER_NAME "
                "must be set in production, so that a forged Host header never appears in a "
                "private link."
            )


def config_from_env() -> type[Config] | Config:
    """Return the configuration named by APP_ENV (development by default)."""
    env = os.environ.get("APP_ENV", "development")
    if env == "production":
        return ProdConfig()
    return Config
