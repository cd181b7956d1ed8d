"""Respondents' journeys under load, each target judged in the run, with the machine's load.

Run with ``python -m bench journey`` (or ``python -m bench.bench_journey``) from the checkout.

1. SQLite: gunicorn (``-w 2`` sync workers, the production settings of gunicorn.conf.py) on a
   fresh, migrated SQLite file. 40 simulated respondents at once, each over HTTP: the landing
   page, start, every step (GET, then POST with the page's CSRF token and random valid answers),
   finish, the result page. No pause between requests: each respondent is a busy browser.
2. PostgreSQL (a throw-away database on the server of ``BENCH_POSTGRES_URL``, else
   ``TEST_POSTGRES_URL``, else the local one): the same with 200 respondents, 40 at a time.
3. Two instances (``-w 1`` each, so two workers in all, as in case 2) on one PostgreSQL database,
   each respondent's requests alternating between them, rate limits in Redis when it answers
   (``BENCH_REDIS_URL``, else db 15 of the local server).

After each run the database is read back: every answer a step acknowledged (a 302) must be
stored, and every completed diagnostic must hold all its answers and exactly one current result.

Targets, each printed as a PASS or FAIL line: on SQLite with 40 respondents at once, the p95 of
the request latencies under 300 ms; in every case, every journey completed and nothing lost.
Latencies depend on what else the machine runs: its load average (``os.getloadavg()``) and its
number of cores are printed before and after every case, beside the figures, with the servers'
CPU time per request, which depends much less on it. Traffic goes only
to 127.0.0.1; the whole benchmark takes about two minutes.
"""

from __future__ import annotations

import gzip
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import unescape
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy import create_engine, make_url, select, text

from bench import ROOT, cores, describe_load, machine_load, recorded, verdict

GUNICORN = Path(sys.executable).parent / "gunicorn"
SECRET_KEY = "b3nch" * 12 + "beef"  # 64 characters, shared by the instances of a run
HTTP_TIMEOUT = 60
START_TIMEOUT = 30.0
CONCURRENCY = 40
WARM_UP = 4  # journeys run before each measured load, not counted
SQLITE_RESPONDENTS = 40
PG_RESPONDENTS = 200
DEADLINE = 270.0  # seconds: respondents not started by then are not started
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
P95_TARGET_MS = 300.0  # SQLite, CONCURRENCY respondents at once
PARTNERS = ["DE", "MA", "US", "BF", "LB", "JP", "SN", "CA", "VN", "BR", "TN", "IT"]
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
TOKEN_RE = re.compile(r"/diagnostic/([^/]+)/etape/")

_started_at = time.monotonic()


# --- Servers ------------------------------------------------------------------------------------


def free_port() -> int:
    """Return a TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A gunicorn process group on 127.0.0.1."""

    app: str
    workers: int
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """Return ``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def launch(self) -> Server:
        """Start gunicorn (without waiting for it)."""
        command = [
            str(GUNICORN),
            "-w",
            str(self.workers),
            "-b",
            f"127.0.0.1:{self.port}",
            "--no-control-socket",
            self.app,
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def wait_ready(self) -> None:
        """Wait until the server answers on /; raise with its log if it does not."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                break
            connection = HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", "/")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.app} did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        """Stop the process group (TERM, then KILL)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        self.process = None


@contextmanager
def servers(*specs: Server) -> Iterator[list[Server]]:
    """Start the servers side by side, wait for all, stop all at the end."""
    started = [s.launch() for s in specs]
    try:
        for server in started:
            server.wait_ready()
        yield started
    finally:
        for server in started:
            server.stop()


def app_env(database_url: str, redis: bool = False) -> dict[str, str]:
    """Return the environment of an application instance."""
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "APP_ENV": "development",
        "PYTHONUNBUFFERED": "1",
        # As behind nginx in production: each respondent is its own client for the rate limits
        # (diagnostics started and finished per client), told apart by X-Forwarded-For.
        "PROXY_HOPS": "1",
    }
    if redis:
        env["RATELIMIT_STORAGE_URI"] = REDIS_URL
    return env


def migrate(database_url: str) -> None:
    """Create the schema of database_url with the Alembic migrations."""
    from app.cli import upgrade_database

    upgrade_database(database_url)


def redis_answers() -> bool:
    """Return whether a Redis server answers at REDIS_URL."""
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        client.close()
        return True
    except Exception:  # noqa: BLE001
        return False


def pg_server() -> tuple[str | None, str]:
    """Return the PostgreSQL server URL to use and, when it does not answer, why."""
    url = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or DEFAULT_PG
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return url, ""
    except Exception as exc:  # noqa: BLE001
        return None, f"PostgreSQL not reachable ({type(exc).__name__}); set BENCH_POSTGRES_URL"
    finally:
        engine.dispose()


@contextmanager
def pg_database(server_url: str) -> Iterator[str]:
    """Create a throw-away database on the server; yield its URL; drop it afterwards."""
    name = f"aict_bench_{uuid.uuid4().hex[:10]}"
    server = make_url(server_url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def cpu_seconds(servers: list[Server]) -> float:
    """Return the CPU time (user + system) the servers' processes have used so far, or NaN.

    Read from /proc for every process of their process groups (gunicorn's master and workers);
    unlike latencies, it hardly depends on what else the machine runs.
    """
    groups = {s.process.pid for s in servers if s.process is not None}
    ticks = 0
    try:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process has ended
            if int(fields[2]) in groups:  # pgrp; then utime and stime, in clock ticks
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):  # no /proc (not Linux)
        return float("nan")


# --- Respondents --------------------------------------------------------------------------------


class Failure(Exception):
    """An unexpected answer from the server."""


@dataclass
class Journey:
    """What one respondent did and saw."""

    token: str = ""
    completed: bool = False
    error: str = ""
    latencies: list[float] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # what each request was (see request_kind)
    acknowledged: dict[str, Any] = field(default_factory=dict)  # answers of the 302'd steps


KINDS = ("landing page", "start", "step page", "step saved", "finish", "result page")


def request_kind(method: str, path: str, data: list[tuple[str, str]] | None) -> str:
    """Return which of KINDS a request of the journey is."""
    if path.startswith("/resultat/"):
        return "result page"
    if path == "/diagnostic/commencer":
        return "start"
    if "/etape/" in path:
        if method == "GET":
            return "step page"
        return "finish" if ("nav", "finish") in (data or []) else "step saved"
    return "landing page"


class Respondent:
    """A browser-like client: a cookie jar, requests sent to the servers in turn, timed."""

    def __init__(self, bases: list[str], journey: Journey, address: str) -> None:
        self.bases = [urlsplit(b) for b in bases]
        self.address = address
        self.turn = 0
        self.cookies: dict[str, str] = {}
        self.journey = journey

    def send(
        self, method: str, path: str, data: list[tuple[str, str]] | None = None
    ) -> tuple[int, str, str]:
        """Send one request (redirects not followed); return status, Location and body."""
        base = self.bases[self.turn % len(self.bases)]
        self.turn += 1
        headers = {
            "Accept-Language": "fr",
            "Accept-Encoding": "gzip",
            "X-Forwarded-For": self.address,
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = HTTPConnection(base.hostname or "127.0.0.1", base.port, timeout=HTTP_TIMEOUT)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            self.journey.latencies.append(time.perf_counter() - started)
            self.journey.kinds.append(request_kind(method, path, data))
            for value in response.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(value)
                self.cookies.update({name: m.value for name, m in jar.items()})
            if response.headers.get("Content-Encoding") == "gzip":
                raw = gzip.decompress(raw)
            location = urlsplit(response.headers.get("Location", "")).path
            return response.status, location, raw.decode("utf-8", errors="replace")
        finally:
            connection.close()

    def expect(
        self, status: int, method: str, path: str, data: list[tuple[str, str]] | None = None
    ) -> tuple[str, str]:
        """Send a request and raise Failure unless it answers status; return Location, body."""
        got, location, body = self.send(method, path, data)
        if got != status:
            raise Failure(f"{method} {path.split('/')[-1] or '/'}: {got} (expected {status})")
        return location, body


def csrf(body: str) -> str:
    """Return the CSRF token of a page's form."""
    match = CSRF_RE.search(body)
    if not match:
        raise Failure("no csrf_token in the page")
    return unescape(match.group(1) or match.group(2))


def random_answers(rng: random.Random) -> dict[str, Any]:
    """Return a random, valid answer to every question of the current questionnaire."""
    from app import questionnaire as qn
    from app.answers import AnswerErrors, validate

    questionnaire = qn.current()
    while True:
        answers: dict[str, Any] = {}
        for question in questionnaire.questions.values():
            if question.repeat is not None or question.derive is not None:
                continue  # blocks and what derives from them: the respondent has no partnership
            codes = list(question.codes)
            if question.type == "country_multi":
                answers[question.id] = rng.sample(PARTNERS, rng.randint(0, 3))
            elif question.type == "scale":
                answers[question.id] = int(rng.choice(codes))
            elif question.type == "multi":
                plain = [o.code for o in question.options if not o.exclusive]
                low = max(1, question.min_choices)
                high = min(question.max_choices or 3, len(plain), 3)
                answers[question.id] = rng.sample(plain, rng.randint(low, max(low, high)))
            else:
                answers[question.id] = rng.choice(codes)
        if "has_partnerships" in answers:
            answers["has_partnerships"] = "no"
        try:
            return validate(questionnaire, answers, "fr")
        except AnswerErrors:
            continue


def step_data(
    section_id: str, answers: dict[str, Any], token: str, nav: str
) -> list[tuple[str, str]]:
    """Return the fields a browser posts for one step."""
    from app import questionnaire as qn

    questionnaire = qn.current()
    section = questionnaire.section(section_id)
    assert section is not None
    data = [("csrf_token", token)]
    for question in section.questions:
        value = answers.get(question.id)
        if value is None or question.derive is not None:
            continue  # left out by skip logic, or derived (not on the page)
        for item in value if isinstance(value, list) else [value]:
            data.append((question.id, str(item)))
    if section_id == questionnaire.sections[-1].id:
        data.append(("share_anonymised", "y"))
    data.append(("nav", nav))
    return data


def run_journey(bases: list[str], seed: int) -> Journey:
    """Walk one respondent through the whole diagnostic; never raises."""
    from app import questionnaire as qn

    journey = Journey()
    # One client address per respondent (a header only, in the benchmarking range 198.18.0.0/15).
    respondent = Respondent(bases, journey, f"198.18.{seed // 250 % 250}.{seed % 250 + 1}")
    from app.core.relevance import section_applies

    answers = random_answers(random.Random(seed))
    questionnaire = qn.current()
    # The steps this respondent goes through (skip logic leaves the partnership blocks out).
    sections = [s for s in questionnaire.sections if section_applies(questionnaire, s, answers)]
    try:
        _, landing = respondent.expect(200, "GET", "/")
        location, _ = respondent.expect(
            302, "POST", "/diagnostic/commencer", [("csrf_token", csrf(landing))]
        )
        match = TOKEN_RE.search(location)
        if not match:
            raise Failure(f"start redirected to {location}")
        journey.token = token = match.group(1)
        for index, section in enumerate(sections):
            path = f"/diagnostic/{token}/etape/{section.id}"
            _, page = respondent.expect(200, "GET", path)
            last = index == len(sections) - 1
            data = step_data(section.id, answers, csrf(page), "finish" if last else "next")
            location, _ = respondent.expect(302, "POST", path, data)
            journey.acknowledged.update(
                {q.id: answers[q.id] for q in section.questions if q.id in answers}
            )
            expected = (
                f"/resultat/{token}"
                if last
                else f"/diagnostic/{token}/etape/{sections[index + 1].id}"
            )
            if location != expected:
                raise Failure(f"step {section.id} redirected to {location}")
        _, result = respondent.expect(200, "GET", f"/resultat/{token}")
        # Answers may call for no recommendation (the section then says so): the section is what
        # a complete page always holds.
        if 'id="recommandations"' not in result:
            raise Failure("result page without its recommendations section")
        journey.completed = True
    except Failure as exc:
        journey.error = str(exc)
    except OSError as exc:
        journey.error = f"{type(exc).__name__}: {exc}"
    return journey


@dataclass
class Load:
    """The outcome of a load of respondents."""

    label: str
    respondents: int
    concurrency: int
    journeys: list[Journey]
    seconds: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    server_cpu_seconds: float = float("nan")
    p95_target_ms: float | None = None
    lost: int = 0
    lost_detail: list[str] = field(default_factory=list)

    @property
    def completed(self) -> int:
        return sum(j.completed for j in self.journeys)

    @property
    def errors(self) -> int:
        return sum(bool(j.error) for j in self.journeys) + (self.respondents - len(self.journeys))

    @property
    def latencies(self) -> list[float]:
        return [t for j in self.journeys for t in j.latencies]

    def percentile(self, q: float, kind: str | None = None) -> float:
        """Return the q-quantile of the request latencies (of one kind), in milliseconds."""
        values = sorted(
            t
            for j in self.journeys
            for t, k in zip(j.latencies, j.kinds, strict=True)
            if kind is None or k == kind
        )
        if not values:
            return float("nan")
        return 1000 * values[min(len(values) - 1, int(q * len(values)))]

    @property
    def cpu_ms_per_request(self) -> float:
        """Return the servers' CPU time per request of the measured journeys, in milliseconds."""
        n = len(self.latencies)
        return 1000 * self.server_cpu_seconds / n if n else float("nan")

    def verdicts(self) -> list[tuple[bool, str]]:
        """Return each target of the case: whether it holds, and what it says, with the figure."""
        verdicts = [
            (
                self.errors == 0 and self.completed == self.respondents,
                f"every journey completed ({self.completed} of {self.respondents}, "
                f"{self.errors} errors)",
            ),
            (self.lost == 0, f"nothing lost ({self.lost} acknowledged answers missing)"),
        ]
        if self.p95_target_ms is not None:
            p95 = self.percentile(0.95)
            verdicts.append(
                (
                    p95 < self.p95_target_ms,
                    f"p95 under {self.p95_target_ms:.0f} ms at {self.concurrency} at once "
                    f"({p95:.0f} ms)",
                )
            )
        return verdicts


def load(
    label: str,
    on: list[Server],
    respondents: int,
    concurrency: int,
    p95_target_ms: float | None = None,
) -> Load:
    """Run respondents' journeys on the servers, concurrency at a time; return what happened."""
    bases = [server.base_url for server in on]
    deadline = _started_at + DEADLINE
    journeys: list[Journey] = []
    lock = threading.Lock()

    def one(seed: int) -> None:
        if time.monotonic() > deadline:
            return
        # Alternate which instance each respondent starts on.
        order = bases[seed % len(bases) :] + bases[: seed % len(bases)]
        journey = run_journey(order, seed)
        with lock:
            journeys.append(journey)

    # Warm-up, not counted: every worker loads its templates, catalogues and forms once.
    with ThreadPoolExecutor(max_workers=WARM_UP) as pool:
        list(pool.map(lambda seed: run_journey(bases, seed), range(-WARM_UP, 0)))
    before, cpu_before = machine_load(), cpu_seconds(on)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(respondents)))
    seconds = time.monotonic() - started
    cpu = cpu_seconds(on) - cpu_before
    return Load(
        label,
        respondents,
        concurrency,
        journeys,
        seconds,
        load_before=before,
        load_after=machine_load(),
        server_cpu_seconds=cpu,
        p95_target_ms=p95_target_ms,
    )


def check_stored(result: Load, database_url: str) -> None:
    """Read the database back: count the acknowledged answers that are missing or different."""
    from app.models import Diagnostic, Result
    from app.services import hash_token

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            for journey in result.journeys:
                if not journey.token:
                    continue
                row = connection.execute(
                    select(Diagnostic.id, Diagnostic.answers, Diagnostic.status).where(
                        Diagnostic.token_hash == hash_token(journey.token)
                    )
                ).first()
                if row is None:
                    result.lost += len(journey.acknowledged) or 1
                    result.lost_detail.append(f"{journey.token[:8]}…: diagnostic missing")
                    continue
                missing = [
                    qid
                    for qid, value in journey.acknowledged.items()
                    if row.answers.get(qid) != value
                ]
                result.lost += len(missing)
                if missing:
                    result.lost_detail.append(f"{journey.token[:8]}…: {', '.join(missing)}")
                if journey.completed:
                    current = connection.execute(
                        select(Result.id).where(Result.diagnostic_id == row.id, Result.is_current)
                    ).all()
                    if row.status != "completed" or len(current) != 1:
                        result.lost += 1
                        result.lost_detail.append(
                            f"{journey.token[:8]}…: {row.status}, {len(current)} current result(s)"
                        )
    finally:
        engine.dispose()


# --- The runs -----------------------------------------------------------------------------------


@dataclass
class Report:
    """Everything measured, for the tables and the verdicts."""

    loads: list[Load] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def run_sqlite(workdir: Path, report: Report) -> None:
    """Case 1: SQLite, 40 respondents at once."""
    database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    migrate(database_url)
    app = Server("wsgi:app", 2, app_env(database_url), workdir / "sqlite.log")
    with servers(app):
        label = "SQLite, 1 instance (-w 2)"
        result = load(label, [app], SQLITE_RESPONDENTS, CONCURRENCY, P95_TARGET_MS)
        check_stored(result, database_url)
        report.loads.append(result)


def run_postgres(workdir: Path, report: Report) -> None:
    """Cases 2 and 3: one instance, then two instances, on PostgreSQL, 200 respondents each."""
    server_url, why = pg_server()
    if server_url is None:
        report.skipped.append(why)
        return
    redis = redis_answers()
    if not redis:
        report.skipped.append(f"Redis not reachable at {REDIS_URL}: rate limits kept in memory")
    with pg_database(server_url) as database_url:
        migrate(database_url)
        app = Server("wsgi:app", 2, app_env(database_url, redis), workdir / "pg.log")
        with servers(app):
            label = "PostgreSQL, 1 instance (-w 2)"
            result = load(label, [app], PG_RESPONDENTS, CONCURRENCY)
            check_stored(result, database_url)
            report.loads.append(result)
    with pg_database(server_url) as database_url:
        migrate(database_url)
        first = Server("wsgi:app", 1, app_env(database_url, redis), workdir / "pg-a.log")
        second = Server("wsgi:app", 1, app_env(database_url, redis), workdir / "pg-b.log")
        with servers(first, second):
            label = "PostgreSQL, 2 instances (-w 1 each), alternating"
            result = load(label, [first, second], PG_RESPONDENTS, CONCURRENCY)
            check_stored(result, database_url)
            report.loads.append(result)


def print_report(report: Report) -> bool:
    """Print the table and a PASS or FAIL line per target; return whether every target holds."""
    print("Respondents' journeys: landing, start, every step (GET + POST), finish, result page.")
    print("Latencies are per request, as the client saw them. Load: the machine's 1-minute load")
    print(f"average just before and just after the measured journeys, on {cores()} cores. Server")
    print("CPU: the gunicorn processes' CPU time per request (user + system, from /proc).\n")
    print(
        "| case | respondents (at once) | completed | errors | requests/s | p50 ms | p95 ms "
        "| lost answers | server CPU ms/request | load before | load after |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in report.loads:
        rate = len(r.latencies) / r.seconds if r.seconds else 0.0
        print(
            f"| {r.label} | {r.respondents} ({r.concurrency}) | {r.completed} | {r.errors} | "
            f"{rate:.0f} | {r.percentile(0.5):.0f} | {r.percentile(0.95):.0f} | {r.lost} | "
            f"{r.cpu_ms_per_request:.1f} | {r.load_before[0]:.2f} | {r.load_after[0]:.2f} |"
        )
    print("\np95 ms by request (the p50 in brackets):\n")
    print(f"| case | {' | '.join(KINDS)} |")
    print(f"|---|{'---:|' * len(KINDS)}")
    for r in report.loads:
        cells = [f"{r.percentile(0.95, k):.0f} ({r.percentile(0.5, k):.0f})" for k in KINDS]
        print(f"| {r.label} | {' | '.join(cells)} |")
    for r in report.loads:
        errors = sorted({j.error for j in r.journeys if j.error})
        for line in errors[:5] + r.lost_detail[:5]:
            print(f"\n- {r.label}: {line}")
    for reason in report.skipped:
        print(f"\n_Skipped or degraded: {reason}_")
    print()
    ok = bool(report.loads)
    for r in report.loads:
        for holds, what in r.verdicts():
            ok = verdict(holds, f"{r.label}: {what}") and ok
    if not report.loads:
        verdict(False, "no case ran")
    return ok


def main() -> None:
    """Run the three cases and print the report (exit status 1 if a target is missed)."""
    global _started_at
    _started_at = time.monotonic()
    if not GUNICORN.exists():
        print(f"_gunicorn not found at {GUNICORN}: benchmark skipped_")
        return
    print(f"Machine load before: {describe_load()}\n")
    report = Report()
    with tempfile.TemporaryDirectory(prefix="bench-journey-") as tmp:
        workdir = Path(tmp)
        try:
            run_sqlite(workdir, report)
            run_postgres(workdir, report)
        finally:
            ok = print_report(report)
            logs = _server_errors(workdir)
    if logs:
        print("\nServer log lines with errors:\n")
        for line in logs[:10]:
            print(f"    {line}")
    print(f"\nMachine load after: {describe_load()}")
    print(f"\n_{time.monotonic() - _started_at:.0f} s in all_")
    if not ok:
        sys.exit(1)


def _server_errors(workdir: Path) -> list[str]:
    """Return the error lines of the servers' logs."""
    lines = []
    for log in sorted(workdir.glob("*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if "[ERROR]" in line or "Traceback" in line or "CRITICAL" in line:
                lines.append(f"{log.stem}: {line.strip()[:200]}")
    return lines


if __name__ == "__main__":
    with recorded():
        main()
