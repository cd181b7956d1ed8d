"""ARRICOD administrators: password hashing, sessions (Flask-Login) and login throttling.

Passwords are hashed with Argon2id (argon2-cffi). An unknown address costs the same hash
verification as a wrong password, and both get the same message, so the login form tells nobody
which addresses have an account. Failed logins are counted by Flask-Limiter (storage
``RATELIMIT_STORAGE_URI``: in memory by default, Redis in production) twice: per client address
(``LOGIN_RATE_LIMIT``) and per address typed in the form (``LOGIN_ACCOUNT_RATE_LIMIT``), so that
neither one client trying many accounts nor many clients trying one account get far; beyond
either limit the login answers 429. Successful logins are not counted.

A session names the administrator and the ``session_version`` it was opened with; logging out or
changing the password increments the stored version, so that every copy of the session cookie
stops working at once (the user loader refuses a stale version).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app, request
from flask.wrappers import Response
from flask_login import LoginManager, UserMixin
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db import get_session
from app.models import Admin
from app.security import limiter

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
MAX_EMAIL = 254
MIN_PASSWORD = 12
DEFAULT_LOGIN_LIMIT = "5 per 15 minutes"
DEFAULT_ACCOUNT_LIMIT = "10 per 15 minutes"

login_manager = LoginManager()

__all__ = ["limiter"]


class AdminUser(UserMixin):  # type: ignore[misc]
    """The logged-in administrator as Flask-Login sees it (no database object kept around)."""

    def __init__(self, admin_id: int, email: str, session_version: int = 0) -> None:
        self.id = admin_id
        self.email = email
        self.session_version = session_version

    def get_id(self) -> str:
        """Return what the session stores: the administrator's id and session version."""
        return f"{self.id}.{self.session_version}"


class AdminError(ValueError):
    """Raised when an administrator cannot be created; the message says why.

    ``template`` is the French message with its placeholders, for the command line to translate
    (``app.cli_i18n.tr``); ``params`` fill them.
    """

    def __init__(self, template: str, **params: object) -> None:
        super().__init__(template.format(**params))
        self.template = template
        self.params = params


def _msg(text: str) -> str:
    """Mark a French message for the command line's catalogue; return it unchanged."""
    return text


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
        raise AdminError(_msg("Adresse électronique invalide : « {email} »."), email=email)
    if find(session, email) is not None:
        raise AdminError(_msg("Un administrateur existe déjà avec l'adresse {email}."), email=email)
    if len(password) < MIN_PASSWORD:
        raise AdminError(
            _msg("Le mot de passe doit compter au moins {minimum} caractères."),
            minimum=MIN_PASSWORD,
        )
    admin = Admin(email=email, password_hash=hasher().hash(password), session_version=0)
    session.add(admin)
    session.commit()
    return admin


def set_password(session: Session, admin: Admin, password: str) -> None:
    """Replace an administrator's password and end every session opened with the old one."""
    if len(password) < MIN_PASSWORD:
        raise AdminError(
            _msg("Le mot de passe doit compter au moins {minimum} caractères."),
            minimum=MIN_PASSWORD,
        )
    admin.password_hash = hasher().hash(password)
    admin.session_version += 1
    session.commit()


def end_sessions(session: Session, admin_id: int) -> None:
    """Invalidate every session of an administrator (each copy of its cookie, on any device)."""
    session.execute(
        update(Admin).where(Admin.id == admin_id).values(session_version=Admin.session_version + 1)
    )
    session.commit()


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
    return AdminUser(admin.id, admin.email, admin.session_version)


def load_user(user_id: str) -> AdminUser | None:
    """Return the administrator of a session whose version is still current (user loader)."""
    admin_id, _, version = user_id.partition(".")
    if not (admin_id.isdigit() and version.isdigit()):
        return None
    admin = get_session().get(Admin, int(admin_id))
    if admin is None or admin.session_version != int(version):
        return None
    return AdminUser(admin.id, admin.email, admin.session_version)


def login_limit() -> str:
    """Return the failed-login limit per client address (``LOGIN_RATE_LIMIT``)."""
    return str(current_app.config.get("LOGIN_RATE_LIMIT", DEFAULT_LOGIN_LIMIT))


def account_limit() -> str:
    """Return the failed-login limit per account address (``LOGIN_ACCOUNT_RATE_LIMIT``)."""
    return str(current_app.config.get("LOGIN_ACCOUNT_RATE_LIMIT", DEFAULT_ACCOUNT_LIMIT))


def account_key() -> str:
    """Return the rate-limit key of a login attempt: a digest of the address typed, as it is
    looked up (the counters' storage never holds the address itself).
    """
    email = normalise_email(request.form.get("email", ""))[:MAX_EMAIL]
    return "account:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def counts_as_failure(response: Response) -> bool:
    """Return whether a login response is a failure to count (a success redirects)."""
    return response.status_code != 302


def init_app(app: Flask) -> None:
    """Set up administrator sessions (strong protection, versioned) and the login limits."""
    app.config.setdefault("LOGIN_RATE_LIMIT", DEFAULT_LOGIN_LIMIT)
    app.config.setdefault("LOGIN_ACCOUNT_RATE_LIMIT", DEFAULT_ACCOUNT_LIMIT)
    login_manager.session_protection = "strong"
    login_manager.login_view = "admin.login"
    login_manager.login_message = None
    login_manager.user_loader(load_user)
    login_manager.init_app(app)
