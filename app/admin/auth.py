"""ARRICOD administrators: password hashing, sessions (Flask-Login) and login throttling.

Passwords are hashed with Argon2id (argon2-cffi). An unknown address costs the same hash
verification as a wrong password, and both get the same message, so the login form tells nobody
which addresses have an account. Failed logins are counted per client IP address by Flask-Limiter
(storage ``RATELIMIT_STORAGE_URI``: in memory by default, Redis in production) and answered 429
beyond ``LOGIN_RATE_LIMIT``; successful logins are not counted.
"""

from __future__ import annotations

import re
import secrets
from functools import cache, partial
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app
from flask.wrappers import Response
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import get_session
from app.models import Admin

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
MAX_EMAIL = 254
MIN_PASSWORD = 12
ADMIN_BLUEPRINT = "admin"

login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class AdminUser(UserMixin):  # type: ignore[misc]
    """The logged-in administrator as Flask-Login sees it (no database object kept around)."""

    def __init__(self, admin_id: int, email: str) -> None:
        self.id = admin_id
        self.email = email


class AdminError(ValueError):
    """Raised when an administrator cannot be created; the message says why."""


@cache
def hasher() -> PasswordHasher:
    """Return the Argon2id password hasher (argon2-cffi's recommended parameters)."""
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Return a hash to verify against for unknown addresses, so that they take as long."""
    return hasher().hash(secrets.token_urlsafe(16))


def normalise_email(email: str) -> str:
    """Return an address trimmed and lower-cased, as it is stored and looked up."""
    return email.strip().lower()


def valid_email(email: str) -> bool:
    """Return whether an (already normalised) address looks like an e-mail address."""
    return len(email) <= MAX_EMAIL and EMAIL_RE.match(email) is not None


def find(session: Session, email: str) -> Admin | None:
    """Return the administrator with this address (case-insensitive), if any."""
    return session.scalar(select(Admin).where(func.lower(Admin.email) == normalise_email(email)))


def create_admin(session: Session, email: str, password: str) -> Admin:
    """Store a new administrator with an Argon2id hash of the password; raise AdminError."""
    email = normalise_email(email)
    if not valid_email(email):
        raise AdminError(f"Adresse électronique invalide : « {email} ».")
    if find(session, email) is not None:
        raise AdminError(f"Un administrateur existe déjà avec l'adresse {email}.")
    if len(password) < MIN_PASSWORD:
        raise AdminError(f"Le mot de passe doit compter au moins {MIN_PASSWORD} caractères.")
    admin = Admin(email=email, password_hash=hasher().hash(password))
    session.add(admin)
    session.commit()
    return admin


def authenticate(session: Session, email: str, password: str) -> AdminUser | None:
    """Return the administrator these credentials open, or None (same cost either way)."""
    admin = find(session, email) if email else None
    stored = admin.password_hash if admin is not None else _dummy_hash()
    try:
        hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if admin is None:
        return None
    if hasher().check_needs_rehash(admin.password_hash):
        admin.password_hash = hasher().hash(password)
        session.commit()
    return AdminUser(admin.id, admin.email)


def load_user(user_id: str) -> AdminUser | None:
    """Return the administrator of a session (Flask-Login's user loader)."""
    if not user_id.isdigit():
        return None
    admin = get_session().get(Admin, int(user_id))
    return AdminUser(admin.id, admin.email) if admin is not None else None


def login_limit() -> str:
    """Return the failed-login limit from the configuration ("5 per minute" by default)."""
    return str(current_app.config.get("LOGIN_RATE_LIMIT", "5 per minute"))


def counts_as_failure(response: Response) -> bool:
    """Return whether a login response is a failure to count (a success redirects)."""
    return response.status_code != 302


def init_app(app: Flask) -> None:
    """Set up administrator sessions (strong protection) and the failed-login limiter."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("LOGIN_RATE_LIMIT", "5 per minute")
    login_manager.session_protection = "strong"
    login_manager.login_view = "admin.login"
    login_manager.login_message = None
    login_manager.user_loader(load_user)
    login_manager.init_app(app)
    limiter.init_app(app)
    _confine_limiter(app, ADMIN_BLUEPRINT)


def _confine_limiter(app: Flask, blueprint: str) -> None:
    """Run the limiter's request hooks for one blueprint's requests only.

    Flask-Limiter hooks every request of the application (a check before, its headers and the
    conditional deductions after, a reset at teardown), for application-wide limits. There are
    none here: the only limit is on the login view. Moved to the admin blueprint, the hooks do
    exactly what they did there and cost nothing elsewhere (a respondent's step pages above
    all). If a release of Flask-Limiter hooks in differently, start-up fails here.
    """
    registries: tuple[dict[str | None, list[Any]], ...] = (
        app.before_request_funcs,
        app.after_request_funcs,
        app.teardown_request_funcs,
    )
    for registry in registries:
        hooks = [hook for hook in registry.get(None, []) if _is_limiter_hook(hook)]
        if len(hooks) != 1:
            raise RuntimeError(f"Flask-Limiter hooks in unexpectedly: {hooks!r}")
        registry[None].remove(hooks[0])
        registry.setdefault(blueprint, []).append(hooks[0])


def _is_limiter_hook(hook: object) -> bool:
    """Return whether a request hook is one the limiter registered (a bound method or partial)."""
    if isinstance(hook, partial):
        return any(arg is limiter for arg in hook.args)
    return getattr(hook, "__self__", None) is limiter
