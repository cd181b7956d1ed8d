"""Database access: declarative base, one engine per application, one session per app context."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import MetaData, create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
PG_CONNECT_TIMEOUT = 5  # seconds, unless DATABASE_URL sets ?connect_timeout=


class Base(DeclarativeBase):
    """Base class of every model, with a stable constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Enable WAL, a busy timeout and foreign keys on every SQLite connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _pg_connect_args(url: str) -> dict[str, Any]:
    """Return the driver options of a server database: a connection timeout unless url sets one."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        # A database that does not answer gives a 503 page after a few seconds, instead of a
        # worker hanging until gunicorn kills it.
        return {"connect_timeout": PG_CONNECT_TIMEOUT}
    return {}


def make_engine(url: str) -> Engine:
    """Return an engine for url, tuned for the dialect (SQLite WAL, PostgreSQL pool checks)."""
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 10}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args=_pg_connect_args(url)
    )


def init_app(app: Flask) -> None:
    """Create the application's engine and close the session at the end of each app context."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_engine() -> Engine:
    """Return the current application's engine."""
    engine: Engine = current_app.extensions["db_engine"]
    return engine


def dispose_engines() -> None:
    """Close every pooled connection of the current application's engine."""
    get_engine().dispose()


def get_session() -> Session:
    """Return the session of the current app context, opening it on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    """Close the app context's session, if one was opened."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
