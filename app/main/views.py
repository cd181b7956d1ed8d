"""Views of the main blueprint: landing page, privacy notice, accessibility statement, icon, and
the application's error pages (French HTML, or JSON under /api/)."""

from __future__ import annotations

import math
import os
from datetime import date
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import format_date, lazy_gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

bp = Blueprint("main", __name__)

DEFAULT_CONTACT_EMAIL = "accessibilite@arricod.fr"
ACCESSIBILITY_STATEMENT_DATE = date(2026, 11, 26)
ICON_MAX_AGE = 24 * 3600
DATABASE_RETRY_AFTER = "30"

# Title and explanation of each error page, by HTTP status.
ERRORS = {
    400: (
        lazy_gettext("Requête incorrecte"),
        lazy_gettext("La requête envoyée au service n'a pas pu être comprise."),
    ),
    401: (
        lazy_gettext("Connexion nécessaire"),
        lazy_gettext("Cette page est réservée aux administrateurs d'ARRICOD connectés."),
    ),
    403: (
        lazy_gettext("Accès refusé"),
        lazy_gettext("Vous n'avez pas accès à cette page."),
    ),
    404: (
        lazy_gettext("Page introuvable"),
        lazy_gettext(
            "Cette page n'existe pas ou n'existe plus. Si vous avez suivi un lien privé, "
            "vérifiez qu'il a été copié en entier\u00a0; un diagnostic supprimé ne peut pas être "
            "retrouvé."
        ),
    ),
    405: (
        lazy_gettext("Action impossible"),
        lazy_gettext("Cette adresse n'accepte pas ce type de requête."),
    ),
    413: (
        lazy_gettext("Envoi trop volumineux"),
        lazy_gettext("Les données envoyées dépassent la taille autorisée."),
    ),
    429: (
        lazy_gettext("Trop de tentatives"),
        lazy_gettext(
            "Vous avez fait trop de tentatives en peu de temps. Réessayez dans une minute."
        ),
    ),
    500: (
        lazy_gettext("Erreur du service"),
        lazy_gettext(
            "Une erreur inattendue s'est produite. Elle a été enregistrée pour être corrigée. "
            "Vos réponses déjà enregistrées sont conservées."
        ),
    ),
    503: (
        lazy_gettext("Service momentanément indisponible"),
        lazy_gettext(
            "Le service est momentanément indisponible. Réessayez dans quelques minutes. "
            "Vos réponses déjà enregistrées sont conservées."
        ),
    ),
}
UNKNOWN_ERROR = (
    lazy_gettext("Erreur"),
    lazy_gettext("La requête n'a pas pu aboutir."),
)


@bp.record_once
def _configure(state: BlueprintSetupState) -> None:
    """Set the contact addresses shown on the information pages, from the environment."""
    config = state.app.config
    config.setdefault("CONTACT_EMAIL", os.environ.get("CONTACT_EMAIL", DEFAULT_CONTACT_EMAIL))
    config.setdefault("PRIVACY_EMAIL", os.environ.get("PRIVACY_EMAIL", config["CONTACT_EMAIL"]))


@bp.get("/")
def index() -> str:
    """Render the landing page: purpose, duration, what is stored, who sees what, start button."""
    return render_template("main/index.html", min_cell_size=current_app.config["MIN_CELL_SIZE"])


@bp.get("/confidentialite")
def privacy() -> str:
    """Render the privacy notice."""
    return render_template(
        "main/privacy.html",
        min_cell_size=current_app.config["MIN_CELL_SIZE"],
        privacy_epsilon=current_app.config["PRIVACY_EPSILON"],
        privacy_factor=round(math.exp(current_app.config["PRIVACY_EPSILON"]), 1),
        purge_days=current_app.config["PURGE_AFTER_DAYS"],
        contact_email=current_app.config["PRIVACY_EMAIL"],
    )


@bp.get("/accessibilite")
def accessibility() -> str:
    """Render the accessibility statement (RGAA)."""
    return render_template(
        "main/accessibility.html",
        contact_email=current_app.config["CONTACT_EMAIL"],
        statement_date=format_date(ACCESSIBILITY_STATEMENT_DATE, "long"),
    )


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """Serve the site icon at the address browsers ask for by themselves."""
    return send_from_directory(
        str(current_app.static_folder),
        "favicon.ico",
        mimetype="image/vnd.microsoft.icon",
        max_age=ICON_MAX_AGE,
    )


def _wants_json() -> bool:
    """Return True for requests to the JSON API, which get JSON errors."""
    return request.path.startswith("/api/")


def error_response(
    status: int,
    message: str | None = None,
    headers: list[tuple[str, str]] | None = None,
    back_url: str | None = None,
) -> ResponseReturnValue:
    """Return the error page for status (JSON ``{"errors": {"_": [message]}}`` under /api/)."""
    title, default_message = ERRORS.get(status, UNKNOWN_ERROR)
    text = message or str(default_message)
    if _wants_json():
        return jsonify(errors={"_": [text]}), status, headers or []
    page = render_template(
        "errors/error.html", status=status, title=title, message=text, back_url=back_url
    )
    return page, status, headers or []


def _same_site_referrer() -> str | None:
    """Return the referring page's path and query when it is a page of this site."""
    referrer = urlsplit(request.referrer or "")
    if not referrer.path or referrer.netloc != request.host:
        return None
    return f"{referrer.path}?{referrer.query}" if referrer.query else referrer.path


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> ResponseReturnValue:
    """Render any HTTP error (404, 405, 413, 429, 500…) in the respondent's language."""
    status = error.code or 500
    # Keep the error's own headers (Allow for 405, Retry-After for 429), not its content type.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    # A message written for an API client by the view that aborted is passed on as is.
    custom = error.description if error.description != type(error).description else None
    return error_response(status, custom if _wants_json() else None, headers)


@bp.app_errorhandler(CSRFError)
def csrf_error(_error: CSRFError) -> ResponseReturnValue:
    """Explain an expired or missing form token and offer the way back to the form."""
    message = str(
        lazy_gettext(
            "Le formulaire a expiré ou n'a pas pu être vérifié, par exemple parce que le "
            "navigateur a été fermé entre-temps. Rien n'a été enregistré\u00a0: revenez au "
            "formulaire, rechargez la page et envoyez-le de nouveau."
        )
    )
    back = _same_site_referrer() or url_for("main.index")
    return error_response(400, message, back_url=back)


@bp.app_errorhandler(OperationalError)
def database_unavailable(error: OperationalError) -> ResponseReturnValue:
    """Answer 503 when the database cannot be reached; the answers already saved are safe."""
    current_app.logger.error("Database unavailable: %s", error, exc_info=error)
    return error_response(503, headers=[("Retry-After", DATABASE_RETRY_AFTER)])
