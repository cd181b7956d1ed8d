"""Languages: French source strings, an English catalogue, and the respondent's choice of language.

Catalogues are split per blueprint so that each one is edited by its own team: ``app/translations``
holds the shared strings (base template, macros, errors, main pages, top-level modules) and
``app/<blueprint>/translations`` the strings of that blueprint. Flask-Babel 4 reads
``BABEL_TRANSLATION_DIRECTORIES`` as a ';'-separated list and merges the ``messages`` catalogues of
every directory into one, later directories overriding earlier ones for a msgid present in both.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlencode

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, get_locale

APP_DIR = Path(__file__).resolve().parent
SHARED_CATALOGUE = APP_DIR / "translations"
LANG_ARG = "lang"
SESSION_KEY = "lang"
# The JSON API is stateless: ``?lang=`` applies to the call that carries it and sets no cookie.
STATELESS_BLUEPRINTS = frozenset({"api"})
_PATH_SAFE = "/:@!$&'()*+,;=~"


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
    return stored if stored in current_app.config["LANGUAGES"] else default


def _remember_lang() -> None:
    """Store a language chosen with ``?lang=`` in the session, so that it sticks."""
    asked = _asked_lang()
    if asked and request.blueprint not in STATELESS_BLUEPRINTS and session.get(SESSION_KEY) != asked:
        session[SESSION_KEY] = asked


def current_lang() -> str:
    """Return the language code of the current request (``fr`` or ``en``)."""
    locale = get_locale()
    return locale.language if locale is not None else str(current_app.config["BABEL_DEFAULT_LOCALE"])


def lang_switch_url(lang: str) -> str:
    """Return the current URL (path and query) with ``lang`` set, to switch language in place."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != LANG_ARG]
    args.append((LANG_ARG, lang))
    path = quote(request.script_root + request.path, safe=_PATH_SAFE)
    return f"{path}?{urlencode(args)}"


def init_app(app: Flask) -> None:
    """Configure Flask-Babel (French default, per-blueprint catalogues) and the template helpers."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "fr")
    app.config.setdefault("LANGUAGES", ("fr", "en"))
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(translation_directories()))
    # One Babel object per application: Flask-Babel caches loaded catalogues on it.
    Babel(app, locale_selector=select_locale)
    # Same whitespace rule as extraction (babel.cfg ``trimmed``) for {% trans %} blocks.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.before_request(_remember_lang)
    app.add_template_global(current_lang)
    app.add_template_global(lang_switch_url)
