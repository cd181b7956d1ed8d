"""Start-up with a missing or bad configuration: one clear line and a non-zero exit (flask and
gunicorn), and a served application with broken questionnaire files answers a 503 page."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from app import questionnaire as qn
from app.db import dispose_engines
from app.startup import exit_on_config_error
from config import ConfigError, TestConfig
from tests.pg import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NBSP = "\u00a0"
GOOD_SECRET = "f1d2" + "a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8"


def run_flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``flask --app wsgi ARGS`` with env added to a clean, French environment."""
    base = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    for name in ("APP_ENV", "SECRET_KEY", "DATABASE_URL", "MIN_CELL_SIZE", "RATELIMIT_STORAGE_URI"):
        base.pop(name, None)
    base["LANG"] = "C.UTF-8"
    return subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *(args or ("doctor",))],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


CASES = {
    "no secret in production": (
        {"APP_ENV": "production"},
        f"SECRET_KEY manque{NBSP}: il est obligatoire en production",
    ),
    "short secret in production": (
        {"APP_ENV": "production", "SECRET_KEY": "court"},
        "SECRET_KEY est trop court (5 caractères, 32 au moins)",
    ),
    "unreadable database URL": (
        {"DATABASE_URL": "pas une url"},
        "DATABASE_URL n'est pas une adresse de base de données lisible",
    ),
    "unsupported database": (
        {"DATABASE_URL": "mysql://aict:secret@db/aict"},
        f"DATABASE_URL désigne une base «{NBSP}mysql{NBSP}»",
    ),
    "unknown driver": (
        {"DATABASE_URL": "postgresql+nosuchdriver://aict@db/aict"},
        f"DATABASE_URL demande le pilote «{NBSP}postgresql+nosuchdriver{NBSP}»",
    ),
    "unknown rate-limit storage": (
        {"RATELIMIT_STORAGE_URI": "rediz://127.0.0.1:6379/0"},
        "RATELIMIT_STORAGE_URI='rediz://127.0.0.1:6379/0' n'est pas un stockage reconnu",
    ),
    "bad Redis port": (
        {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:six/0"},
        "RATELIMIT_STORAGE_URI n'est pas une adresse Redis valide",
    ),
    "bad Redis database number": (
        {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/zero"},
        "RATELIMIT_STORAGE_URI n'est pas une adresse Redis valide",
    ),
    "cell size not a number": (
        {"MIN_CELL_SIZE": "cinq"},
        "MIN_CELL_SIZE='cinq' n'est pas un nombre entier.",
    ),
    "cell size too small": (
        {"MIN_CELL_SIZE": "1"},
        f"MIN_CELL_SIZE=1{NBSP}: attendu un nombre entier d'au moins 2.",
    ),
    "purge period of zero days": (
        {"PURGE_AFTER_DAYS": "0"},
        f"PURGE_AFTER_DAYS=0{NBSP}: attendu un nombre entier d'au moins 1.",
    ),
    "negative proxy hops": (
        {"PROXY_HOPS": "-1"},
        f"PROXY_HOPS=-1{NBSP}: attendu un nombre entier d'au moins 0.",
    ),
    "privacy budget not a number": (
        {"PRIVACY_EPSILON": "deux"},
        "PRIVACY_EPSILON='deux' n'est pas un nombre (écrivez par exemple 2.0).",
    ),
    "privacy budget of zero": (
        {"PRIVACY_EPSILON": "0"},
        f"PRIVACY_EPSILON=0.0{NBSP}: attendu un nombre strictement positif (par exemple 2.0).",
    ),
    "production without trusted hosts": (
        {"APP_ENV": "production", "SECRET_KEY": "s" * 64},
        "TRUSTED_HOSTS (noms d'hôte séparés par des virgules, par exemple aict.arricod.fr) ou "
        "SERVER_NAME est obligatoire en production",
    ),
    "mistyped environment": (
        {"APP_ENV": "prod"},
        f"APP_ENV='prod'{NBSP}: attendu «{NBSP}production{NBSP}» ou «{NBSP}development{NBSP}».",
    ),
}


@pytest.mark.parametrize(("env", "message"), CASES.values(), ids=CASES.keys())
def test_bad_configuration_is_one_line_and_exit_4(env: dict[str, str], message: str) -> None:
    done = run_flask(env)
    assert done.returncode == 4, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"aict: Configuration invalide{NBSP}: ")
    assert message in lines[0]
    assert "Traceback" not in done.stderr
    assert "secret@" not in done.stderr  # a database password is never repeated


def test_every_problem_gets_its_own_line_in_english() -> None:
    done = run_flask({"MIN_CELL_SIZE": "0", "PROXY_HOPS": "two", "LANG": "en_GB.UTF-8"})
    assert done.returncode == 4
    assert done.stderr.splitlines() == [
        "aict: Invalid configuration: PROXY_HOPS='two' is not a whole number.",
        "aict: Invalid configuration: MIN_CELL_SIZE=0: expected a whole number of at least 2.",
    ]


def test_gunicorn_stops_with_one_line_without_a_secret(tmp_path: Path) -> None:
    """The production server refuses to start and says why once, before starting workers."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "LANGUAGE")}
    env.update(APP_ENV="production", LANG="C.UTF-8", BIND=f"127.0.0.1:{free_port()}")
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'g.sqlite3'}"
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--no-control-socket", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail("gunicorn kept running without SECRET_KEY")
    assert process.returncode == 4, output
    ours = [line for line in output.splitlines() if line.startswith("aict: ")]
    assert len(ours) == 1, output
    assert f"SECRET_KEY manque{NBSP}: il est obligatoire en production" in ours[0]
    assert "Traceback" not in output
    assert "Booting worker" not in output  # stopped in the master, before any worker


def test_any_refusal_of_the_configuration_is_one_line() -> None:
    """A refusal raised as a plain RuntimeError by a configuration class is one line too."""
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        exit_on_config_error(
            RuntimeError("TRUSTED_HOSTS must be set in production.\nDetails."), out
        )
    assert exited.value.code == 4
    assert (
        out.getvalue()
        == f"aict: Configuration invalide{NBSP}: TRUSTED_HOSTS must be set in production.\n"
    )


def test_check_reports_overrides_too() -> None:
    with pytest.raises(ConfigError) as raised:
        create_app(TestConfig, MIN_CELL_SIZE=0, DATABASE_URL="oracle://x/y")
    variables = [problem.variable for problem in raised.value.problems]
    assert variables == ["MIN_CELL_SIZE", "DATABASE_URL"]


def test_good_production_configuration_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    done = run_flask(
        {
            "APP_ENV": "production",
            "SECRET_KEY": GOOD_SECRET,
            "DATABASE_URL": "sqlite://",
            "TRUSTED_HOSTS": "aict.example.org",
        },
        "db",
        "current",
    )
    assert done.returncode == 0, done.stderr


# ---- A served application with broken questionnaire files ----


@pytest.fixture
def broken_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Yield an application whose questionnaire files do not load."""

    def broken(*_args: object) -> dict[str, qn.Questionnaire]:
        raise qn.QuestionnaireError(["questions/v1/questionnaire.yaml:12: unknown option 'x'"])

    monkeypatch.setattr(qn, "load_all", broken)
    application = create_app(TestConfig)
    yield application
    with application.app_context():
        dispose_engines()


def test_broken_questionnaire_answers_a_french_maintenance_page(broken_app: Flask) -> None:
    response = broken_app.test_client().get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.headers["Retry-After"] == "300"
    assert '<html lang="fr">' in html
    assert "Service momentanément indisponible" in html
    assert "Le service est en maintenance" in html
    assert "Vos réponses déjà enregistrées sont conservées" in html
    assert "unknown option" not in html  # the details are for the log, not the public


def test_broken_questionnaire_page_in_english(broken_app: Flask) -> None:
    client = broken_app.test_client()
    response = client.get("/diagnostic/abc/etape/profil?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert '<html lang="en">' in html
    assert "The service is under maintenance" in html
    assert "Vos réponses" not in html


def test_broken_questionnaire_api_and_health_answer_json(broken_app: Flask) -> None:
    client = broken_app.test_client()
    api = client.get("/api/v1/questionnaire")
    assert api.status_code == 503
    assert "maintenance" in api.get_json()["errors"]["_"][0]
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["checks"]["questionnaire"] == "failed"
    with client.get("/static/css/app.css") as static:
        assert static.status_code == 200


def test_decimal_variables_are_read_or_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    import config

    monkeypatch.setattr(config, "ENV_PROBLEMS", [])
    monkeypatch.setenv("AICT_TEST_RATIO", "1.5")
    assert config._env_float("AICT_TEST_RATIO", 2.0) == 1.5
    monkeypatch.setenv("AICT_TEST_RATIO", "1,5")
    assert config._env_float("AICT_TEST_RATIO", 2.0) == 2.0
    (problem,) = config.ENV_PROBLEMS
    assert (
        problem.render() == "AICT_TEST_RATIO='1,5' n'est pas un nombre (écrivez par exemple 2.0)."
    )
