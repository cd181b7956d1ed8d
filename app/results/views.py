"""Views of the results blueprint: the result page, its PDF brief, the downloads and the deletion.

The page shows the result exactly as it was stored when the diagnostic was completed (the
payload in the page's language), so it never changes when the questionnaire evolves.
"""

from __future__ import annotations

from typing import Any

from babel.numbers import get_decimal_symbol
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from app import charts, services
from app.core.report import Report
from app.db import get_session
from app.i18n import current_lang
from app.models import Diagnostic, Result
from app.plan import exports as plan_exports
from app.plan import progress as plan_progress
from app.plan import store as plan_store
from app.results import brief, downloads, followup, peers, svg
from app.results import portfolio as portfolio_view
from app.stats import web
from app.stats.release import IMPRECISE

bp = Blueprint("results", __name__, url_prefix="/resultat")

POSITIONING_CHART_ID = "chart-positionings"
LOGICS_CHART_ID = "chart-logics"
# CSS pixels of a chart on paper, beside its reading and table (55 % of an A4 text width).
PRINT_WIDTH = 360


def _find(token: str) -> Diagnostic:
    """Return the diagnostic a private token opens, or answer 404."""
    diagnostic = services.find_by_token(get_session(), token)
    if diagnostic is None:
        abort(404)
    return diagnostic


def _completed(token: str) -> tuple[Diagnostic, Result]:
    """Return the diagnostic and its current result; an unfinished one goes back to the survey."""
    diagnostic = _find(token)
    if diagnostic.status != "completed":
        abort(redirect(url_for("survey.resume", token=token)))
    result = services.current_result(get_session(), diagnostic)
    if result is None:
        # Completed without a result (never expected): the resume page would send back here,
        # so go to the first step, from which the diagnostic can be finished again.
        section_id = _first_section_id(diagnostic)
        abort(redirect(url_for("survey.step", token=token, section_id=section_id)))
    return diagnostic, result


def stored_report(result: Result) -> Report:
    """Return the stored report in the page's language (French if that one is missing)."""
    payload = result.payload
    return Report.from_payload(payload.get(current_lang()) or payload["fr"])


def score_text(value: float) -> str:
    """Return a score with one decimal in the page's locale (« 48,4 » in French).

    Same output as Babel's ``format_decimal(value, "0.0")`` for scores (0 to 100), without
    parsing the pattern on each of the page's two dozen numbers.
    """
    return f"{value:.1f}".replace(".", _decimal_symbol())


def _decimal_symbol() -> str:
    """Return the decimal separator of the page's locale ("," in French), looked up once."""
    symbol: str | None = g.get("decimal_symbol")
    if symbol is None:
        locale = get_locale()
        symbol = g.decimal_symbol = str(get_decimal_symbol(locale)) if locale else ","
    return symbol


def plural_count(value: float) -> int:
    """Return the count that picks the grammatical number of "N points" in French (1 below 2).

    The English catalogue gives the plural in both forms, as English says "1.5 points".
    """
    return 1 if abs(value) < 2 else 2


def _chart_rows(report: Report, values: list[tuple[str, float]]) -> list[list[str]]:
    """Return data-table rows (label, score) for ranked dimensions."""
    return [[report.labels[dim], score_text(value)] for dim, value in values]


def chart_context(report: Report) -> dict[str, Any]:
    """Return both figures with their data tables and the rankings their readings are made of."""
    positionings = charts.ranking(report.scores, first=report.dominant)
    logics = charts.ranking(report.logics)
    headers_score = _("Score sur 100")
    return {
        "positionings": positionings,
        "positioning_gap": _gap(positionings),
        "logics": logics,
        "logics_gap": _gap(logics),
        "positioning_chart": {
            "id": POSITIONING_CHART_ID,
            "caption": _("Scores des trois positionnements, sur 100"),
            "print_width": PRINT_WIDTH,
            "print_height": 300,
            "figure": charts.positioning_figure(report, name=_("Positionnements")),
            "headers": [_("Positionnement"), headers_score],
            "rows": _chart_rows(report, list(report.scores.items())),
        },
        "logics_chart": {
            "id": LOGICS_CHART_ID,
            "caption": _("Scores des trois logiques d'action, sur 100"),
            "print_width": PRINT_WIDTH,
            "print_height": 260,
            "figure": charts.logics_figure(report, name=_("Logiques d'action")),
            "headers": [_("Logique d'action"), headers_score],
            "rows": _chart_rows(report, logics),
        },
    }


def _gap(ranked: list[tuple[str, float]]) -> float:
    """Return how far the first of ranked dimensions leads the second, in points."""
    return round(ranked[0][1] - ranked[1][1], 1) if len(ranked) > 1 else 0.0


def tip_context(report: Report) -> dict[str, Any] | None:
    """Return the stored tipping change with the scores it would lead to, if there is one."""
    if report.tip is None:
        return None
    tip = report.tip.to_payload()
    dominant = report.dominant
    after: dict[str, float] = tip["scores_after"]
    challenger = tip["dominant_after"] if tip["flips"] else None
    if challenger is None:
        others = {dim: value for dim, value in after.items() if dim != dominant}
        challenger = charts.ranking(others)[0][0]
    return {
        **tip,
        "challenger": challenger,
        "challenger_label": report.labels[challenger],
        "challenger_after": after[challenger],
        "dominant_after_score": after[dominant],
        "gap_after": round(abs(after[dominant] - after[challenger]), 1),
    }


def partner_rows(report: Report) -> list[list[str]]:
    """Return the partner table's rows: country, income group, OECD membership."""
    return [[p.name, p.income_label, _("oui") if p.oecd else _("non")] for p in report.partners]


def _peers(diagnostic: Diagnostic, result: Result) -> dict[str, Any] | None:
    """Return the peer benchmark from the published snapshot, None when there are too few."""
    published = web.published(peers.PEER_BASES)
    if not published.releasable:
        return None
    found = peers.peer_benchmark(published.release, diagnostic, result, published.k)
    if found is not None:
        found["published_at"] = format_date(published.snapshot.published_at, format="long")
        found["imprecise"] = IMPRECISE
        found["figure"] = peers_figure(found["positionings"], current_lang())
    return found


def peers_figure(positionings: list[peers.PeerScore], lang: str) -> charts.Figure:
    """Return the chart of the peer benchmark: own scores against the peers' released means."""
    return charts.peers_figure(
        [p.label[lang] for p in positionings],
        [p.own for p in positionings],
        [None if p.mean.margin > IMPRECISE else round(p.mean.value, 1) for p in positionings],
        [p.mean.margin for p in positionings],
        own_name=_("Votre score"),
        peers_name=_("Moyenne estimée des collectivités comparables"),
    )


def _first_section_id(diagnostic: Diagnostic) -> str:
    """Return the id of the first step of the diagnostic's questionnaire."""
    return services.questionnaire_of(diagnostic).sections[0].id


def _page_context(token: str, diagnostic: Diagnostic, result: Result) -> dict[str, Any]:
    """Return what the result page and its PDF brief are rendered from."""
    report = stored_report(result)
    lang = current_lang()
    top = brief.top_recommendations(report)
    return {
        "token": token,
        "report": report,
        "result": result,
        "result_date": format_date(result.created_at, format="long"),
        "edit_section_id": _first_section_id(diagnostic),
        "priority_labels": {key: str(label) for key, label in downloads.PRIORITY_LABELS.items()},
        "peers": _peers(diagnostic, result),
        "tip": tip_context(report),
        "partner_rows": partner_rows(report),
        "profile": brief.profile_parts(diagnostic, services.questionnaire_of(diagnostic), lang),
        "dominant_summary": brief.first_sentence(report.descriptions[report.dominant]),
        "top_recommendations": top,
        "proposed_actions": brief.proposed_actions(top),
        "score_text": score_text,
        "plural_count": plural_count,
        "portfolio": portfolio_view.context(report, score_text),
        "plan_rows": [
            plan_exports.row(a, lang) for a in plan_store.actions(get_session(), diagnostic)
        ],
        **chart_context(report),
    }


@bp.get("/<token>")
def show(token: str) -> str:
    """Render the stored result: the synthesis first, then partners, recommendations, details."""
    diagnostic, result = _completed(token)
    from app.perspectives.views import officer_context  # imports this module

    progress = plan_progress.context(get_session(), diagnostic, result, current_lang(), score_text)
    return render_template(
        "results/show.html",
        progress=progress,
        **officer_context(diagnostic),
        **_page_context(token, diagnostic, result),
    )


@bp.get("/<token>/synthese.pdf")
def brief_pdf(token: str) -> Response:
    """Send the brief for élus as a PDF made on the server, charts drawn as SVG."""
    diagnostic, result = _completed(token)
    context = _page_context(token, diagnostic, result)
    context.update(followup.context(diagnostic, result, score_text))
    context["svgs"] = {
        spec["id"]: svg.figure_svg(spec["figure"], spec["caption"], score_text, spec["id"])
        for spec in (context["positioning_chart"], context["logics_chart"])
    }
    if context["peers"] is not None:
        context["svgs"]["chart-peers"] = svg.figure_svg(
            context["peers"]["figure"],
            _("Vos scores et ceux des collectivités comparables (sur 100)"),
            score_text,
            "chart-peers",
        )
    if context["portfolio"] and context["portfolio"]["figure"]:
        context["svgs"][portfolio_view.CHART_ID] = portfolio_view.chart_svg(
            context["portfolio"], score_text
        )
    context["svgs"].update(followup.svgs(context, score_text))
    html = render_template("results/brief.html", **context)
    return brief.pdf_response(html, current_app.static_folder or "", lang=current_lang())


def _export_data(token: str) -> dict[str, Any]:
    """Return the respondent's answers and stored result, ready for a download."""
    diagnostic, result = _completed(token)
    questionnaire = services.questionnaire_of(diagnostic)
    return downloads.export_data(diagnostic, result, stored_report(result), questionnaire)


@bp.get("/<token>/reponses.json")
def download_json(token: str) -> Response:
    """Send the respondent's answers and stored result as a JSON file."""
    return downloads.json_response(_export_data(token))


@bp.get("/<token>/reponses.csv")
def download_csv(token: str) -> Response:
    """Send the respondent's answers and stored result as a CSV file for a spreadsheet."""
    return downloads.csv_response(_export_data(token))


@bp.get("/<token>/supprimer")
def confirm_delete(token: str) -> str:
    """Render the page that asks to confirm the (irreversible) deletion."""
    diagnostic = _find(token)
    return render_template(
        "results/delete.html", token=token, completed=diagnostic.status == "completed"
    )


@bp.post("/<token>/supprimer")
def delete(token: str) -> ResponseReturnValue:
    """Delete the diagnostic and every result of it, then go back to the landing page."""
    services.delete(get_session(), _find(token))
    flash(_("Votre diagnostic a été supprimé."), "success")
    return redirect(url_for("main.index"))
