"""The deployment kit (deploy/): systemd units that systemd accepts, the example environment file
that docs/DEPLOYMENT.md shows, and a backup script whose dumps restore."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from http.client import HTTPConnection
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, make_url, select

from app import create_app
from app.db import dispose_engines
from app.models import Diagnostic
from config import TestConfig
from tests import pg

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
BIN = Path(sys.executable).parent
REQUIRE_ENV = "REQUIRE_SYSTEMD"
INSTALL_BIN = "/srv/aict/app/.venv/bin/"
ENV_FILE = "/etc/aict/aict.env"

pg_url = pg.pg_url


def systemd_analyze() -> str:
    """Return the path of systemd-analyze, or skip (fail with REQUIRE_SYSTEMD=1, as in CI)."""
    found = shutil.which("systemd-analyze")
    if found:
        return found
    reason = "systemd-analyze not installed (apt-get install systemd)"
    if os.environ.get(REQUIRE_ENV, "") not in ("", "0"):
        pytest.fail(f"{reason}; {REQUIRE_ENV}=1: the unit files must be verified")
    pytest.skip(reason)


def unit_files() -> list[Path]:
    """Return every unit file of deploy/systemd."""
    return sorted(UNITS.glob("*.service")) + sorted(UNITS.glob("*.timer"))


def test_systemd_accepts_every_unit(tmp_path: Path) -> None:
    """`systemd-analyze verify` finds nothing to say about the units.

    The units name the installed paths (/srv/aict/app/.venv/bin/…), whose programs systemd
    checks exist: the copies verified here point at this checkout's programs instead, and the
    test checks that nothing else differs.
    """
    analyze = systemd_analyze()
    copies = []
    for unit in unit_files():
        text = unit.read_text(encoding="utf-8")
        local = text.replace(INSTALL_BIN, f"{BIN}/").replace(
            "/usr/local/bin/aict-backup", str(DEPLOY / "aict-backup")
        )
        copy = tmp_path / unit.name
        copy.write_text(local, encoding="utf-8")
        copies.append(str(copy))
    done = subprocess.run(
        [analyze, "verify", "--man=no", *copies],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr


def test_systemd_verify_catches_a_mistake(tmp_path: Path) -> None:
    """The check above can fail: a mistyped directive is reported."""
    analyze = systemd_analyze()
    broken = tmp_path / "aict.service"
    text = (UNITS / "aict.service").read_text(encoding="utf-8").replace(INSTALL_BIN, f"{BIN}/")
    broken.write_text(text.replace("ExecStart=", "ExecStrat="), encoding="utf-8")
    done = subprocess.run(
        [analyze, "verify", "--man=no", str(broken)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "ExecStrat" in done.stderr


def _directives(unit: Path) -> dict[str, list[str]]:
    """Return a unit's directives, name -> values."""
    found: dict[str, list[str]] = {}
    for line in unit.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            name, value = line.split("=", 1)
            found.setdefault(name, []).append(value)
    return found


def test_units_run_the_application_commands_with_its_environment() -> None:
    services = {unit.stem: _directives(unit) for unit in UNITS.glob("*.service")}
    assert services["aict"]["ExecStart"] == [f"{INSTALL_BIN}gunicorn --no-control-socket wsgi:app"]
    assert services["aict-purge"]["ExecStart"] == [f"{INSTALL_BIN}flask --app wsgi purge"]
    assert services["aict-stats"]["ExecStart"] == [f"{INSTALL_BIN}flask --app wsgi stats publish"]
    for name, directives in services.items():
        assert directives["EnvironmentFile"] == [ENV_FILE], name
        assert directives["User"] == ["aict"], name
    for timer in UNITS.glob("*.timer"):
        (target,) = _directives(timer)["Unit"]
        assert (UNITS / target).exists(), timer.name
        assert _directives(timer)["Persistent"] == ["true"]


def example_environment() -> dict[str, str]:
    """Return the variables of deploy/aict.env.example."""
    lines = (DEPLOY / "aict.env.example").read_text(encoding="utf-8").splitlines()
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return dict(pairs)  # type: ignore[arg-type]


def test_deployment_guide_shows_the_example_environment_file() -> None:
    guide = (ROOT / "docs/DEPLOYMENT.md").read_text(encoding="utf-8")
    example = (DEPLOY / "aict.env.example").read_text(encoding="utf-8")
    assert example.strip() in guide


def test_example_environment_is_complete_and_consistent() -> None:
    env = example_environment()
    for name in ("APP_ENV", "SECRET_KEY", "DATABASE_URL", "RATELIMIT_STORAGE_URI", "PROXY_HOPS"):
        assert name in env, name
    for value in env.values():
        assert not re.search(r"\s|[\"']", value), value  # read alike by systemd and sh


def test_example_environment_passes_the_doctor_once_filled_in(tmp_path: Path) -> None:
    """With its placeholders replaced, the example passes the doctor, takes an administrator,
    publishes its first statistics and serves in production mode behind a (simulated) nginx."""
    env = {**os.environ, **example_environment()}
    env.update(
        SECRET_KEY="5e0f" + "8b1c9d2a7e3f6b4c0d5a8e1f9c2b7d3a6e0f4b8c1d5a9e2f7c3b6d0a4e8f1c",
        DATABASE_URL=f"sqlite:///{tmp_path / 'e.sqlite3'}",
        LANG="C.UTF-8",
    )
    redis = pg.redis_url()
    if redis is None:
        pytest.skip("no Redis server at TEST_REDIS_URL for the example's RATELIMIT_STORAGE_URI")
    env["RATELIMIT_STORAGE_URI"] = redis
    env.pop("LANGUAGE", None)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True, "timeout": 60}
    upgraded = subprocess.run([*flask, "db", "upgrade"], check=False, **run)  # type: ignore[call-overload]
    assert upgraded.returncode == 0, upgraded.stderr
    doctor = subprocess.run([*flask, "doctor"], check=False, **run)  # type: ignore[call-overload]
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "OK     proxy" in doctor.stdout
    admin = subprocess.run(  # type: ignore[call-overload]
        [*flask, "admin", "create", "exploitation@arricod.example"],
        check=False,
        **{**run, "env": {**env, "ADMIN_PASSWORD": "un mot de passe assez long"}},
    )
    assert admin.returncode == 0, admin.stderr
    published = subprocess.run([*flask, "stats", "publish"], check=False, **run)  # type: ignore[call-overload]
    assert published.returncode == 0, published.stderr
    assert "publié" in published.stdout
    serve_like_production(env, tmp_path)


def _get(port: int, path: str) -> tuple[int, dict[str, str], str]:
    """GET path as nginx forwards a browser's HTTPS request; return status, headers, body."""
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(
            "GET",
            path,
            headers={
                "Host": "diagnostic.arricod.fr",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": "diagnostic.arricod.fr",
                "X-Forwarded-For": "203.0.113.7",
            },
        )
        response = connection.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return response.status, headers, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def serve_like_production(env: dict[str, str], tmp_path: Path) -> None:
    """Start gunicorn as the unit does (gunicorn.conf.py, the environment file's variables)
    and check the instance answers like a production one behind nginx."""
    port = pg.free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--no-control-socket", "wsgi:app"],
            cwd=ROOT,
            env={**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _headers, body = _get(port, "/healthz")
                break
            except OSError:
                assert process.poll() is None, log.read_text(errors="replace")
                assert time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.2)
        assert status == 200, body
        status, headers, body = _get(port, "/admin/login")
        assert status == 200, body
        assert "secure" in headers.get("set-cookie", "").lower()  # production cookies
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def test_example_secret_placeholder_refuses_to_start() -> None:
    """Forgetting to replace the example's SECRET_KEY stops the start, with one line."""
    env = {**os.environ, **example_environment(), "LANG": "C.UTF-8"}
    env.pop("LANGUAGE", None)
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "doctor"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 4
    assert "SECRET_KEY est trop court" in done.stderr


def test_aict_flask_runs_flask_with_the_environment_file(tmp_path: Path) -> None:
    """`sudo aict-flask …` loads the environment file, as the guide's commands rely on."""
    if os.geteuid() != 0 or not shutil.which("runuser"):
        pytest.skip("aict-flask switches user with runuser: needs root")
    env_file = tmp_path / "aict.env"
    env_file.write_text(
        f"DATABASE_URL=sqlite:///{tmp_path / 'w.sqlite3'}\nMIN_CELL_SIZE=1\n", encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LANGUAGE")}
    env.update(
        AICT_ENV_FILE=str(env_file),
        AICT_APP_DIR=str(ROOT),
        AICT_USER="root",
        LANG="C.UTF-8",
        PATH=f"{BIN}:{env['PATH']}",
    )
    done = subprocess.run(
        [str(DEPLOY / "aict-flask"), "doctor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # MIN_CELL_SIZE=1 from the file, not the caller's environment, stops the start.
    assert done.returncode == 4, done.stdout + done.stderr
    assert "MIN_CELL_SIZE=1" in done.stderr


# ---- Backups that restore ----


def _count_diagnostics(url: str) -> int:
    """Return how many diagnostics the database at url holds."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(Diagnostic)) or 0)
    finally:
        engine.dispose()


def _fill(url: str, count: int) -> None:
    """Migrate the database at url and insert count demonstration diagnostics."""
    app = create_app(TestConfig, DATABASE_URL=url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["demo-data", "--count", str(count), "--seed", "3"]).exit_code == 0
    with app.app_context():
        dispose_engines()


def _backup(url: str, folder: Path) -> Path:
    """Run deploy/aict-backup on the database at url; return the file it wrote."""
    env = {**os.environ, "DATABASE_URL": url, "AICT_BACKUP_DIR": str(folder)}
    env["AICT_PYTHON"] = sys.executable
    done = subprocess.run(
        [str(DEPLOY / "aict-backup")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (written,) = folder.iterdir()
    assert done.stdout.strip() == f"aict-backup: {written}"
    assert written.stat().st_mode & 0o077 == 0  # readable by its owner only
    return written


def test_sqlite_backup_restores(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    _fill(url, 4)
    copy = _backup(url, tmp_path / "backups")
    assert _count_diagnostics(f"sqlite:///{copy}") == 4


@pytest.mark.postgres
def test_postgres_backup_of_a_remote_style_url_restores(pg_url: str, tmp_path: Path) -> None:
    """The script reads host, port, user and password from DATABASE_URL, as for a remote
    server, and its dump restores with pg_restore into an empty database."""
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.fail("pg_dump / pg_restore not installed (apt-get install postgresql-client)")
    _fill(pg_url, 5)
    dump = _backup(pg_url, tmp_path / "backups")
    with pg.temporary_database(pg.pg_server_url()) as restored:
        target = make_url(restored)
        env = {**os.environ, "PGPASSWORD": target.password or ""}
        done = subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                f"--host={target.host}",
                f"--port={target.port or 5432}",
                f"--username={target.username}",
                f"--dbname={target.database}",
                str(dump),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert _count_diagnostics(restored) == 5
