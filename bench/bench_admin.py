"""ARRICOD side at scale: demo data, dashboard and export over 100,000 shared diagnostics.

Run with ``python -m bench admin`` (or ``python -m bench.bench_admin``) from the checkout.

For SQLite (a temporary file) and PostgreSQL (``TEST_POSTGRES_URL``, else the local server, in a
schema of its own dropped afterwards), it measures:

- ``flask demo-data --count N`` (through the CLI runner);
- the dashboard, ``GET /admin/`` by a logged-in administrator through the test client, cold
  (no snapshot: the request publishes the day's statistics snapshot) and warm (read from the
  snapshot in force), median of several, against the bare SQL a snapshot is published from
  (``snapshot.summary_of`` and ``digest_of``), timed in the same run;
- the CSV export, ``GET /admin/export.csv``, against the bare SQL it rests on (the
  quasi-identifier histogram and the row SELECT, fetched).

Prints a Markdown table; exits with status 1 when a target is missed (demo data under 60 s on
SQLite, dashboard read from the snapshot under 500 ms, export under 5 s; the cold dashboard
publishes the day's snapshot, at most once a day, and has no target). ``BENCH_ADMIN_COUNT``
changes N.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, delete, make_url, text

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.admin import auth, queries  # noqa: E402
from app.admin import cli as admin_cli  # noqa: E402
from app.db import Base, dispose_engines, get_engine, get_session  # noqa: E402
from app.models import StatsSnapshot  # noqa: E402
from app.stats import snapshot  # noqa: E402
from bench import describe_load, verdict  # noqa: E402
from config import TestConfig  # noqa: E402

COUNT = int(os.environ.get("BENCH_ADMIN_COUNT", "100000"))
SEED = 1
DASHBOARD_RUNS = 5
EXPORT_RUNS = 3
DEMO_TARGET_S = 60.0
DASHBOARD_TARGET_MS = 500.0
EXPORT_TARGET_S = 5.0
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
EMAIL = "bench@arricod.example"
PASSWORD = "bench password, long enough"  # noqa: S105 - a throw-away database


@dataclass
class Row:
    """One line of the report."""

    backend: str
    what: str
    seconds: float
    bare: float | None = None
    target: float | None = None
    note: str = ""

    @property
    def missed(self) -> bool:
        """Return whether the measure misses its target."""
        return self.target is not None and self.seconds > self.target


@dataclass
class Report:
    """Every measure of the run."""

    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> None:
        """Record a measure and print it at once (long runs show progress)."""
        self.rows.append(row)
        print(f"<!-- {row.backend}: {row.what}: {row.seconds:.3f} s -->", flush=True)

    def markdown(self) -> str:
        """Return the report as a Markdown table."""
        lines = [
            "| backend | measure | time | bare SQL | ratio | target | |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in self.rows:
            bare = _fmt(r.bare) if r.bare is not None else "—"
            ratio = f"{r.seconds / r.bare:.2f}" if r.bare else "—"
            target = f"< {_fmt(r.target)}" if r.target is not None else "—"
            status = "**missed**" if r.missed else ("ok" if r.target is not None else "")
            note = f" {r.note}" if r.note else ""
            lines.append(
                f"| {r.backend} | {r.what}{note} | {_fmt(r.seconds)} | {bare} | {ratio} "
                f"| {target} | {status} |"
            )
        return "\n".join(lines)


def _fmt(seconds: float) -> str:
    """Return a duration in ms under 10 s, else in s."""
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _median(fn: Callable[[], object], runs: int, before: Callable[[], None] | None = None) -> float:
    """Return the median wall time of fn over runs (calling before() untimed first)."""
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _app(url: str) -> Flask:
    """Return the application on a database, with its schema and the admin side set up."""
    app = create_app(TestConfig, DATABASE_URL=url, LOGIN_RATE_LIMIT="1000 per minute")
    if app.extensions.get("limiter") is None or auth.limiter not in app.extensions["limiter"]:
        auth.init_app(app)
    if "demo-data" not in app.cli.commands:
        admin_cli.init_app(app)
    with app.app_context():
        Base.metadata.create_all(get_engine())
    return app


def _login(app: Flask) -> FlaskClient:
    """Return a client with an administrator's session."""
    with app.app_context():
        auth.create_admin(get_session(), EMAIL, PASSWORD)
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "no CSRF token on the login page"
    response = client.post(
        "/admin/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": match.group(1)}
    )
    assert response.status_code == 302, response.status_code
    return client


def _get(client: FlaskClient, path: str) -> None:
    """GET path and check it answers 200."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    response.get_data()


def _bare_dashboard(app: Flask) -> float:
    """Return the median time of the SQL a snapshot is published from (GROUP BYs, digest)."""

    def run() -> None:
        with app.app_context():
            session = get_session()
            snapshot.digest_of(session)
            summary = snapshot.summary_of(session)
            assert summary.size == COUNT, summary.size

    return _median(run, DASHBOARD_RUNS)


def _forget_snapshots(app: Flask) -> None:
    """Delete the published snapshots, so that the next dashboard request publishes one."""
    with app.app_context():
        session = get_session()
        session.execute(delete(StatsSnapshot))
        session.commit()


def _bare_export(app: Flask) -> float:
    """Return the median time of the export's SQL alone (histogram, rows fetched)."""

    def run() -> None:
        with app.app_context():
            session = get_session()
            queries.qi_histogram(session)
            n = sum(1 for _ in queries.export_rows(session))
            assert n == COUNT, n

    return _median(run, EXPORT_RUNS)


def measure(backend: str, url: str, report: Report) -> None:
    """Fill the database at url and time demo data, dashboard and export."""
    app = _app(url)
    try:
        started = time.perf_counter()
        result = app.test_cli_runner().invoke(
            args=["demo-data", "--count", str(COUNT), "--seed", str(SEED)]
        )
        demo_seconds = time.perf_counter() - started
        assert result.exit_code == 0, result.output
        target = DEMO_TARGET_S if backend == "SQLite" else None
        report.add(Row(backend, f"demo-data --count {COUNT}", demo_seconds, target=target))

        client = _login(app)
        _get(client, "/admin/")  # first request: templates compiled, pages cached by the OS
        bare = _bare_dashboard(app)
        forget = lambda: _forget_snapshots(app)  # noqa: E731
        cold = _median(lambda: _get(client, "/admin/"), DASHBOARD_RUNS, before=forget)
        # Once a day at most (or by ``flask stats publish``): no interactive target.
        report.add(Row(backend, "GET /admin/ (cold)", cold, bare, None, "publishes"))
        warm = _median(lambda: _get(client, "/admin/"), DASHBOARD_RUNS)
        report.add(
            Row(backend, "GET /admin/ (warm)", warm, bare, DASHBOARD_TARGET_MS / 1000, "snapshot")
        )
        filtered = "/admin/?selection=collectivity_type:commune"
        warm_filtered = _median(lambda: _get(client, filtered), DASHBOARD_RUNS)
        report.add(Row(backend, "GET /admin/?selection (warm)", warm_filtered, bare))

        bare_export = _bare_export(app)
        export = _median(lambda: _get(client, "/admin/export.csv"), EXPORT_RUNS)
        report.add(Row(backend, "GET /admin/export.csv", export, bare_export, EXPORT_TARGET_S))

    finally:
        with app.app_context():
            dispose_engines()


@contextmanager
def sqlite_url() -> Iterator[str]:
    """Yield the URL of a temporary SQLite file, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bench-admin-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"


@contextmanager
def postgres_url() -> Iterator[str | None]:
    """Yield a PostgreSQL URL bound to a fresh schema (dropped afterwards), or None."""
    raw = os.environ.get("TEST_POSTGRES_URL") or DEFAULT_PG
    schema = f"bench_admin_{uuid.uuid4().hex[:10]}"
    admin = create_engine(raw, connect_args={"connect_timeout": 3})
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        print(f"PostgreSQL not reachable ({type(exc).__name__}): skipped.\n")
        admin.dispose()
        yield None
        return
    url = make_url(raw).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    """Run the measures on SQLite and PostgreSQL and print the table."""
    print(f"Machine load: {describe_load()}\n")
    print(
        f"{COUNT:,} shared diagnostics; dashboard medians of {DASHBOARD_RUNS}, export medians "
        f"of {EXPORT_RUNS}; ratio = time / bare SQL of the same run.\n"
    )
    report = Report()
    with sqlite_url() as url:
        measure("SQLite", url, report)
    with postgres_url() as url:
        if url is not None:
            measure("PostgreSQL", url, report)
    print()
    print(report.markdown())
    print()
    ok = True
    for r in report.rows:
        if r.target is not None:
            what = f"{r.backend}: {r.what} under {_fmt(r.target)} ({_fmt(r.seconds)})"
            ok = verdict(not r.missed, what) and ok
    print(f"\nMachine load: {describe_load()}")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
