"""Configuration classes, read from environment variables (defaults need no configuration).

Every variable is checked when the application is created (``check``): a missing or invalid
value stops the start with one line naming the variable (``ConfigError``), never a traceback.
The messages are French, marked with ``_msg`` for the command line's English catalogue
(``app/cli_locale``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
MIN_SECRET_LENGTH = 32
# k below 2 would publish figures about a single diagnostic.
MIN_CELL_SIZE_FLOOR = 2
DATABASE_BACKENDS = ("sqlite", "postgresql")
REDIS_SCHEMES = ("redis", "rediss")


def _msg(text: str) -> str:
    """Mark a French message for the command line's catalogue; return it unchanged."""
    return text


@dataclass(frozen=True)
class ConfigProblem:
    """One missing or invalid variable: its name and a French message with placeholders."""

    variable: str
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str] = str) -> str:
        """Return the message, translated by translate, with its placeholders filled."""
        return translate(self.template).format(variable=self.variable, **self.params)


class ConfigError(RuntimeError):
    """The configuration cannot start the application; ``problems`` says why, one per line."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        super().__init__("; ".join(problem.render() for problem in problems))
        self.problems = problems


# Variables of the environment that could not be read as integers, found at import time.
ENV_PROBLEMS: list[ConfigProblem] = []


def _env_number(name: str, default: float, kind: type[float], template: str) -> float:
    """Return the environment variable name read as kind, or default (recording a bad value)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        ENV_PROBLEMS.append(ConfigProblem(name, template, {"value": raw[:40]}))
        return default


def _env_int(name: str, default: int) -> int:
    """Return the integer environment variable name, or default (recording a bad value)."""
    template = _msg("{variable}={value!r} n'est pas un nombre entier.")
    return int(_env_number(name, default, int, template))


def _env_float(name: str, default: float) -> float:
    """Return the decimal environment variable name, or default (recording a bad value)."""
    template = _msg("{variable}={value!r} n'est pas un nombre (écrivez par exemple 2.0).")
    return _env_number(name, default, float, template)


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
    MIN_CELL_SIZE: int = _env_int("MIN_CELL_SIZE", 5)
    # Privacy budget ε of one published statistics snapshot (differential privacy, see
    # app/stats/release.py): whether one authority's diagnostic is shared or not changes the
    # probability of any figure of a snapshot by at most a factor e^ε. Smaller is more private
    # and noisier.
    PRIVACY_EPSILON: float = _env_float("PRIVACY_EPSILON", 2.0)
    RATELIMIT_STORAGE_URI: str = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down: count in the process's memory meanwhile (same limits) rather than fail the
    # request; the limiter goes back to Redis once it answers again.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Diagnostics started (POST /diagnostic/commencer) and finished (the finish button) per client
    # address: a brake on fabricated diagnostics that no real respondent reaches ("30 per
    # hour;200 per day": limits separated by ";", in the syntax of the limits library).
    RATELIMIT_START: str = os.environ.get("RATELIMIT_START", "30 per hour;200 per day")
    RATELIMIT_FINISH: str = os.environ.get("RATELIMIT_FINISH", "30 per hour;200 per day")
    RATELIMIT_PERSPECTIVE: str = os.environ.get("RATELIMIT_PERSPECTIVE", "20 per hour;60 per day")
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
    PROXY_HOPS: int = _env_int("PROXY_HOPS", 0)
    PURGE_AFTER_DAYS: int = _env_int("PURGE_AFTER_DAYS", 180)
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
    APP_ENV = "development"


class TestConfig(Config):
    """Configuration for the test suite: a throw-away database, CSRF kept on."""

    TESTING = True
    DATABASE_URL = "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"


def secret_key_problem(secret: str) -> ConfigProblem | None:
    """Return why secret cannot sign production sessions, or None when it can."""
    if not secret:
        return ConfigProblem(
            "SECRET_KEY",
            _msg(
                "{variable} manque : il est obligatoire en production (APP_ENV=production). "
                "Créez-en un avec « {command} »."
            ),
            {"command": "python3 -c 'import secrets; print(secrets.token_hex(32))'"},
        )
    if len(secret) < MIN_SECRET_LENGTH:
        return ConfigProblem(
            "SECRET_KEY",
            _msg(
                "{variable} est trop court ({length} caractères, {minimum} au moins). "
                "Créez-en un avec « {command} »."
            ),
            {
                "length": len(secret),
                "minimum": MIN_SECRET_LENGTH,
                "command": "python3 -c 'import secrets; print(secrets.token_hex(32))'",
            },
        )
    return None


class ProdConfig(Config):
    """Production: a real secret is mandatory and cookies are Secure."""

    SESSION_COOKIE_SECURE = True
    APP_ENV = "production"

    def __init__(self) -> None:
        secret = os.environ.get("SECRET_KEY", "")
        problem = secret_key_problem(secret)
        if problem is not None:
            raise ConfigError([problem])
        self.SECRET_KEY = secret
        self.TRUSTED_HOSTS = _host_list(os.environ.get("TRUSTED_HOSTS", ""))
        self.SERVER_NAME = os.environ.get("SERVER_NAME") or None
        if not (self.TRUSTED_HOSTS or self.SERVER_NAME):
            template = _msg(
                "{variable} (noms d'hôte séparés par des virgules, par exemple aict.arricod.fr) "
                "ou SERVER_NAME est obligatoire en production, pour qu'un en-tête Host falsifié "
                "n'apparaisse jamais dans un lien privé."
            )
            raise ConfigError([ConfigProblem("TRUSTED_HOSTS", template)])


def _database_problem(url: str) -> ConfigProblem | None:
    """Return why DATABASE_URL cannot be used, or None (the password is never repeated)."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return ConfigProblem(
            "DATABASE_URL",
            _msg(
                "{variable} n'est pas une adresse de base de données lisible : attendu "
                "« sqlite:///chemin » ou « postgresql+psycopg://utilisateur:mot-de-passe@hôte/"
                "base »."
            ),
        )
    backend = parsed.get_backend_name()
    if backend not in DATABASE_BACKENDS:
        return ConfigProblem(
            "DATABASE_URL",
            _msg(
                "{variable} désigne une base « {backend} » : seules SQLite et PostgreSQL "
                "(postgresql+psycopg://…) sont prises en charge."
            ),
            {"backend": backend},
        )
    try:
        parsed.get_dialect().import_dbapi()
    except (NoSuchModuleError, ImportError):
        return ConfigProblem(
            "DATABASE_URL",
            _msg(
                "{variable} demande le pilote « {driver} », qui n'est pas installé : "
                "écrivez « postgresql+psycopg://… » (psycopg 3)."
            ),
            {"driver": parsed.drivername},
        )
    return None


def _storage_problem(uri: str) -> ConfigProblem | None:
    """Return why RATELIMIT_STORAGE_URI cannot be used, or None."""
    from limits.storage import SCHEMES  # type: ignore[attr-defined]

    scheme = urlsplit(uri).scheme
    if scheme not in SCHEMES or scheme.startswith("async+"):
        return ConfigProblem(
            "RATELIMIT_STORAGE_URI",
            _msg(
                "{variable}={value!r} n'est pas un stockage reconnu : écrivez « memory:// » ou "
                "« redis://hôte:6379/0 »."
            ),
            {"value": uri.split("@")[-1][:60]},
        )
    if scheme in REDIS_SCHEMES:
        return redis_url_problem("RATELIMIT_STORAGE_URI", uri)
    return None


def redis_url_problem(variable: str, uri: str) -> ConfigProblem | None:
    """Return why uri is not a usable Redis URL (host, port, database number), or None."""
    from redis.connection import parse_url

    parts = urlsplit(uri)
    database = parts.path.lstrip("/")
    try:
        parse_url(uri)  # type: ignore[no-untyped-call]
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
        if database and not database.isdigit():
            raise ValueError(database)
    except ValueError:
        return ConfigProblem(
            variable,
            _msg(
                "{variable} n'est pas une adresse Redis valide ({value}) : attendu "
                "« redis://hôte:6379/0 » (port et numéro de base en chiffres)."
            ),
            {"value": parts.netloc.split("@")[-1][:60] + parts.path[:10]},
        )
    return None


def _integer_problems(settings: Mapping[str, Any]) -> list[ConfigProblem]:
    """Return the problems of the integer settings (range checks)."""
    found: list[ConfigProblem] = []
    floors = {"MIN_CELL_SIZE": MIN_CELL_SIZE_FLOOR, "PROXY_HOPS": 0, "PURGE_AFTER_DAYS": 1}
    for name, floor in floors.items():
        value = settings.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= floor:
            continue
        if any(problem.variable == name for problem in ENV_PROBLEMS):
            continue
        found.append(
            ConfigProblem(
                name,
                _msg("{variable}={value!r} : attendu un nombre entier d'au moins {floor}."),
                {"value": value, "floor": floor},
            )
        )
    return found


def _epsilon_problems(settings: Mapping[str, Any]) -> list[ConfigProblem]:
    """Return the problem of a privacy budget that is not a positive number, if any."""
    value = settings.get("PRIVACY_EPSILON")
    if any(problem.variable == "PRIVACY_EPSILON" for problem in ENV_PROBLEMS):
        return []
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return []
    template = _msg(
        "{variable}={value!r} : attendu un nombre strictement positif (par exemple 2.0)."
    )
    return [ConfigProblem("PRIVACY_EPSILON", template, {"value": value})]


def check(settings: Mapping[str, Any]) -> None:
    """Raise ConfigError listing every missing or invalid setting; return when all are usable."""
    problems = [*ENV_PROBLEMS, *_integer_problems(settings), *_epsilon_problems(settings)]
    for problem in (
        _database_problem(str(settings.get("DATABASE_URL", ""))),
        _storage_problem(str(settings.get("RATELIMIT_STORAGE_URI", "memory://"))),
    ):
        if problem is not None:
            problems.append(problem)
    if problems:
        raise ConfigError(problems)


def config_from_env() -> type[Config] | Config:
    """Return the configuration named by APP_ENV (development by default)."""
    env = os.environ.get("APP_ENV", "").strip() or "development"
    if env == "production":
        return ProdConfig()
    if env != "development":
        raise ConfigError(
            [
                ConfigProblem(
                    "APP_ENV",
                    _msg("{variable}={value!r} : attendu « production » ou « development »."),
                    {"value": env[:40]},
                )
            ]
        )
    return Config
