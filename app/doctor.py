"""``flask doctor``: is this installation ready to serve? And ``/healthz`` for load balancers.

Each check answers with one line, OK or ÉCHEC (FAIL in English) and what to do: database
reachable and at the Alembic head, questionnaire files valid, every Redis server of the
configuration reachable, secret key strong enough, reverse-proxy settings consistent, English
catalogues compiled. ``flask doctor`` exits with status 1 when one check fails.

``GET /healthz`` answers ``{"status": "ok"}`` (200) or ``{"status": "unavailable"}`` (503) with
the state of the database, the schema and the questionnaire, nothing else: no version, no
address, no secret.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import click
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, current_app, jsonify
from flask.cli import with_appcontext
from flask.typing import ResponseReturnValue
from sqlalchemy import make_url, text
from sqlalchemy.exc import SQLAlchemyError

from app import questionnaire as qn
from app.cli_i18n import tr
from config import REDIS_SCHEMES, secret_key_problem

bp = Blueprint("health", __name__)

REDIS_TIMEOUT = 2  # seconds
GUNICORN_BIND = "127.0.0.1:5000"
GUNICORN_FORWARDED_ALLOW_IPS = "127.0.0.1,::1"
APP_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Check:
    """The outcome of one check: passed or not, its subject and what was found."""

    ok: bool
    subject: str
    detail: str

    def line(self) -> str:
        """Return the check's line: status, subject and detail."""
        status = tr("OK") if self.ok else tr("ÉCHEC")
        return f"{status:<6} " + tr(
            "{subject} : {detail}", subject=self.subject, detail=self.detail
        )


def _first_line(error: BaseException) -> str:
    """Return the first line of an exception's message, with its type."""
    message = str(error).strip().splitlines()
    return f"{type(error).__name__}: {message[0][:200]}" if message else type(error).__name__


def _where(url: str) -> str:
    """Return the database's kind and location, without user or password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite {parsed.database or ':memory:'}"
    port = f":{parsed.port}" if parsed.port else ""
    return f"PostgreSQL {parsed.host or 'localhost'}{port}/{parsed.database}"


def alembic_heads() -> set[str]:
    """Return the head revisions of the migrations shipped with the code."""
    from app.cli import alembic_config

    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def database_revisions() -> set[str]:
    """Return the revisions the database is at (empty set for an unmigrated database)."""
    from app.db import get_engine

    with get_engine().connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def check_database() -> Check:
    """Check that the database answers a query."""
    from app.db import get_engine

    subject = tr("base de données")
    where = _where(current_app.config["DATABASE_URL"])
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return Check(
            False,
            subject,
            tr("{where} injoignable ({error})", where=where, error=_first_line(error)),
        )
    return Check(True, subject, tr("{where} joignable", where=where))


def check_migrations() -> Check:
    """Check that the database's schema is at the Alembic head of the code."""
    subject = tr("schéma")
    heads = alembic_heads()
    try:
        current = database_revisions()
    except SQLAlchemyError as error:
        return Check(False, subject, tr("illisible ({error})", error=_first_line(error)))
    if current == heads:
        return Check(
            True, subject, tr("à jour (révision {revision})", revision=", ".join(sorted(heads)))
        )
    if not current:
        return Check(False, subject, tr("base vide ou non migrée : lancez « flask db upgrade »"))
    return Check(
        False,
        subject,
        tr(
            "révision {current} au lieu de {head} : lancez « flask db upgrade »",
            current=", ".join(sorted(current)),
            head=", ".join(sorted(heads)),
        ),
    )


def check_questionnaire(base: Path | None = None) -> Check:
    """Check that every questionnaire version under base (``questions/``) loads cleanly."""
    subject = tr("questionnaire")
    base = base or qn.QUESTIONS_DIR
    names = qn.versions(base)
    broken = {name: len(qn.check_folder(base / name)[1]) for name in names}
    bad = {name: count for name, count in broken.items() if count}
    if not names:
        return Check(False, subject, tr("aucune version dans {folder}", folder=str(base)))
    if bad:
        listed = ", ".join(f"{name} ({count})" for name, count in bad.items())
        return Check(
            False,
            subject,
            tr("problèmes dans {versions} : lancez « flask questions check »", versions=listed),
        )
    return Check(
        True,
        subject,
        tr(
            "{count} version(s) valide(s) : {versions}", count=len(names), versions=", ".join(names)
        ),
    )


def redis_urls(config: dict[str, object]) -> dict[str, str]:
    """Return the configuration's Redis URLs by variable name (``…_URL`` / ``…_URI`` keys)."""
    return {
        name: value
        for name, value in sorted(config.items())
        if name.endswith(("_URL", "_URI"))
        and isinstance(value, str)
        and urlsplit(value).scheme in REDIS_SCHEMES
    }


def _ping_redis(url: str) -> None:
    """Ping the Redis server at url (raises on failure)."""
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
    )
    try:
        client.ping()
    finally:
        client.close()


def _workers() -> int:
    """Return the number of gunicorn workers the environment asks for."""
    raw = os.environ.get("WEB_CONCURRENCY", "2")
    return int(raw) if raw.strip().isdigit() else 2


def check_redis() -> list[Check]:
    """Check every Redis server of the configuration; in production, that throttling has one."""
    subject = tr("Redis")
    config = dict(current_app.config)
    urls = redis_urls(config)
    checks: list[Check] = []
    for name, url in urls.items():
        where = urlsplit(url).netloc.split("@")[-1]
        try:
            _ping_redis(url)
        except Exception as error:  # noqa: BLE001  (any failure means "not reachable")
            detail = tr(
                "{variable} : {where} injoignable ({error})",
                variable=name,
                where=where,
                error=_first_line(error),
            )
            checks.append(Check(False, subject, detail))
        else:
            checks.append(
                Check(
                    True, subject, tr("{variable} : {where} joignable", variable=name, where=where)
                )
            )
    storage = str(config.get("RATELIMIT_STORAGE_URI", "memory://"))
    if "RATELIMIT_STORAGE_URI" not in urls:
        if config.get("APP_ENV") == "production" and _workers() > 1:
            detail = tr(
                "RATELIMIT_STORAGE_URI={storage} avec {workers} processus : chacun compte les "
                "échecs de connexion à part ; indiquez redis://hôte:6379/0",
                storage=storage,
                workers=_workers(),
            )
            checks.append(Check(False, subject, detail))
        elif not urls:
            checks.append(
                Check(
                    True,
                    subject,
                    tr("non utilisé (RATELIMIT_STORAGE_URI={storage})", storage=storage),
                )
            )
    return checks


def _is_weak(secret: str) -> bool:
    """Return True for a secret made of a short repeated pattern or of few distinct characters."""
    if len(set(secret)) < 10:
        return True
    length = len(secret)
    return any(
        secret == (secret[:period] * (length // period + 1))[:length]
        for period in range(1, length // 2 + 1)
    )


def check_secret_key() -> Check:
    """Check that SECRET_KEY is set, long and not a repeated pattern (production)."""
    subject = tr("clé secrète")
    if current_app.config.get("APP_ENV") != "production" and not os.environ.get("SECRET_KEY"):
        return Check(
            True,
            subject,
            tr("aléatoire à chaque démarrage (développement ; obligatoire en production)"),
        )
    secret = str(current_app.config.get("SECRET_KEY", ""))
    problem = secret_key_problem(secret)
    if problem is not None:
        return Check(False, subject, problem.render(tr))
    if _is_weak(secret):
        return Check(
            False,
            subject,
            tr(
                "SECRET_KEY est un motif répété ou trop peu varié : remplacez-la par « {command} »",
                command="python3 -c 'import secrets; print(secrets.token_hex(32))'",
            ),
        )
    return Check(True, subject, tr("{length} caractères", length=len(secret)))


def _host(address: str) -> str:
    """Return the host part of a gunicorn BIND address (``host:port``, ``[::1]:80``, ``unix:…``)."""
    if address.startswith("unix:"):
        return "unix"
    if address.startswith("["):
        return address[1 : address.index("]")]
    return address.rsplit(":", 1)[0] if address.count(":") == 1 else address


def _is_loopback(host: str) -> bool:
    """Return True for an address only this machine can reach (loopback or a unix socket)."""
    if host in ("unix", "localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_proxy(environ: dict[str, str] | None = None) -> Check:
    """Check PROXY_HOPS against gunicorn's BIND and FORWARDED_ALLOW_IPS (production)."""
    env = os.environ if environ is None else environ
    subject = tr("proxy")
    hops = int(current_app.config.get("PROXY_HOPS", 0))
    bind = env.get("BIND", GUNICORN_BIND)
    allowed = [
        a.strip()
        for a in env.get("FORWARDED_ALLOW_IPS", GUNICORN_FORWARDED_ALLOW_IPS).split(",")
        if a.strip()
    ]
    local_only = all(_is_loopback(_host(b.strip())) for b in bind.split(",") if b.strip())
    remote_proxy = any(a == "*" or not _is_loopback(a) for a in allowed)
    settings = f"PROXY_HOPS={hops}, BIND={bind}, FORWARDED_ALLOW_IPS={','.join(allowed)}"
    if "*" in allowed and not local_only:
        detail = tr(
            "{settings} : n'importe quel client peut se dire en HTTPS ; "
            "indiquez l'adresse du proxy",
            settings=settings,
        )
        return Check(False, subject, detail)
    if remote_proxy and hops == 0:
        detail = tr(
            "{settings} : le proxy est sur une autre machine mais son X-Forwarded-For est ignoré "
            "(le frein aux connexions compterait tous les clients comme un seul) ; indiquez "
            "PROXY_HOPS=1",
            settings=settings,
        )
        return Check(False, subject, detail)
    if current_app.config.get("APP_ENV") == "production" and local_only and hops == 0:
        detail = tr(
            "{settings} : gunicorn n'écoute qu'en local, donc derrière un proxy dont le "
            "X-Forwarded-For est ignoré (le frein aux connexions compterait tous les clients "
            "comme un seul) ; indiquez PROXY_HOPS=1",
            settings=settings,
        )
        return Check(False, subject, detail)
    if hops and not local_only and not remote_proxy:
        detail = tr(
            "{settings} : gunicorn écoute sur le réseau et fait confiance à X-Forwarded-For : "
            "un client qui l'atteint directement choisirait son adresse ; écoutez en local "
            "(BIND=127.0.0.1:8000) ou indiquez l'adresse du proxy dans FORWARDED_ALLOW_IPS",
            settings=settings,
        )
        return Check(False, subject, detail)
    return Check(True, subject, tr("{settings} cohérents", settings=settings))


def _catalogues() -> Iterable[Path]:
    """Yield every translation catalogue (.po) of the web pages and of the command line."""
    yield from APP_DIR.glob("translations/*/LC_MESSAGES/*.po")
    yield from APP_DIR.glob("*/translations/*/LC_MESSAGES/*.po")
    yield from APP_DIR.glob("cli_locale/*/LC_MESSAGES/*.po")


def check_catalogues() -> Check:
    """Check that every catalogue is compiled (.mo present and newer than its .po)."""
    subject = tr("traductions")
    stale = [
        str(po.relative_to(APP_DIR.parent))
        for po in _catalogues()
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        return Check(
            False,
            subject,
            tr("à compiler ({files}) : lancez « make translations »", files=", ".join(stale)),
        )
    return Check(True, subject, tr("compilées"))


def run_checks() -> list[Check]:
    """Run every check, in the order an operator fixes them."""
    checks = [check_secret_key(), check_database()]
    if checks[-1].ok:
        checks.append(check_migrations())
    checks += [check_questionnaire(), *check_redis(), check_proxy(), check_catalogues()]
    return checks


@click.command("doctor")
@with_appcontext
def doctor_command() -> None:
    """Check that this installation is ready to serve; exit 1 when a check fails."""
    checks = run_checks()
    for check in checks:
        click.echo(check.line())
    failed = [check for check in checks if not check.ok]
    if failed:
        click.echo(tr("{count} vérification(s) en échec.", count=len(failed)), err=True)
        sys.exit(1)
    click.echo(tr("Tout est prêt."))


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Answer the load balancer: 200 when the database, schema and questionnaire are fine."""
    try:
        current: set[str] | None = database_revisions()
    except Exception:  # noqa: BLE001  (a health check reports, it never raises)
        current = None
    states = {
        "database": "ok" if current is not None else "failed",
        "schema": "ok" if current == alembic_heads() else "failed",
        "questionnaire": "failed" if current_app.config.get("SERVICE_UNAVAILABLE") else "ok",
    }
    healthy = all(state == "ok" for state in states.values())
    response = jsonify(status="ok" if healthy else "unavailable", checks=states)
    response.status_code = 200 if healthy else 503
    return response


def init_app(app: Flask) -> None:
    """Register ``flask doctor`` on the application."""
    app.cli.add_command(doctor_command)
