"""Time to the first drawn chart: our result page against a page using the stock Plotly bundle.

Run with ``python -m bench.bench_charts`` (or ``python bench/bench_charts.py``) from the checkout.

In headless Chromium (Debian's, at CHROMIUM_PATH), with a new browser context for every run (so
an empty HTTP cache and no V8 code cache), it measures the time from navigation start to the
first chart drawn:

- on a real result page of the application (served by Werkzeug in a thread, one completed
  diagnostic in a throw-away SQLite database), loading the custom Plotly bundle;
- on a minimal page drawing the same radar figure with the stock ``plotly.min.js`` shipped inside
  the Python ``plotly`` package (served from a temporary folder by ``http.server``).

A chart counts as drawn when its ``.chart`` element gets ``data-drawn="true"`` (both pages set it
when ``Plotly.newPlot`` resolves); the first ``.main-svg`` is reported too. Runs alternate
between the two pages and the median of each is kept. It also sums the JavaScript the result page
downloads (decoded and transferred, i.e. gzipped, bytes, from the Resource Timing API).

Prints a Markdown table; exits with status 1 when a target is missed (ratio below 0.5, result
page JavaScript under 1.3 MB).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import describe_load, verdict  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RUNS = 5
TIMEOUT_MS = 30_000
RATIO_TARGET = 0.5
JS_BUDGET = 1_300_000  # bytes of JavaScript (decoded) on the result page

# Installed before any page script: records, relative to navigation start (performance.now()),
# when the first chart gets data-drawn="true" and when the first .main-svg appears.
OBSERVER_SCRIPT = """
(() => {
  const marks = (window.__benchMarks = {});
  const check = () => {
    if (marks.drawn === undefined && document.querySelector('.chart[data-drawn="true"]')) {
      marks.drawn = performance.now();
    }
    if (marks.svg === undefined && document.querySelector('.main-svg')) {
      marks.svg = performance.now();
    }
    if (marks.drawn !== undefined && marks.svg !== undefined) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, {subtree: true, childList: true, attributes: true,
                              attributeFilter: ['data-drawn']});
})();
"""
SCRIPT_BYTES = """
() => performance.getEntriesByType('resource')
  .filter((e) => e.initiatorType === 'script')
  .map((e) => ({name: e.name, decoded: e.decodedBodySize, encoded: e.encodedBodySize}))
"""
STOCK_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Plotly stock bundle</title>
<link rel="icon" href="data:,">
<script src="plotly.min.js"></script></head>
<body>
<div class="chart" id="chart" style="width: 720px"></div>
<script type="application/json" id="chart-data">__FIGURE__</script>
<script>
  var el = document.getElementById('chart');
  var figure = JSON.parse(document.getElementById('chart-data').textContent);
  Plotly.newPlot(el, figure.data, figure.layout, {responsive: true, displaylogo: false})
    .then(function () { el.setAttribute('data-drawn', 'true'); });
</script>
</body></html>
"""


@dataclass(frozen=True)
class Timing:
    """One page load: milliseconds from navigation start to the first drawn chart and SVG."""

    drawn_ms: float
    svg_ms: float


@dataclass(frozen=True)
class ScriptBytes:
    """The JavaScript a page downloaded: decoded and transferred (encoded) bytes, per file."""

    files: list[dict[str, Any]]

    @property
    def decoded(self) -> int:
        """Return the total decoded size of the scripts."""
        return sum(int(f["decoded"]) for f in self.files)

    @property
    def encoded(self) -> int:
        """Return the total transferred body size of the scripts (gzipped when served so)."""
        return sum(int(f["encoded"]) for f in self.files)


def _stock_bundle() -> Path:
    """Return the path of the ``plotly.min.js`` shipped with the Python plotly package."""
    import plotly

    path = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        sys.exit(f"stock Plotly bundle not found at {path}")
    return path


@contextmanager
def _serve_thread(server: Any) -> Iterator[None]:
    """Run a server's serve_forever in a daemon thread for the duration of the block."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve_result_page(workdir: Path) -> Iterator[str]:
    """Serve the application with one completed diagnostic; yield its result page's URL."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from werkzeug.serving import WSGIRequestHandler, make_server

    from app import create_app
    from app.db import Base, get_engine, get_session
    from config import Config
    from tests.factories import EXAMPLE_A, completed_diagnostic

    app = create_app(Config, DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}")
    with app.app_context():
        Base.metadata.create_all(get_engine())
        _diagnostic, token = completed_diagnostic(get_session(), EXAMPLE_A)

    class QuietRequestHandler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """Keep the benchmark's output to its table."""

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    with _serve_thread(server):
        yield f"http://127.0.0.1:{server.server_port}/resultat/{token}"


def first_figure(result_url: str) -> str:
    """Return the JSON of the first chart embedded in the result page."""
    with urllib.request.urlopen(result_url, timeout=30) as response:
        html = response.read().decode("utf-8")
    chart = re.search(r'class="chart"[^>]*data-figure="([^"]+)"', html)
    if chart is None:
        sys.exit(f"no chart on {result_url}")
    data = re.search(
        r'<script type="application/json" id="' + re.escape(chart.group(1)) + r'">(.*?)</script>',
        html,
        re.DOTALL,
    )
    if data is None:
        sys.exit(f"no figure data for {chart.group(1)} on {result_url}")
    json.loads(data.group(1))  # fail here, not in the browser, if it is not JSON
    return data.group(1)


@contextmanager
def serve_stock_page(workdir: Path, figure_json: str) -> Iterator[str]:
    """Serve a minimal page drawing figure_json with the stock Plotly bundle; yield its URL."""
    folder = workdir / "stock"
    folder.mkdir()
    shutil.copyfile(_stock_bundle(), folder / "plotly.min.js")
    (folder / "index.html").write_text(STOCK_PAGE.replace("__FIGURE__", figure_json), "utf-8")

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Keep the benchmark's output to its table."""

    handler = functools.partial(QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    with _serve_thread(server):
        yield f"http://127.0.0.1:{server.server_port}/index.html"


def measure(browser: Any, url: str) -> tuple[Timing, ScriptBytes]:
    """Load url in a fresh context (cold cache); return its chart timing and script bytes."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.add_init_script(OBSERVER_SCRIPT)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url, wait_until="commit")
        page.wait_for_function(
            "() => window.__benchMarks && window.__benchMarks.drawn !== undefined",
            timeout=TIMEOUT_MS,
        )
        marks = page.evaluate("() => window.__benchMarks")
        page.wait_for_load_state("load")
        scripts = ScriptBytes(page.evaluate(SCRIPT_BYTES))
        if errors:
            sys.exit(f"JavaScript error on {url}: {errors}")
        return Timing(float(marks["drawn"]), float(marks.get("svg", marks["drawn"]))), scripts
    finally:
        context.close()


def _median(timings: list[Timing], key: Callable[[Timing], float]) -> float:
    """Return the median of one measure over the runs."""
    return statistics.median(key(t) for t in timings)


def _kb(size: int) -> str:
    """Return a byte count in kB (10^3 bytes) with a thin separator."""
    return f"{size / 1000:,.0f} kB".replace(",", "\u202f")


def report(
    ours: list[Timing], stock: list[Timing], ours_js: ScriptBytes, stock_js: ScriptBytes
) -> bool:
    """Print the Markdown table; return whether every target is met."""
    ours_ms = _median(ours, lambda t: t.drawn_ms)
    stock_ms = _median(stock, lambda t: t.drawn_ms)
    ratio = ours_ms / stock_ms
    ratio_ok = ratio < RATIO_TARGET
    budget_ok = ours_js.decoded < JS_BUDGET
    runs = ", ".join(f"{t.drawn_ms:.0f}" for t in ours)
    stock_runs = ", ".join(f"{t.drawn_ms:.0f}" for t in stock)
    print(f"Time from navigation start to the first drawn chart, median of {RUNS} cold runs each")
    print("(headless Chromium, new context per run, served from 127.0.0.1).")
    print()
    print(
        "| page | first chart drawn (ms) | first `.main-svg` (ms) | runs (ms) "
        "| JS decoded | JS transferred |"
    )
    print("|---|---:|---:|---|---:|---:|")
    print(
        f"| result page, custom bundle | {ours_ms:.0f} | {_median(ours, lambda t: t.svg_ms):.0f} "
        f"| {runs} | {_kb(ours_js.decoded)} | {_kb(ours_js.encoded)} |"
    )
    print(
        f"| minimal page, stock `plotly.min.js` | {stock_ms:.0f} "
        f"| {_median(stock, lambda t: t.svg_ms):.0f} | {stock_runs} "
        f"| {_kb(stock_js.decoded)} | {_kb(stock_js.encoded)} |"
    )
    print()
    print("| check | value | target | met |")
    print("|---|---:|---:|---|")
    print(f"| ratio result page / stock page | {ratio:.2f} | < {RATIO_TARGET} | {_yes(ratio_ok)} |")
    print(
        f"| JavaScript on the result page (decoded) | {ours_js.decoded:,} B | "
        f"< {JS_BUDGET:,} B | {_yes(budget_ok)} |"
    )
    print(f"| JavaScript on the result page (gzip, transferred) | {ours_js.encoded:,} B | | |")
    print()
    print("Scripts of the result page:")
    for file in ours_js.files:
        name = file["name"].split("/static/", 1)[-1]
        decoded, encoded = int(file["decoded"]), int(file["encoded"])
        print(f"- `{name}`: {decoded:,} B decoded, {encoded:,} B transferred")
    print()
    verdict(
        ratio_ok, f"first chart drawn: ratio to the stock page under {RATIO_TARGET} ({ratio:.2f})"
    )
    verdict(budget_ok, f"result page JavaScript under {JS_BUDGET:,} B ({ours_js.decoded:,} B)")
    print(f"\nMachine load: {describe_load()}")
    return ratio_ok and budget_ok


def _yes(met: bool) -> str:
    """Return a table cell for a met or missed target."""
    return "yes" if met else "**no**"


def main() -> None:
    """Run the benchmark and print its Markdown table (exit status 1 if a target is missed)."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-charts-") as tmp:
        workdir = Path(tmp)
        with serve_result_page(workdir) as result_url:
            figure = first_figure(result_url)
            with serve_stock_page(workdir, figure) as stock_url, sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    # One warm-up load of each page (not counted): starts Chromium's processes.
                    measure(browser, result_url)
                    measure(browser, stock_url)
                    ours: list[Timing] = []
                    stock: list[Timing] = []
                    for _ in range(RUNS):
                        timing, ours_js = measure(browser, result_url)
                        ours.append(timing)
                        timing, stock_js = measure(browser, stock_url)
                        stock.append(timing)
                finally:
                    browser.close()
    if not report(ours, stock, ours_js, stock_js):
        sys.exit(1)


if __name__ == "__main__":
    main()
