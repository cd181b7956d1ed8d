"""``flask doctor`` says, one line per check, what is ready and what to fix; ``/healthz`` answers
load balancers without saying anything secret."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from click.testing import Result
from flask import Flask

from app import create_app, doctor
from app import questionnaire as qn
from app.cli import alembic_config, upgrade
from app.db import dispose_engines
from config import TestConfig
from tests.pg import redis_url

NBSP = "\u00a0"
STRONG_SECRET = "9c1e5b7a2f4d8e0c3b6a9f2e5d8c1b4a7f0e3d6c9b2a5f8e1d4c7b0a3f6e9d2c"
GUNICORN_ENV = ("BIND", "FORWARDED_ALLOW_IPS", "WEB_CONCURRENCY", "SECRET_KEY")


@pytest.fixture(autouse=True)
def neutral_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """French messages, gunicorn's defaults, no SECRET_KEY from the developer's shell."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", *GUNICORN_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Any]:
    """Return a factory of applications on a SQLite file, migrated to head unless told."""
    apps: list[Flask] = []

    def factory(migrate: str | None = "head", **overrides: Any) -> Flask:
        settings = {"DATABASE_URL": f"sqlite:///{tmp_path / f'd{len(apps)}.sqlite3'}", **overrides}
        app = create_app(TestConfig, **settings)
        apps.append(app)
        if migrate:
            with app.app_context():
                upgrade(migrate)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            dispose_engines()


def run_doctor(app: Flask, *args: str) -> Result:
    """Run ``flask doctor`` on app."""
    return app.test_cli_runner().invoke(args=["doctor", *args])


def line_of(result: Result, subject: str) -> str:
    """Return the doctor's line about subject."""
    found = [line for line in result.output.splitlines() if f" {subject}{NBSP}: " in line]
    assert len(found) == 1, result.output
    return found[0]


def test_a_ready_installation_passes_every_check(make: Any) -> None:
    result = run_doctor(make())
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1] == "Tout est prêt."
    assert all(line.startswith("OK ") for line in lines[:-1]), result.output
    for subject in ("clé secrète", "base de données", "schéma", "questionnaire", "proxy"):
        assert line_of(result, subject)
    with make(migrate=None).app_context():
        (head,) = doctor.alembic_heads()
    assert f"à jour (révision {head})" in line_of(result, "schéma")


def test_english_output(make: Any) -> None:
    result = run_doctor(make(), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "OK     database: SQLite" in result.output
    assert result.output.splitlines()[-1] == "All set."


def test_unmigrated_database_fails(make: Any) -> None:
    result = run_doctor(make(migrate=None))
    assert result.exit_code == 1
    line = line_of(result, "schéma")
    assert line.startswith("ÉCHEC ")
    assert f"lancez «{NBSP}flask db upgrade{NBSP}»" in line
    assert "1 vérification(s) en échec." in result.output


def test_database_behind_head_names_both_revisions(make: Any) -> None:
    app = make(migrate=None)
    with app.app_context():
        script = ScriptDirectory.from_config(alembic_config())
        revisions = [r.revision for r in script.walk_revisions("base", "heads")][::-1]
        if len(revisions) < 2:
            pytest.skip("only one migration revision")
        upgrade(revisions[0])
    line = line_of(run_doctor(app), "schéma")
    assert line.startswith("ÉCHEC ")
    assert f"révision {revisions[0]} au lieu de {revisions[-1]}" in line


def test_unreachable_database_fails_and_hides_the_password(make: Any) -> None:
    app = make(
        migrate=None,
        DATABASE_URL="postgresql+psycopg://aict:motdepasse@127.0.0.1:1/aict?connect_timeout=2",
    )
    result = run_doctor(app)
    assert result.exit_code == 1
    line = line_of(result, "base de données")
    assert line.startswith("ÉCHEC  base de données")
    assert "PostgreSQL 127.0.0.1:1/aict injoignable" in line
    assert "motdepasse" not in result.output
    assert " schéma" not in result.output  # not checked without a database


def test_invalid_questionnaire_fails(
    make: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "questions"
    shutil.copytree(qn.QUESTIONS_DIR, copy)
    rules = copy / "v1" / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n  - id: [broken\n", encoding="utf-8")
    monkeypatch.setattr(qn, "QUESTIONS_DIR", copy)
    result = run_doctor(make())
    assert result.exit_code == 1
    line = line_of(result, "questionnaire")
    assert line.startswith("ÉCHEC ")
    assert "problèmes dans v1 (" in line
    assert f"lancez «{NBSP}flask questions check{NBSP}»" in line


def test_unreachable_redis_fails(make: Any) -> None:
    result = run_doctor(make(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0"))
    assert result.exit_code == 1
    line = line_of(result, "Redis")
    assert line.startswith("ÉCHEC ")
    assert "RATELIMIT_STORAGE_URI" in line
    assert "127.0.0.1:1 injoignable" in line


def test_reachable_redis_passes(make: Any) -> None:
    url = redis_url()
    if url is None:
        pytest.skip("no Redis server at TEST_REDIS_URL")
    result = run_doctor(make(RATELIMIT_STORAGE_URI=url))
    assert result.exit_code == 0, result.output
    assert "joignable" in line_of(result, "Redis")


def test_production_without_redis_and_several_workers_fails(make: Any) -> None:
    app = make(APP_ENV="production", SECRET_KEY=STRONG_SECRET, PROXY_HOPS=1)
    result = run_doctor(app)
    assert result.exit_code == 1
    assert "chacun compte les échecs de connexion à part" in line_of(result, "Redis")


@pytest.mark.parametrize(
    "secret",
    ["0123456789abcdef" * 4, "a" * 40, "motdepasse" * 4],
    ids=["repeated pattern", "one character", "repeated word"],
)
def test_weak_secret_fails(make: Any, secret: str) -> None:
    app = make(APP_ENV="production", SECRET_KEY=secret, RATELIMIT_STORAGE_URI="memory://")
    line = line_of(run_doctor(app), "clé secrète")
    assert line.startswith("ÉCHEC ")
    assert "motif répété ou trop peu varié" in line


def test_short_secret_fails(make: Any) -> None:
    line = line_of(run_doctor(make(APP_ENV="production", SECRET_KEY="x1y2z3")), "clé secrète")
    assert line.startswith("ÉCHEC ")
    assert "trop court (6 caractères, 32 au moins)" in line


def test_strong_secret_passes(make: Any) -> None:
    line = line_of(run_doctor(make(APP_ENV="production", SECRET_KEY=STRONG_SECRET)), "clé secrète")
    assert line.startswith("OK ")
    assert "64 caractères" in line


PROXY_CASES = {
    "local proxy without hops": (
        {"APP_ENV": "production"},
        {"BIND": "127.0.0.1:8000"},
        "gunicorn n'écoute qu'en local",
    ),
    "remote proxy without hops": (
        {},
        {"BIND": "10.0.0.2:8000", "FORWARDED_ALLOW_IPS": "10.0.0.1"},
        "le proxy est sur une autre machine",
    ),
    "hops with gunicorn open to the network": (
        {"PROXY_HOPS": 1},
        {"BIND": "0.0.0.0:8000"},
        "un client qui l'atteint directement choisirait son adresse",
    ),
    "any address trusted": (
        {"PROXY_HOPS": 1},
        {"BIND": "0.0.0.0:8000", "FORWARDED_ALLOW_IPS": "*"},
        "n'importe quel client peut se dire en HTTPS",
    ),
}


@pytest.mark.parametrize(("config", "env", "message"), PROXY_CASES.values(), ids=PROXY_CASES)
def test_inconsistent_proxy_settings_fail(
    make: Any,
    monkeypatch: pytest.MonkeyPatch,
    config: dict[str, Any],
    env: dict[str, str],
    message: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    line = line_of(run_doctor(make(**config)), "proxy")
    assert line.startswith("ÉCHEC ")
    assert message in line


@pytest.mark.parametrize(
    ("config", "env"),
    [
        ({"APP_ENV": "production", "PROXY_HOPS": 1}, {"BIND": "127.0.0.1:8000"}),
        ({"PROXY_HOPS": 1}, {"BIND": "10.0.0.2:8000", "FORWARDED_ALLOW_IPS": "10.0.0.1"}),
        ({}, {"BIND": "unix:/run/aict/gunicorn.sock"}),
    ],
    ids=["nginx on the same host", "proxy on another host", "development"],
)
def test_consistent_proxy_settings_pass(
    make: Any, monkeypatch: pytest.MonkeyPatch, config: dict[str, Any], env: dict[str, str]
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    line = line_of(run_doctor(make(SECRET_KEY=STRONG_SECRET, **config)), "proxy")
    assert line.startswith("OK "), line


def test_uncompiled_catalogue_fails(
    make: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "app"
    (fake / "translations/en/LC_MESSAGES").mkdir(parents=True)
    (fake / "translations/en/LC_MESSAGES/messages.po").write_text("", encoding="utf-8")
    monkeypatch.setattr(doctor, "APP_DIR", fake)
    line = line_of(run_doctor(make()), "traductions")
    assert line.startswith("ÉCHEC ")
    assert "make translations" in line


def test_healthz_is_ok_on_a_migrated_database(make: Any) -> None:
    response = make().test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "schema": "ok", "questionnaire": "ok"},
    }
    assert "no-store" in response.headers["Cache-Control"]


def test_healthz_is_503_on_an_unmigrated_database(make: Any) -> None:
    response = make(migrate=None).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["schema"] == "failed"


def test_healthz_is_503_when_the_database_is_down(make: Any) -> None:
    app = make(migrate=None, DATABASE_URL="postgresql+psycopg://a:pw@127.0.0.1:1/x")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert response.get_json()["checks"]["database"] == "failed"
    assert "pw" not in body
    assert "127.0.0.1" not in body
