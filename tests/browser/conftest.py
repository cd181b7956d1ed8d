"""Real-browser fixtures: Debian's Chromium driven by Playwright against a live server.

Without Chromium the browser tests are skipped with a plain message; with REQUIRE_BROWSER=1
(set by .ci/run) a missing browser is a failure instead.

Every browser test also fails on a console error, a failed request or an HTTP error status seen by
its page (``page_problems``), unless the test declares that status expected.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import ConsoleMessage, Locator, Page, Request, Response, expect
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app, services
from app.db import Base, get_engine, get_session
from config import TestConfig
from tests.factories import EXAMPLE_A, completed_diagnostic

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of this folder as a browser test; skip them all without Chromium."""
    available = Path(CHROMIUM).exists() or shutil.which("chromium") is not None
    for item in items:
        if "tests/browser" not in str(item.fspath):
            continue
        item.add_marker(pytest.mark.browser)
        if not available and os.environ.get("REQUIRE_BROWSER") != "1":
            item.add_marker(
                pytest.mark.skip(reason=f"browser tests skipped: Chromium not found at {CHROMIUM}")
            )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium rather than a downloaded browser."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"REQUIRE_BROWSER=1 but Chromium is missing at {CHROMIUM}")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


ADMIN_EMAIL = "admin@arricod.example"
ADMIN_PASSWORD = "Un mot de passe de test assez long 2026"
# Enough shared diagnostics (half of them on each questionnaire version) for version 1's
# per-question summaries to be precise enough to draw (about 1,800 at ε = 2).
DEMO_DIAGNOSTICS = 5000
# Serious enough to fail a test: axe's "serious" and "critical" impacts.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """Return an application on a throw-away SQLite file, shared by the browser tests.

    It holds an administrator (ADMIN_EMAIL, ADMIN_PASSWORD) and DEMO_DIAGNOSTICS synthetic
    shared diagnostics, both made with the command line as ARRICOD would.
    """
    db_file = tmp_path_factory.mktemp("browser") / "browser.sqlite3"
    # Every admin test logs in: keep the login throttle out of their way.
    app = create_app(
        TestConfig, DATABASE_URL=f"sqlite:///{db_file}", LOGIN_RATE_LIMIT="1000 per minute"
    )
    with app.app_context():
        Base.metadata.create_all(get_engine())
    runner = app.test_cli_runner()
    created = runner.invoke(
        args=["admin", "create", ADMIN_EMAIL], env={"ADMIN_PASSWORD": ADMIN_PASSWORD}
    )
    assert created.exit_code == 0, created.output
    demo = runner.invoke(args=["demo-data", "--count", str(DEMO_DIAGNOSTICS), "--seed", "7"])
    assert demo.exit_code == 0, demo.output
    return app


class QuietRequestHandler(WSGIRequestHandler):
    """A request handler that logs no request line (they would bury a failure's report)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing: the tests watch the responses themselves (``page_problems``)."""


def serve_in_thread(app: Flask) -> Iterator[str]:
    """Serve app on a free local port in a daemon thread; yield its base URL, then stop."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """Serve the application on a free local port in a daemon thread; yield its base URL."""
    yield from serve_in_thread(live_app)


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """Make the live server the base of relative URLs (``page.goto("/")``, ``page.request``)."""
    return live_server


@pytest.fixture(scope="session")
def questionnaire(live_app: Flask) -> dict[str, Any]:
    """Return the current questionnaire in French, as the JSON API describes it."""
    response = live_app.test_client().get("/api/v1/questionnaire?lang=fr")
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


@pytest.fixture
def started_token(live_app: Flask) -> str:
    """Return the private token of a new, empty diagnostic."""
    with live_app.app_context():
        _diagnostic, token = services.start(get_session(), "fr")
    return token


@pytest.fixture
def completed_token(live_app: Flask) -> str:
    """Return the private token of a diagnostic completed with EXAMPLE_A (not shared)."""
    with live_app.app_context():
        _diagnostic, token = completed_diagnostic(get_session(), EXAMPLE_A, share=False)
    return token


@dataclass
class PageProblems:
    """What went wrong in a page: console errors, failed requests, HTTP error statuses."""

    problems: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)
    # Main-frame navigations started so far, and the count at which each request started: a
    # load the browser cancels because the page was left (net::ERR_ABORTED) is no fault.
    navigations: int = 0
    started: dict[Request, int] = field(default_factory=dict)
    # Cancelled loads, judged at the end: the browser may report the cancellation before the
    # navigation that caused it.
    aborted: list[Request] = field(default_factory=list)

    def allow(self, url_pattern: str) -> None:
        """Declare errors of URLs matching url_pattern (a regex) expected, e.g. a 404 page."""
        self.allowed.append(re.compile(url_pattern))

    def _is_allowed(self, url: str) -> bool:
        return any(pattern.search(url) for pattern in self.allowed)

    def on_console(self, message: ConsoleMessage) -> None:
        """Record a console error (a resource answered with an allowed error is expected)."""
        if message.type != "error":
            return
        url = message.location.get("url", "")
        if "Failed to load resource" in message.text and self._is_allowed(url):
            return
        self.problems.append(f"console error: {message.text} ({url})")

    def on_request(self, request: Request) -> None:
        """Note when a request started: before or after the page was left."""
        if request.is_navigation_request() and request.frame.parent_frame is None:
            self.navigations += 1
        self.started[request] = self.navigations

    def on_request_failed(self, request: Request) -> None:
        """Record a request that got no response; keep a cancelled one for judge()."""
        if request.failure == "net::ERR_ABORTED":
            self.aborted.append(request)
        elif not self._is_allowed(request.url):
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def judge(self) -> list[str]:
        """Return the problems seen, with every cancelled load the page did not leave after."""
        unexplained = [
            f"request failed: {request.url} ({request.failure})"
            for request in self.aborted
            if self.started.get(request, self.navigations) >= self.navigations
            and not self._is_allowed(request.url)
        ]
        return self.problems + unexplained

    def on_response(self, response: Response) -> None:
        """Record a response with an error status."""
        if response.status >= 400 and not self._is_allowed(response.url):
            self.problems.append(
                f"HTTP {response.status}: {response.request.method} {response.url}"
            )

    def on_page_error(self, error: Exception) -> None:
        """Record an uncaught JavaScript exception."""
        self.problems.append(f"uncaught exception: {error}")


@pytest.fixture(autouse=True)
def page_problems(page: Page) -> Iterator[PageProblems]:
    """Watch the test's page; fail the test if it logged an error or a request failed."""
    watcher = PageProblems()
    page.on("console", watcher.on_console)
    page.on("request", watcher.on_request)
    page.on("requestfailed", watcher.on_request_failed)
    page.on("response", watcher.on_response)
    page.on("pageerror", watcher.on_page_error)
    yield watcher
    # Let late scripts (charts drawn after load) report before judging.
    if not page.is_closed():
        page.wait_for_load_state("load")
    problems = watcher.judge()
    if problems:
        pytest.fail("problems seen by the page:\n" + "\n".join(problems), pytrace=False)


def format_violations(violations: list[dict[str, Any]]) -> str:
    """Return axe violations as readable text: rule, impact, help, and each failing node."""
    lines = []
    for violation in violations:
        impact, rule = violation["impact"], violation["id"]
        lines.append(f"[{impact}] {rule}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(
                f"    {node['target']}: {node.get('failureSummary', '')}".replace("\n", " ")
            )
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe() -> Axe:
    """Return the axe-core runner (its JavaScript is bundled: no network needed)."""
    return Axe()


@pytest.fixture
def assert_accessible(axe: Axe) -> Callable[[Page], None]:
    """Return a check that axe finds no serious or critical violation in the page as it is."""

    def check(page: Page) -> None:
        results = axe.run(page)
        violations = results.response["violations"]
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        if blocking:
            pytest.fail(f"axe on {page.url}:\n{format_violations(blocking)}", pytrace=False)

    return check


# --- Charts -----------------------------------------------------------------------------------

# The layer in which Plotly draws each trace type. A partial bundle draws an unregistered type
# as a plain scatter without any error, so a chart is only right if its own layer has the trace.
TRACE_LAYERS = {
    "scatterpolar": ".polarlayer .trace",
    "bar": ".barlayer .trace",
    "box": ".boxlayer .trace",
    "pie": ".pielayer .trace",
    "scatter": ".cartesianlayer .scatterlayer .trace",
}
CHART_TIMEOUT_MS = 15_000


def figure_of(chart: Locator) -> dict[str, Any]:
    """Return the Plotly figure a chart element is drawn from (its JSON script)."""
    source = chart.get_attribute("data-figure") or f"{chart.get_attribute('id')}-data"
    figure: dict[str, Any] = json.loads(chart.page.locator(f"#{source}").text_content() or "")
    return figure


def assert_charts_drawn(page: Page, minimum: int = 1) -> None:
    """Wait for every chart to be drawn; check each trace is in its own type's layer."""
    charts = page.locator(".chart")
    assert charts.count() >= minimum
    for chart in charts.all():
        expect(chart).to_have_attribute("data-drawn", "true", timeout=CHART_TIMEOUT_MS)
        traces = figure_of(chart)["data"]
        assert traces, f"chart {chart.get_attribute('id')} has no trace"
        for trace_type in {t.get("type", "scatter") for t in traces}:
            expected = sum(1 for t in traces if t.get("type", "scatter") == trace_type)
            layer = TRACE_LAYERS[trace_type]
            drawn = chart.locator(layer).count()
            assert drawn >= expected, (
                f"{chart.get_attribute('id')}: {expected} {trace_type} trace(s) expected in "
                f"'{layer}', {drawn} drawn"
            )


def trace_values(trace: dict[str, Any]) -> list[float]:
    """Return the values a trace plots (a radar's closing point left out)."""
    if trace["type"] == "scatterpolar":
        values = list(trace["r"])
        closed = len(values) > 1 and trace["theta"][0] == trace["theta"][-1]
        return values[:-1] if closed else values
    axis = "x" if trace.get("orientation") == "h" else "y"
    return list(trace[axis])


def as_number(cell: str) -> float:
    """Return a number written in French or English (« 48,4 », "48.4")."""
    return float(cell.replace("\u202f", "").replace("\xa0", "").replace(",", ".").strip())


def chart_table(chart: Locator) -> Locator:
    """Return the data table next to a chart (in the same figure), checked to exist once."""
    table = chart.locator("xpath=ancestor::figure[1]").locator("table")
    expect(table).to_have_count(1)
    expect(table.locator("caption")).not_to_be_empty()
    assert table.locator("tbody tr").count() > 0, f"{chart.get_attribute('id')}: empty table"
    return table


def assert_charts_have_tables(page: Page) -> None:
    """Check that every chart has, next to it, a data table with a caption and rows."""
    for chart in page.locator(".chart").all():
        chart_table(chart)


def assert_charts_have_data_tables(page: Page, selector: str = ".chart") -> None:
    """Check that every chart's table holds exactly the scores the chart draws (in its last
    column)."""
    for chart in page.locator(selector).all():
        cells = (
            chart_table(chart)
            .locator("tbody tr")
            .evaluate_all("rows => rows.map(r => r.cells[r.cells.length - 1].textContent)")
        )
        shown = sorted(round(as_number(c), 1) for c in cells)
        plotted = sorted(
            round(float(v), 1) for trace in figure_of(chart)["data"] for v in trace_values(trace)
        )
        assert shown == plotted, f"{chart.get_attribute('id')}: table {shown} ≠ chart {plotted}"


# --- Administration ---------------------------------------------------------------------------


def log_in_as_admin(page: Page, password: str = ADMIN_PASSWORD) -> None:
    """Fill and send the admin login form (e-mail, password) as the test administrator."""
    page.goto("/admin/login")
    page.locator("input[name='email']").fill(ADMIN_EMAIL)
    page.locator("input[name='password']").fill(password)
    page.locator("input[name='password']").press("Enter")
