"""Database access: declarative base, one engine per application, one session per app context."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import MetaData, create_engine, event, make_url
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

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


def make_reader(url: str, engine: Engine) -> Engine:
    """Return the engine of read_first: engine itself on SQLite, a lean second pool otherwise.

    On a database server the reader's connections are in autocommit (a read is one round trip,
    not BEGIN, SELECT and ROLLBACK) and are not pinged before use (another round trip):
    read_first retries once instead when the server has dropped a connection. SQLite opens no
    transaction for a lone SELECT and has no round trips, so its engine is already that.
    """
    if engine.dialect.name == "sqlite":
        return engine
    return create_engine(
        url,
        isolation_level="AUTOCOMMIT",
        pool_size=1,
        max_overflow=4,
        connect_args=_pg_connect_args(url),
    )


def read_first(
    reader: Engine, statement: ClauseElement, params: Mapping[str, Any]
) -> tuple[Any, ...] | None:
    """Run one read-only SELECT on the reader engine and return its first row, if any.

    The statement is compiled once per dialect and run straight on a pooled DBAPI connection:
    the step pages run this on every visit, and SQLAlchemy's connection and result objects
    would cost more than the read itself. Values come back as the driver gives them (a SQLite
    timestamp is a string), which suits the version stamps this is for. Errors are SQLAlchemy's,
    as from any other query (the 503 page handles OperationalError).

    A connection the server dropped (a restart, an idle timeout) fails on first use: the pool
    is then emptied, its other connections being as dead, and the read is tried once more on a
    new connection, which is safe because it changes nothing.
    """
    sql, names = _compiled(reader.dialect, statement)
    args: Any = tuple(params[name] for name in names) if names is not None else dict(params)
    try:
        return _first(reader, sql, args)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        reader.dispose()
    return _first(reader, sql, args)


@cache
def _compiled(dialect: Dialect, statement: ClauseElement) -> tuple[str, tuple[str, ...] | None]:
    """Return statement's SQL for dialect, with its parameter names in order if positional."""
    compiled = statement.compile(dialect=dialect)
    if not isinstance(compiled, SQLCompiler):
        raise TypeError(f"not a SQL statement: {statement!r}")
    return compiled.string, tuple(compiled.positiontup or ()) if compiled.positional else None


def _first(reader: Engine, sql: str, args: Any) -> tuple[Any, ...] | None:
    """Run sql on a DBAPI connection of the reader's pool; return its first row."""
    dialect = reader.dialect
    driver_error = dialect.loaded_dbapi.Error
    try:
        connection = reader.raw_connection()
    except driver_error as exc:
        raise DBAPIError.instance(sql, args, exc, driver_error, dialect=dialect) from exc
    cursor = None
    try:
        cursor = connection.cursor()
        cursor.execute(sql, args)
        row = cursor.fetchone()
        cursor.close()
    except driver_error as exc:
        lost = dialect.is_disconnect(exc, connection.dbapi_connection, cursor)
        if lost:
            connection.invalidate(exc)
        raise DBAPIError.instance(
            sql, args, exc, driver_error, connection_invalidated=lost, dialect=dialect
        ) from exc
    finally:
        connection.close()
    return tuple(row) if row is not None else None


def init_app(app: Flask) -> None:
    """Create the application's engine and close the session at the end of each app context."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_reader"] = make_reader(app.config["DATABASE_URL"], engine)
    app.extensions["db_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_engine() -> Engine:
    """Return the current application's engine."""
    engine: Engine = current_app.extensions["db_engine"]
    return engine


def get_reader() -> Engine:
    """Return the engine for single read-only statements outside the session (read_first)."""
    engine: Engine = current_app.extensions["db_reader"]
    return engine


def dispose_engines() -> None:
    """Close every pooled connection of the current application (both engines)."""
    engine, reader = get_engine(), get_reader()
    engine.dispose()
    if reader is not engine:
        reader.dispose()


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
