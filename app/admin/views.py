"""Views of the admin blueprint: login, row export and its dictionary (the dashboard is in
``dashboard.py``).

Every page but the login redirects to the login without an administrator's session.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response as BaseResponse

from app.admin import anonymise, auth, queries
from app.admin.forms import LoginForm
from app.db import get_session

bp = Blueprint("admin", __name__, url_prefix="/admin")

PUBLIC_ENDPOINTS = frozenset({"admin.login"})


def _k() -> int:
    """Return k, the smallest number of diagnostics any shown figure may rest on."""
    return int(current_app.config.get("MIN_CELL_SIZE", 5))


def _safe_next(target: str | None) -> str | None:
    """Return target if it is a path of this site's admin pages, else None (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(bp.url_prefix or "/admin"):
        return None
    return target


@bp.before_request
def require_admin() -> BaseResponse | None:
    """Redirect to the login page without an administrator's session."""
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))


@bp.errorhandler(TooManyRequests)
def too_many_attempts(_error: TooManyRequests) -> tuple[str, int]:
    """Answer throttled logins with a page saying when to try again."""
    return render_template("admin/too_many.html"), 429


@bp.route("/login", methods=["GET", "POST"])
@auth.limiter.limit(
    auth.login_limit, methods=["POST"], deduct_when=auth.counts_as_failure, scope="admin-login"
)
def login() -> BaseResponse | str:
    """Show the login form; log an administrator in (failures are counted per client)."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.dashboard"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = auth.authenticate(get_session(), form.email.data or "", form.password.data or "")
        if user is not None:
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("admin.dashboard"))
        failed = True
    return render_template("admin/login.html", form=form, failed=failed)


@bp.post("/logout")
def logout() -> BaseResponse:
    """End the administrator's session."""
    logout_user()
    return redirect(url_for("admin.login"))


def _export() -> tuple[anonymise.Generalisation, list[anonymise.ExportRow]]:
    """Return the generalisation chosen for the shared diagnostics and the anonymised rows."""
    db = get_session()
    generalisation = anonymise.choose_generalisation(queries.qi_histogram(db), _k())
    return generalisation, anonymise.anonymise_rows(queries.export_rows(db), generalisation)


def _attachment(body: str, mimetype: str, name: str, extension: str) -> Response:
    """Return a download response named with today's date."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{extension}"'
    return response


@bp.get("/export.csv")
def export_csv() -> Response:
    """Download the k-anonymous row export as CSV (BOM, ';', decimal comma)."""
    _generalisation, rows = _export()
    return _attachment(anonymise.to_csv(rows), "text/csv", "aict-export", "csv")


@bp.get("/export.json")
def export_json() -> Response:
    """Download the k-anonymous row export as JSON, with the generalisation applied."""
    generalisation, rows = _export()
    body = json.dumps(
        {
            "generalisation": anonymise.describe(generalisation),
            "columns": list(anonymise.EXPORT_COLUMNS),
            "rows": anonymise.to_records(rows),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return _attachment(body, "application/json", "aict-export", "json")


def _dictionary_rows() -> list[tuple[str, str, str]]:
    """Return (column, description, values) for every column of the export."""
    return [(name, str(description), str(values)) for name, description, values in DICTIONARY]


@bp.get("/dictionnaire")
def dictionary() -> str:
    """Show the data dictionary of the export and the generalisation applied today."""
    generalisation = anonymise.choose_generalisation(queries.qi_histogram(get_session()), _k())
    return render_template(
        "admin/dictionary.html",
        rows=_dictionary_rows(),
        generalisation=anonymise.describe(generalisation),
    )


@bp.get("/export-dictionary.csv")
def dictionary_csv() -> Response:
    """Download the data dictionary as CSV (same format as the export)."""
    headers = (str(gettext("colonne")), str(gettext("description")), str(gettext("valeurs")))
    body = anonymise.to_csv_table(headers, _dictionary_rows())
    return _attachment(body, "text/csv", "aict-dictionnaire", "csv")


# The export's columns, described in French, translated when a page is rendered.
SCORE_VALUES = lazy_gettext("0 à 100, une décimale (virgule décimale dans le CSV)")
DICTIONARY: tuple[tuple[str, Any, Any], ...] = (
    (
        "collectivity_type",
        lazy_gettext("Type de collectivité, éventuellement regroupé pour l'anonymat."),
        lazy_gettext(
            "commune, intercommunalite, metropole, departement, region, other\u00a0; "
            "regroupés\u00a0: with_economic_competence (région, intercommunalité, métropole\u00a0: "
            "compétence de développement économique, loi NOTRe), "
            "without_economic_competence\u00a0; *\u00a0: masqué."
        ),
    ),
    (
        "population",
        lazy_gettext("Population du territoire, éventuellement en tranches plus larges."),
        lazy_gettext(
            "lt_20k, 20k_100k, 100k_500k, 500k_1m, gt_1m\u00a0; regroupés\u00a0: lt_100k, 100k_1m, "
            "gt_1m\u00a0; *\u00a0: masqué."
        ),
    ),
    (
        "region",
        lazy_gettext("Région (code INSEE), éventuellement réduite à métropole / outre-mer."),
        lazy_gettext(
            "code INSEE à deux caractères\u00a0; regroupés\u00a0: metropolitan, overseas\u00a0; "
            "*\u00a0: masqué."
        ),
    ),
    (
        "month",
        lazy_gettext(
            "Mois où le diagnostic a été terminé (aucune date plus précise n'est exportée)."
        ),
        lazy_gettext("AAAA-MM"),
    ),
    (
        "questionnaire_version",
        lazy_gettext("Version du questionnaire qui a produit le résultat."),
        lazy_gettext("1, 2…"),
    ),
    (
        "dominant",
        lazy_gettext("Positionnement dominant (le score le plus élevé)."),
        "business_internationalisation, economic_cooperation, multisector_cooperation",
    ),
    (
        "score_business_internationalisation",
        lazy_gettext(
            "Score du positionnement «\u00a0Prioriser l'internationalisation des "
            "entreprises\u00a0»."
        ),
        SCORE_VALUES,
    ),
    (
        "score_economic_cooperation",
        lazy_gettext(
            "Score du positionnement «\u00a0Développer les actions de coopération "
            "économique\u00a0»."
        ),
        SCORE_VALUES,
    ),
    (
        "score_multisector_cooperation",
        lazy_gettext(
            "Score du positionnement «\u00a0Renforcer une coopération multisectorielle entre "
            "territoires\u00a0»."
        ),
        SCORE_VALUES,
    ),
    (
        "logic_business_support",
        lazy_gettext(
            "Score de la logique d'action «\u00a0Internationalisation des entreprises\u00a0»."
        ),
        SCORE_VALUES,
    ),
    (
        "logic_sustainable_development",
        lazy_gettext("Score de la logique d'action «\u00a0Levier de développement durable\u00a0»."),
        SCORE_VALUES,
    ),
    (
        "logic_territorial_promotion",
        lazy_gettext(
            "Score de la logique d'action «\u00a0Rayonnement et promotion territoriale\u00a0»."
        ),
        SCORE_VALUES,
    ),
    (
        "partner_income_group",
        lazy_gettext(
            "Groupe de revenu (Banque mondiale) le plus fréquent parmi les pays partenaires, "
            "le plus faible en cas d'égalité."
        ),
        lazy_gettext(
            "low, lower_middle, upper_middle, high, unknown (non classé), none (aucun partenaire)"
        ),
    ),
    (
        "recommendations",
        lazy_gettext(
            "Identifiants des recommandations faites au diagnostic, par ordre alphabétique."
        ),
        lazy_gettext(
            "identifiants séparés par «\u00a0|\u00a0» (voir le catalogue des recommandations)"
        ),
    ),
)
