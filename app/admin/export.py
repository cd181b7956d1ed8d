"""Row export of the shared diagnostics (CSV, JSON) and its data dictionary (admin blueprint).

The rows are read from ``shared_result`` when the export is asked for (``queries.export_rows``),
then made k-anonymous over every quasi-identifier they carry (``anonymise``): the month becomes a
quarter at best, and the generalisation chosen for this export is stated in the JSON export and
the dictionary. The export is taken from the live table, not from the daily statistics snapshot
(which holds released figures, not rows): two exports differ by the diagnostics shared or
withdrawn in between, which the dictionary tells administrators.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app, render_template
from flask_babel import gettext, lazy_gettext

from app.admin import anonymise, queries
from app.admin.views import bp
from app.db import get_session


def _k() -> int:
    """Return k, the smallest number of rows any combination of quasi-identifiers may have."""
    return int(current_app.config.get("MIN_CELL_SIZE", 5))


def choose(rows: Iterable[tuple[Any, ...]], k: int) -> anonymise.Generalisation:
    """Return the generalisation these rows need (levels per quasi-identifier, rows removed)."""
    counts = anonymise.qi_counts(anonymise.row_qi(row) for row in rows)
    return anonymise.choose_generalisation(counts, k)


def build(
    rows: list[tuple[Any, ...]], k: int
) -> tuple[anonymise.Generalisation, list[anonymise.ExportRow]]:
    """Return the generalisation chosen for these rows and the anonymised rows."""
    generalisation = choose(rows, k)
    return generalisation, anonymise.anonymise_rows(rows, generalisation)


def _export() -> tuple[anonymise.Generalisation, list[anonymise.ExportRow]]:
    """Return the generalisation chosen for the shared diagnostics and the anonymised rows."""
    return build(list(queries.export_rows(get_session())), _k())


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


LEVEL_LABELS = {
    "exact": lazy_gettext("valeur exacte"),
    "grouped": lazy_gettext("regroupée"),
    "masked": lazy_gettext("masquée (*)"),
    "quarter": lazy_gettext("trimestre"),
    "half_year": lazy_gettext("semestre"),
    "year": lazy_gettext("année"),
}


@bp.get("/dictionnaire")
def dictionary() -> str:
    """Show the data dictionary of the export and the generalisation an export gets now."""
    generalisation = choose(queries.export_rows(get_session()), _k())
    described = anonymise.describe(generalisation)
    levels = [(column, str(LEVEL_LABELS[level])) for column, level in described["levels"].items()]
    return render_template(
        "admin/dictionary.html",
        rows=_dictionary_rows(),
        generalisation=described,
        levels=levels,
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
        "period",
        lazy_gettext(
            "Période où le diagnostic a été terminé\u00a0: le trimestre au plus précis, "
            "éventuellement le semestre ou l'année (le mois n'est jamais exporté)."
        ),
        lazy_gettext(
            "AAAA-Q1 à AAAA-Q4 (trimestres), AAAA-H1, AAAA-H2 (semestres), AAAA (année)\u00a0; "
            "*\u00a0: masquée."
        ),
    ),
    (
        "questionnaire_version",
        lazy_gettext("Version du questionnaire qui a produit le résultat."),
        lazy_gettext("1, 2…\u00a0; *\u00a0: masquée."),
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
            "le plus faible en cas d'égalité, éventuellement regroupé."
        ),
        lazy_gettext(
            "low, lower_middle, upper_middle, high, unknown (non classé), none (aucun "
            "partenaire)\u00a0; regroupés\u00a0: low_or_lower_middle, upper_middle_or_high, "
            "none_or_unknown\u00a0; *\u00a0: masqué."
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
