"""The application shell: languages, security headers, caching, compression, information and
error pages, and the completeness of the shared English catalogue."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, check_and_call_extract_file, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask, Response, render_template_string
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError

ROOT = Path(__file__).resolve().parents[1]
SHARED_PO = ROOT / "app/translations/en/LC_MESSAGES/messages.po"
# The shell's sources, whose strings belong to the shared catalogue.
SHELL_SOURCES = [
    "app/templates/base.html",
    "app/templates/_macros.html",
    "app/templates/main",
    "app/templates/errors",
    "app/main",
    "app/i18n.py",
    "app/security.py",
]


class _Tags(HTMLParser):
    """Collect every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str, name: str) -> list[dict[str, str | None]]:
    """Return the attributes of every `name` element of the page."""
    parser = _Tags()
    parser.feed(html)
    return [attrs for tag, attrs in parser.tags if tag == name]


def lang_switch_href(html: str) -> str:
    """Return the href of the language switch link."""
    match = re.search(r'<nav class="lang-switch"[^>]*>\s*<a href="([^"]+)"', html)
    assert match, "no language switch"
    return match.group(1).replace("&amp;", "&")


def csp(response: Response) -> dict[str, list[str]]:
    """Return the response's Content-Security-Policy as directive -> sources."""
    policy = response.headers["Content-Security-Policy"]
    directives = (d.split() for d in policy.split(";") if d.strip())
    return {d[0]: d[1:] for d in directives}


@pytest.fixture
def english_catalogue() -> None:
    """Require the compiled English catalogue (built by `make translations`)."""
    if not SHARED_PO.with_suffix(".mo").exists():
        pytest.fail("app/translations/en/LC_MESSAGES/messages.mo missing: run `make translations`")


# ---- Languages ----


def test_landing_page_is_french_with_privacy_summary_and_start_form(client: FlaskClient) -> None:
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert "Commencer le diagnostic" in html
    for words in ("ni nom, ni adresse électronique, ni adresse IP", "lien privé", "décochée"):
        assert words in html
    for positioning in (
        "Prioriser l'internationalisation des entreprises",
        "Développer les actions de coopération économique",
        "Renforcer une coopération multisectorielle entre territoires",
    ):
        assert positioning in html
    (form,) = [f for f in tags(html, "form") if f.get("action") == "/diagnostic/commencer"]
    assert form["method"] == "post"
    token = [i for i in tags(html, "input") if i.get("name") == "csrf_token"]
    assert len(token) == 1
    assert token[0]["value"]


def test_accept_language_is_ignored(client: FlaskClient) -> None:
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="fr">' in html


@pytest.mark.usefixtures("english_catalogue")
def test_lang_query_switches_to_english_and_sticks(client: FlaskClient) -> None:
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Start the diagnostic" in html
    assert "Commencer le diagnostic" not in html

    html = client.get("/confidentialite").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Privacy policy" in html

    html = client.get("/?lang=fr").get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert '<html lang="fr">' in client.get("/accessibilite").get_data(as_text=True)


def test_unknown_language_falls_back_to_french(client: FlaskClient) -> None:
    assert '<html lang="fr">' in client.get("/?lang=de").get_data(as_text=True)


def test_api_lang_argument_sets_no_cookie(client: FlaskClient) -> None:
    response = client.get("/api/v1/questionnaire?lang=en")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_language_switch_keeps_the_place_and_query(client: FlaskClient) -> None:
    html = client.get("/confidentialite?step=3&tag=a+b&tag=c").get_data(as_text=True)
    href = lang_switch_href(html)
    # A query-only reference: the browser keeps the current path.
    resolved = urlsplit(urljoin("http://localhost/confidentialite?step=3", href))
    assert resolved.path == "/confidentialite"
    assert parse_qs(resolved.query) == {"step": ["3"], "tag": ["a b", "c"], "lang": ["en"]}

    html = client.get("/accessibilite?lang=en&step=2").get_data(as_text=True)
    resolved = urlsplit(urljoin("http://localhost/accessibilite", lang_switch_href(html)))
    assert resolved.path == "/accessibilite"
    assert parse_qs(resolved.query) == {"step": ["2"], "lang": ["fr"]}


def test_error_page_does_not_repeat_its_path(client: FlaskClient) -> None:
    secret = "/resultat/Xq9-not-a-real-private-link-Zt"
    response = client.get(secret)
    assert response.status_code == 404
    assert "Xq9-not-a-real-private-link-Zt" not in response.get_data(as_text=True)


# ---- Security headers ----


def assert_security_headers(response: Response) -> None:
    policy = csp(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert any(s.startswith("'nonce-") for s in policy["script-src"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in ("no-referrer", "same-origin")
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Permissions-Policy" in response.headers


@pytest.mark.parametrize(
    ("path", "mimetype"),
    [
        ("/", "text/html"),
        ("/confidentialite", "text/html"),
        ("/accessibilite", "text/html"),
        ("/nexiste-pas", "text/html"),
        ("/api/v1/questionnaire", "application/json"),
        ("/api/v1/nexiste-pas", "application/json"),
    ],
)
def test_pages_and_api_carry_security_headers_and_are_not_stored(
    client: FlaskClient, path: str, mimetype: str
) -> None:
    response = client.get(path)
    assert response.mimetype == mimetype
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_csp_nonce_is_fresh_and_matches_the_page(app: Flask) -> None:
    app.add_url_rule("/_nonce", "nonce", lambda: render_template_string("{{ csp_nonce() }}"))
    client = app.test_client()
    nonces = []
    for _ in range(2):
        response = client.get("/_nonce")
        nonce = response.get_data(as_text=True)
        assert f"'nonce-{nonce}'" in csp(response)["script-src"]
        assert len(nonce) >= 22
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


# ---- Static assets: versioned URLs, caching, compression ----


def stylesheet_url(client: FlaskClient) -> str:
    html = client.get("/").get_data(as_text=True)
    (link,) = [t for t in tags(html, "link") if (t.get("href") or "").startswith("/static/css/app")]
    href = link["href"]
    assert href
    return href


def test_static_url_carries_content_hash_and_is_cached_for_a_year(client: FlaskClient) -> None:
    href = stylesheet_url(client)
    assert re.fullmatch(r"/static/css/app\.css\?v=[0-9a-f]{12}", href)
    with client.get(href) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("query", ["", "?v=000000000000"])
def test_static_without_current_hash_is_not_immutable(client: FlaskClient, query: str) -> None:
    with client.get(f"/static/css/app.css{query}") as response:
        assert response.status_code == 200
        assert "immutable" not in response.headers["Cache-Control"]
        assert "no-store" not in response.headers["Cache-Control"]


def test_missing_static_file_is_a_french_404(client: FlaskClient) -> None:
    response = client.get("/static/nexiste-pas.css")
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
    assert "Page introuvable" in response.get_data(as_text=True)


def test_large_html_is_gzipped_when_accepted(client: FlaskClient) -> None:
    plain = client.get("/confidentialite")
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]

    response = client.get("/confidentialite", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    body = gzip.decompress(response.get_data())
    assert body.startswith(b"<!doctype html>")
    assert int(response.headers["Content-Length"]) == len(response.get_data())
    assert len(response.get_data()) < len(body)


def test_static_files_are_gzipped_with_a_weak_etag(client: FlaskClient) -> None:
    href = stylesheet_url(client)
    source = (ROOT / "app/static/css/app.css").read_bytes()
    for _ in range(2):  # the second answer comes from the compressed-file cache
        with client.get(href, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(response.get_data()) == source
            assert response.headers["ETag"].startswith('W/"')
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    etag = response.headers["ETag"]
    with client.get(href, headers={"Accept-Encoding": "gzip", "If-None-Match": etag}) as again:
        assert again.status_code == 304


def test_small_and_streamed_responses_are_not_gzipped(app: Flask) -> None:
    def stream() -> Iterator[str]:
        yield "a;b\n" * 1000

    app.add_url_rule("/_stream", "stream", lambda: Response(stream(), mimetype="text/csv"))
    client = app.test_client()
    response = client.get("/_stream", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers
    assert response.get_data(as_text=True) == "a;b\n" * 1000
    with client.get("/static/favicon.svg", headers={"Accept-Encoding": "gzip"}) as small:
        assert "Content-Encoding" not in small.headers


def test_favicon_is_a_real_icon(client: FlaskClient) -> None:
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/vnd.microsoft.icon"
        assert response.get_data()[:4] == b"\x00\x00\x01\x00"
        assert "public" in response.headers["Cache-Control"]
    html = client.get("/").get_data(as_text=True)
    assert [t for t in tags(html, "link") if t.get("rel") == "icon"]


# ---- Information pages ----


def test_privacy_page_renders(client: FlaskClient, app: Flask) -> None:
    response = client.get("/confidentialite")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Politique de confidentialité</h1>" in html
    assert f"au moins {app.config['MIN_CELL_SIZE']} diagnostics" in html
    assert f"{app.config['PURGE_AFTER_DAYS']} jours" in html
    assert "CNIL" in html


def test_accessibility_statement_renders(client: FlaskClient) -> None:
    response = client.get("/accessibilite")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for words in (
        "État de conformité",
        "non conforme",
        "axe-core",
        "clavier",
        "Voies de recours",
        "Défenseur des droits",
        'href="mailto:accessibilite@arricod.fr"',
    ):
        assert words in html


def test_contact_address_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from app import create_app
    from config import TestConfig

    monkeypatch.setenv("CONTACT_EMAIL", "a11y@example.org")
    html = create_app(TestConfig).test_client().get("/accessibilite").get_data(as_text=True)
    assert 'href="mailto:a11y@example.org"' in html


# ---- Error pages ----


def test_not_found_is_a_french_page(client: FlaskClient) -> None:
    response = client.get("/nexiste-pas")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert '<html lang="fr">' in html
    assert "Page introuvable" in html


@pytest.mark.usefixtures("english_catalogue")
def test_not_found_in_english(client: FlaskClient) -> None:
    response = client.get("/nexiste-pas?lang=en")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_api_errors_are_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/nexiste-pas")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    errors = response.get_json()["errors"]
    assert list(errors) == ["_"]
    assert errors["_"][0]


def test_method_not_allowed_keeps_allow_header(client: FlaskClient) -> None:
    response = client.post("/")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "Action impossible" in response.get_data(as_text=True)


@pytest.fixture
def form_app(app: Flask) -> Flask:
    """The application with a CSRF-protected form route."""
    app.add_url_rule("/_form", "form", lambda: "ok", methods=["POST"])
    return app


def test_csrf_failure_explains_and_links_back(form_app: Flask) -> None:
    client = form_app.test_client()
    response = client.post(
        "/_form", data={"x": "1"}, headers={"Referer": "http://localhost/diagnostic/etape/2?a=1"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Le formulaire a expiré" in html
    assert 'href="/diagnostic/etape/2?a=1"' in html


def test_csrf_back_link_never_leaves_the_site(form_app: Flask) -> None:
    client = form_app.test_client()
    response = client.post("/_form", headers={"Referer": "https://evil.example/page"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "evil.example" not in html


def test_request_too_large_is_413(form_app: Flask) -> None:
    client = form_app.test_client()
    big = "x" * (form_app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/_form", data={"x": big})
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.get_data(as_text=True)


def test_too_many_requests_page(app: Flask) -> None:
    from werkzeug.exceptions import TooManyRequests

    def limited() -> str:
        raise TooManyRequests(retry_after=30)

    app.add_url_rule("/_limited", "limited", limited)
    response = app.test_client().get("/_limited")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "30"
    assert "Trop de tentatives" in response.get_data(as_text=True)


def test_unexpected_error_is_a_french_500(app: Flask) -> None:
    def broken() -> str:
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/_broken", "broken", broken)
    response = app.test_client().get("/_broken")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Erreur du service" in html
    assert "boom" not in html


@pytest.mark.parametrize(("path", "json"), [("/_db", False), ("/api/_db", True)])
def test_database_unavailable_is_503(app: Flask, path: str, json: bool) -> None:
    def down() -> str:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    app.add_url_rule(path, path, down)
    response = app.test_client().get(path)
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    message = "Vos réponses déjà enregistrées sont conservées."
    if json:
        assert message in response.get_json()["errors"]["_"][0]
    else:
        assert "momentanément indisponible" in response.get_data(as_text=True)
        assert message in response.get_data(as_text=True)


# ---- Shared English catalogue ----


def shell_msgids() -> set[str]:
    """Return every msgid that Babel extracts from the shell's sources with babel.cfg."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[str] = set()
    for source in SHELL_SOURCES:
        path = ROOT / source
        if path.is_dir():
            messages = extract_from_dir(path, method_map, options_map)
        else:
            messages = check_and_call_extract_file(
                path,
                method_map,
                options_map,
                callback=None,
                keywords=DEFAULT_KEYWORDS,
                comment_tags=(),
                strip_comment_tags=False,
                dirpath=ROOT,
            )
        for _filename, _lineno, message, _comments, _context in messages:
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_shell_string_has_an_english_translation() -> None:
    msgids = shell_msgids()
    assert "Commencer le diagnostic" in msgids
    assert "Page introuvable" in msgids  # from Python (lazy_gettext)
    with SHARED_PO.open("rb") as po:
        catalogue = read_po(po)
    missing = sorted(
        msgid
        for msgid in msgids
        if (msg := catalogue.get(msgid)) is None or not msg.string or msg.fuzzy
    )
    assert not missing, f"untranslated in {SHARED_PO.relative_to(ROOT)}: {missing}"


def test_proxy_hops_trusts_the_forwarded_client_address() -> None:
    from flask import request

    from app import create_app
    from config import TestConfig

    app = create_app(TestConfig, PROXY_HOPS=1)

    @app.get("/_whoami")
    def whoami() -> str:
        return request.remote_addr or ""

    seen = app.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.7"}).text
    assert seen == "203.0.113.7"
    plain = create_app(TestConfig).test_client()
    assert plain.get("/", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 200
