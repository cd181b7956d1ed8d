"""Languages: French source strings, an English catalogue, and the respondent's choice of language.

Catalogues are split per blueprint so that each one is edited by its own team: ``app/translations``
holds the shared strings (base template, macros, errors, main pages, top-level modules) and
``app/<blueprint>/translations`` the strings of that blueprint. Flask-Babel 4 reads
``BABEL_TRANSLATION_DIRECTORIES`` as a ';'-separated list and merges the ``messages`` catalogues of
every directory into one, later directories overriding earlier ones for a msgid present in both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel, get_translations

APP_DIR = Path(__file__).resolve().parent
SHARED_CATALOGUE = APP_DIR / "translations"
LANG_ARG = "lang"
SESSION_KEY = "lang"
# The JSON API is stateless: ``?lang=`` applies to the call that carries it and sets no cookie.
STATELESS_BLUEPRINTS = frozenset({"api"})


def translation_directories() -> list[str]:
    """Return the existing catalogue directories, the shared one first, then one per blueprint."""
    blueprint_dirs = sorted(p for p in APP_DIR.glob("*/translations") if p != SHARED_CATALOGUE)
    return [str(p) for p in [SHARED_CATALOGUE, *blueprint_dirs] if p.is_dir()]


def _asked_lang() -> str | None:
    """Return the supported language named by the ``lang`` query argument, if any."""
    asked = request.args.get(LANG_ARG)
    return asked if asked in current_app.config["LANGUAGES"] else None


def select_locale() -> str:
    """Return the request's language: ``?lang=``, else the session's choice, else French.

    Accept-Language is deliberately ignored: the tool is French first, English on request.
    """
    default: str = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    asked = _asked_lang()
    if asked:
        return asked
    stored = session.get(SESSION_KEY)
    if isinstance(stored, str) and stored in current_app.config["LANGUAGES"]:
        return stored
    return default


def _remember_lang() -> None:
    """Store a language chosen with ``?lang=`` in the session, so that it sticks."""
    asked = _asked_lang()
    if not asked or request.blueprint in STATELESS_BLUEPRINTS:
        return
    if session.get(SESSION_KEY) != asked:
        session[SESSION_KEY] = asked


def current_lang() -> str:
    """Return the language code of the current request (``fr`` or ``en``).

    The code select_locale gives Flask-Babel, asked directly: the same answer as Babel's locale,
    without building a babel Locale on pages that need only the code.
    """
    return select_locale()


def lang_switch_url(lang: str) -> str:
    """Return a link to the current page with ``lang`` set, keeping the other query arguments.

    The link is a query-only relative reference (``?step=2&lang=en``): the browser resolves it
    against the current path, so the respondent stays in place and the page never repeats its
    own path, which may hold a private link (an error page for a mistyped link, for instance).
    """
    args = [(key, value) for key, value in request.args.items(multi=True) if key != LANG_ARG]
    args.append((LANG_ARG, lang))
    return f"?{urlencode(args)}"


def _request_translations() -> Any:
    """Return the current request's translations, looked up once per request."""
    translations = g.get("_translations")
    if translations is None:
        translations = g._translations = get_translations()
    return translations


def init_app(app: Flask) -> None:
    """Configure Flask-Babel (French default, per-blueprint catalogues) and the template helpers."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "fr")
    app.config.setdefault("LANGUAGES", ("fr", "en"))
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(translation_directories()))
    # One Babel object per application: Flask-Babel caches loaded catalogues on it.
    Babel(app, locale_selector=select_locale)
    # Same whitespace rule as extraction (babel.cfg ``trimmed``) for {% trans %} blocks.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # Templates call gettext dozens of times a page: look the request's catalogue up once.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda text: _request_translations().ugettext(text),
        lambda singular, plural, n: _request_translations().ungettext(singular, plural, n),
        newstyle=True,
    )
    app.before_request(_remember_lang)
    app.add_template_global(current_lang)
    app.add_template_global(lang_switch_url)
