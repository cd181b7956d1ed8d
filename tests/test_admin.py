"""ARRICOD side through the test client: access control, login, throttling, the dashboard's
figures read from a release (post-processing of given cells), its page, the exports and the data
dictionary. The statistics' privacy is tested in test_stats.py and test_privacy_attacks.py.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import demo
from app.admin import anonymise, charts
from app.db import dispose_engines, get_engine, get_session
from app.stats import release, snapshot
from tests.factories import EXAMPLE_A, EXAMPLE_B
from tests.test_admin_support import (
    COMMUNE,
    DEPARTEMENT,
    EMAIL,
    PASSWORD,
    REGION,
    admin_app,
    create_admin,
    logged_in,
    make_app,
    post_login,
    share,
)

__all__ = ["admin_app"]  # fixture used by the tests below

ADMIN_PAGES = [
    "/admin/",
    "/admin/?selection=collectivity_type:commune",
    "/admin/export.csv",
    "/admin/export.json",
    "/admin/dictionnaire",
    "/admin/export-dictionary.csv",
]


# --- Access control and login -------------------------------------------------------------------


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_redirect_to_login_without_a_session(admin_app: Flask, path: str) -> None:
    response = admin_app.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")


def test_logout_without_a_session_redirects_to_login(admin_app: Flask) -> None:
    response = admin_app.test_client().post("/admin/logout")
    # CSRF fails first (400) or the guard redirects (302): never a page.
    assert response.status_code in (302, 400)


def test_login_page_has_the_contract_fields(admin_app: Flask) -> None:
    page = admin_app.test_client().get("/admin/login").get_data(as_text=True)
    for name in ('name="email"', 'name="password"', 'name="csrf_token"'):
        assert name in page


def test_login_then_dashboard_then_logout(admin_app: Flask) -> None:
    create_admin(admin_app)
    client = admin_app.test_client()
    response = post_login(client, query="?next=/admin/dictionnaire")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/dictionnaire"
    assert client.get("/admin/").status_code == 200
    page = client.get("/admin/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_login_ignores_a_foreign_next(admin_app: Flask) -> None:
    create_admin(admin_app)
    response = post_login(admin_app.test_client(), query="?next=https://evil.example/admin/")
    assert response.headers["Location"] == "/admin/"


def test_wrong_password_and_unknown_email_get_the_same_answer(admin_app: Flask) -> None:
    create_admin(admin_app)
    wrong = post_login(admin_app.test_client(), password="pas le bon mot de passe")
    unknown = post_login(admin_app.test_client(), email="nobody@arricod.example")
    assert wrong.status_code == unknown.status_code == 200
    message = "Adresse électronique ou mot de passe incorrect."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    assert "nobody@" not in unknown.get_data(as_text=True).replace('value="nobody', "")


def test_login_is_case_insensitive_on_the_address(admin_app: Flask) -> None:
    create_admin(admin_app)
    assert post_login(admin_app.test_client(), email=EMAIL.upper()).status_code == 302


def test_login_without_csrf_token_is_refused(admin_app: Flask) -> None:
    create_admin(admin_app)
    response = admin_app.test_client().post(
        "/admin/login", data={"email": EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 400


def test_session_protection_is_strong(admin_app: Flask) -> None:
    client = logged_in(admin_app)
    assert client.get("/admin/").status_code == 200
    other_agent = client.get("/admin/", headers={"User-Agent": "another browser/1.0"})
    assert other_agent.status_code == 302


# --- Throttling ---------------------------------------------------------------------------------


def _fail(client: object, n: int) -> list[int]:
    """Post n wrong passwords; return the status codes."""
    return [post_login(client, password="mauvais mot de passe").status_code for _ in range(n)]  # type: ignore[arg-type]


RETRY_RE = re.compile(r"Réessayez dans (\d+)\u00a0min, vers \d{1,2}:\d{2} \(heure de Paris\)")


def test_failed_logins_are_throttled_per_client(admin_app: Flask) -> None:
    create_admin(admin_app)
    client = admin_app.test_client()
    assert _fail(client, 5) == [200] * 5
    blocked = post_login(client)  # even the right password
    assert blocked.status_code == 429
    text = blocked.get_data(as_text=True)
    assert "Trop de tentatives" in text
    found = RETRY_RE.search(text)
    assert found, text[:2000]
    assert 14 <= int(found.group(1)) <= 15  # the 15-minute window
    assert 1 <= int(blocked.headers["Retry-After"]) <= 15 * 60
    assert client.get("/admin/login").status_code == 200  # the form itself is not throttled
    other_ip = post_login(admin_app.test_client(), environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_ip.status_code == 302


def test_failed_logins_are_throttled_per_account_whatever_the_client(admin_app: Flask) -> None:
    """An attacker rotating addresses against one account is stopped after ten failures."""
    create_admin(admin_app)
    for i in range(10):
        client = admin_app.test_client()
        statuses = [
            post_login(
                client,
                password="mauvais mot de passe",
                environ_base={"REMOTE_ADDR": f"198.51.100.{i}"},
            ).status_code
        ]
        assert statuses == [200]
    fresh = {"REMOTE_ADDR": "203.0.113.9"}
    blocked = post_login(admin_app.test_client(), email=EMAIL.upper(), environ_base=fresh)
    assert blocked.status_code == 429  # the right password, from a new address: still slowed
    assert RETRY_RE.search(blocked.get_data(as_text=True))
    create_admin(admin_app, email="autre@arricod.example")
    other_account = post_login(
        admin_app.test_client(), email="autre@arricod.example", environ_base=fresh
    )
    assert other_account.status_code == 302


def test_one_client_trying_many_accounts_is_throttled(admin_app: Flask) -> None:
    create_admin(admin_app)
    client = admin_app.test_client()
    statuses = [
        post_login(client, email=f"essai{i}@arricod.example", password="x" * 12).status_code
        for i in range(5)
    ]
    assert statuses == [200] * 5
    assert post_login(client).status_code == 429


def test_successful_logins_are_not_counted(admin_app: Flask) -> None:
    create_admin(admin_app)
    client = admin_app.test_client()
    assert _fail(client, 4) == [200] * 4
    for _ in range(3):
        assert post_login(admin_app.test_client()).status_code == 302
    assert _fail(client, 1) == [200]
    assert _fail(client, 1) == [429]


def login_statuses_while_redis_is_down() -> None:
    """Print the statuses of six failed logins against an app whose Redis does not answer.

    Run in a process of its own (see below): the limiter is one object per process, and once
    its storage is marked dead it stays so until that storage answers again.
    """
    from tests.pg import free_port

    application = make_app(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0")
    create_admin(application)
    client = application.test_client()
    print(json.dumps(_fail(client, 6)))


def test_logins_are_still_answered_and_throttled_while_redis_is_down() -> None:
    """With the limiter's Redis unreachable, the login answers (no 500) and still slows a
    guesser: the counters fall back to the process's memory."""
    code = "from tests.test_admin import login_statuses_while_redis_is_down as run; run()"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [200] * 5 + [429]


# --- Sessions -----------------------------------------------------------------------------------


def _logout(client: object) -> None:
    """Log out through the navigation's form (with its CSRF token)."""
    page = client.get("/admin/").get_data(as_text=True)  # type: ignore[attr-defined]
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302  # type: ignore[attr-defined]


def _replay(app: Flask, cookie: str) -> int:
    """Return the dashboard's status for a new client presenting a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/admin/").status_code


def test_a_copied_session_cookie_stops_working_after_logout(admin_app: Flask) -> None:
    client = logged_in(admin_app)
    copied = client.get_cookie("session")
    assert copied is not None
    assert _replay(admin_app, copied.value) == 200  # the copy works while the session lives
    _logout(client)
    assert _replay(admin_app, copied.value) == 302
    # Logging in again opens a new session; the old copy stays refused.
    assert post_login(client).status_code == 302
    assert client.get("/admin/").status_code == 200
    assert _replay(admin_app, copied.value) == 302


def test_changing_the_password_ends_every_session(admin_app: Flask) -> None:
    client = logged_in(admin_app)
    copied = client.get_cookie("session")
    assert copied is not None
    done = admin_app.test_cli_runner().invoke(
        args=["admin", "set-password", EMAIL],
        env={"ADMIN_PASSWORD": "un tout nouveau mot de passe"},
    )
    assert done.exit_code == 0, done.output
    assert client.get("/admin/").status_code == 302
    assert _replay(admin_app, copied.value) == 302
    assert post_login(client).status_code == 200  # the old password no longer opens
    assert post_login(client, password="un tout nouveau mot de passe").status_code == 302


def test_a_session_without_a_version_is_refused(admin_app: Flask) -> None:
    from app.admin import auth

    create_admin(admin_app)
    with admin_app.app_context():
        admin = auth.find(get_session(), EMAIL)
        assert admin is not None
        assert auth.load_user(str(admin.id)) is None  # a cookie from before versions
        assert auth.load_user(f"{admin.id}.{admin.session_version}") is not None
        assert auth.load_user(f"{admin.id}.{admin.session_version + 1}") is None


@pytest.fixture
def redis_app() -> Iterator[Flask]:
    """Yield an application whose limiter stores its counters in Redis (TEST_REDIS_URL)."""
    url = os.environ.get("TEST_REDIS_URL", "")
    if not url:
        pytest.skip("Redis rate-limit storage not tested: set TEST_REDIS_URL=redis://host:port/db")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        pytest.skip(f"Redis not reachable at TEST_REDIS_URL ({type(exc).__name__})")
    application = make_app(RATELIMIT_STORAGE_URI=url)
    yield application
    with application.app_context():
        dispose_engines()


def test_throttling_with_redis_storage(redis_app: Flask) -> None:
    import hashlib

    import redis

    # One limiter serves every application of a process and keeps the first key prefix it was
    # given: this test tells its counters apart by a client address and an account of its own.
    run = uuid.uuid4().hex
    address, email = f"192.0.2.{int(run[:2], 16) % 250 + 1}-{run}", f"admin-{run}@arricod.example"
    create_admin(redis_app, email=email)
    client = redis_app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    statuses = [post_login(client, email=email, password="x" * 12).status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert post_login(client, email=email).status_code == 429
    store = redis.Redis.from_url(os.environ["TEST_REDIS_URL"])
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    per_client = [k.decode() for k in store.scan_iter(f"*{address}*")]
    per_account = [k.decode() for k in store.scan_iter(f"*{digest}*")]
    try:
        assert [k for k in per_client if k.endswith("admin-login/5/15/minute")], per_client
        assert [k for k in per_account if k.endswith("admin-login-account/10/15/minute")]
        assert not store.keys(f"*{run}@*")  # the address typed is kept only as a digest
    finally:
        store.delete(*per_client, *per_account)


# --- Dashboard ----------------------------------------------------------------------------------


def _dashboard(app: Flask, query: str = "") -> str:
    """Return the dashboard page of a logged-in administrator."""
    client = logged_in(app)
    response = client.get("/admin/" + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _hand_release(cells: dict[tuple[str, str], dict[str, object]]) -> release.Release:
    """Return a release whose figures are given (zero elsewhere): charts are post-processing."""
    domains = snapshot.domains(date(2026, 6, 1))
    figures: dict[tuple[str, str], dict[str, object]] = {}
    for key, cell in release.publish([], domains, 2.0).items():
        if key[0] == "all":
            figures[key] = {
                "histograms": {p: [0] * 10 for p in release.POSITIONINGS},
                "recommendations": dict.fromkeys(cell["recommendations"], 0),
            }
        else:
            figures[key] = {"counts": [0, 0, 0], "sums": [0.0, 0.0, 0.0]}
    figures.update(cells)  # type: ignore[arg-type]
    return release.Release(2.0, figures, domains)


def test_dashboard_figures_read_the_released_cells(admin_app: Flask) -> None:
    found = _hand_release(
        {
            ("collectivity_type", "commune"): {"counts": [10, 20, 30], "sums": [600.0, 0, -600]},
            ("collectivity_type", "region"): {"counts": [3, 0, 1], "sums": [0.0, 0, 0]},
            ("income_group", "low"): {"counts": [20, 20, 20], "sums": [0.0, 0, 0]},
        }
    )
    with admin_app.test_request_context():
        board = charts.build(found, "all", "", 5, "fr")
    assert board.total is not None
    assert board.total.value == 64  # the whole set: the sum of the type cells
    by_id = {c.id: c for c in board.charts}
    dominant = by_id["chart-dominant"]
    assert dominant.figure is not None
    assert dominant.figure["data"][0]["x"] == [13, 20, 31]
    assert "error_x" in dominant.figure["data"][0]  # every bar carries its margin
    types = {row[0]: row[1:] for row in by_id["chart-types"].rows}
    assert types["Commune"][0].startswith("60 ± ")
    assert types["Commune"][1].startswith("60,0 ± ")  # 50 + 600 / 60
    assert types["Commune"][3].startswith("40,0 ± ")
    assert types["Région"] == ["moins de 5", "—", "—", "—"]  # 4 after noise: not shown
    shares = {row[0]: row[1:] for row in by_id["chart-types-dominant"].rows}
    assert [cell.split(" ±")[0] for cell in shares["Commune"][1:]] == [
        "17\u00a0%",
        "33\u00a0%",
        "50\u00a0%",
    ]
    assert by_id["chart-scores"].figure is None  # no histogram released: no quartile
    assert by_id["chart-types"].note is not None


def test_a_filter_shows_its_own_cell_and_no_breakdown(admin_app: Flask) -> None:
    found = _hand_release(
        {("region", "84"): {"counts": [30, 20, 10], "sums": [0.0, 0.0, 0.0]}},
    )
    with admin_app.test_request_context():
        board = charts.build(found, "region", "84", 5, "fr")
        empty = charts.build(found, "region", "11", 5, "fr")
    assert board.total is not None
    assert board.total.value == 60
    assert [c.id for c in board.charts] == ["chart-dominant", "chart-means"]
    assert empty.suppressed


def test_dashboard_page_embeds_each_chart_with_its_table(admin_app: Flask) -> None:
    with admin_app.app_context():
        demo.generate(get_engine(), 150, seed=5)
    page = _dashboard(admin_app)
    for chart_id in ("chart-dominant", "chart-types-dominant", "chart-types", "chart-periods"):
        assert f'id="{chart_id}"' in page
        assert f'id="{chart_id}-data"' in page
    assert page.count("<table") >= 6
    assert "plotly-custom.min.js" in page
    assert 'id="chart-scores"' not in page  # quartiles need far more diagnostics than 150
    filtered = logged_in_again(admin_app).get("/admin/?selection=collectivity_type:commune")
    text = filtered.get_data(as_text=True)
    assert 'id="chart-means"' in text
    assert 'id="chart-types"' not in text


def logged_in_again(app: Flask) -> FlaskClient:
    """Return a client logged in as the administrator created already."""
    client = app.test_client()
    assert post_login(client).status_code == 302
    return client


def test_dashboard_in_english(admin_app: Flask) -> None:
    with admin_app.app_context():
        demo.generate(get_engine(), 80, seed=5)
    page = _dashboard(admin_app, "?lang=en")
    assert 'lang="en"' in page
    assert "Dominant positioning of the shared diagnostics" in page
    assert "Municipality (commune)" in page
    assert "Method and privacy guarantee" in page


# --- Exports ------------------------------------------------------------------------------------


def _csv(client: object) -> tuple[bytes, list[list[str]]]:
    """Return the raw CSV export and its parsed rows."""
    response = client.get("/admin/export.csv")  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert re.fullmatch(
        r'attachment; filename="aict-export-\d{4}-\d{2}-\d{2}\.csv"',
        response.headers["Content-Disposition"],
    )
    raw: bytes = response.get_data()
    text = raw.decode("utf-8-sig")
    return raw, list(csv.reader(io.StringIO(text), delimiter=";"))


def test_csv_export_format(admin_app: Flask) -> None:
    share(admin_app, COMMUNE, 5)
    share(admin_app, REGION, 5)
    share(admin_app, EXAMPLE_B, 1, shared=False)
    raw, rows = _csv(logged_in(admin_app))
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    header, body = rows[0], rows[1:]
    assert header[:3] == ["collectivity_type", "population", "region"]
    assert "recommendations" in header
    assert not {"token", "token_hash", "email", "ip", "answers", "created_at", "id"} & set(header)
    assert len(body) == 10
    score = body[0][header.index("score_economic_cooperation")]
    assert "," in score
    assert "." not in score
    assert "month" not in header
    assert all(re.fullmatch(r"\d{4}-Q[1-4]", row[header.index("period")]) for row in body)


def test_csv_export_is_k_anonymous(admin_app: Flask) -> None:
    share(admin_app, COMMUNE, 5)
    share(admin_app, REGION, 3)
    share(admin_app, DEPARTEMENT, 4)
    _raw, rows = _csv(logged_in(admin_app))
    header, body = rows[0], rows[1:]
    combos: dict[tuple[str, ...], int] = {}
    for row in body:
        combos[tuple(row[:3])] = combos.get(tuple(row[:3]), 0) + 1
    assert combos
    assert min(combos.values()) >= 5
    every_qi = Counter(
        tuple(row[header.index(c)] for c in anonymise.QUASI_IDENTIFIERS) for row in body
    )
    assert min(every_qi.values()) >= 5
    assert len(body) == 12  # generalised, not removed
    assert header[0] == "collectivity_type"


def test_export_below_k_is_empty(admin_app: Flask) -> None:
    share(admin_app, COMMUNE, 4)
    _raw, rows = _csv(logged_in(admin_app))
    assert len(rows) == 1  # the header only


def test_json_export(admin_app: Flask) -> None:
    share(admin_app, COMMUNE, 5)
    response = logged_in(admin_app).get("/admin/export.json")
    assert response.status_code == 200
    data = json.loads(response.get_data(as_text=True))
    assert data["generalisation"]["k"] == 5
    assert len(data["rows"]) == 5
    row = data["rows"][0]
    assert isinstance(row["score_economic_cooperation"], float)
    assert isinstance(row["recommendations"], list)
    assert row["collectivity_type"] == "commune"


def test_data_dictionary(admin_app: Flask) -> None:
    share(admin_app, COMMUNE, 5)
    client = logged_in(admin_app)
    page = client.get("/admin/dictionnaire").get_data(as_text=True)
    for column in ("collectivity_type", "partner_income_group", "recommendations", "period"):
        assert column in page
    assert "Lignes exportées\u00a0: 5 sur 5" in page
    response = client.get("/admin/export-dictionary.csv")
    assert response.get_data().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True)[1:]), delimiter=";"))
    assert len(rows) == 15


def test_examples_are_distinct_profiles() -> None:
    assert EXAMPLE_A["collectivity_type"] != EXAMPLE_B["collectivity_type"]
