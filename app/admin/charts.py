"""The anonymised dashboard's figures: Plotly figures as dicts, each with its data table.

Anonymity is applied here, on the aggregates of ``queries.py``: below k shared diagnostics in the
selection nothing is shown; in every breakdown, categories under k, and those that would let
them be recomputed from the total, are masked (``anonymise.hidden_cells``); box plots are drawn
from quartiles computed by the server (no individual value reaches the browser).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import format_date, format_decimal, gettext

from app import partners
from app import questionnaire as qn
from app.admin.anonymise import hidden_cells
from app.admin.queries import POSITIONINGS, Aggregates, Box, Group

COLOURS = {
    "business_internationalisation": "#b34000",
    "economic_cooperation": "#000091",
    "multisector_cooperation": "#18753c",
}
TOP_RECOMMENDATIONS = 10
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 14}


@dataclass
class Chart:
    """One figure of the dashboard; figure is None when it is masked."""

    id: str
    caption: str
    figure: dict[str, Any] | None
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    reading: str | None = None
    note: str | None = None


@dataclass
class Dashboard:
    """What the dashboard page shows: the count and the figures, or only a notice."""

    k: int
    total: int | None
    charts: list[Chart]

    @property
    def suppressed(self) -> bool:
        """Return whether the whole dashboard is masked (fewer than k diagnostics)."""
        return self.total is None


def _(message: str, **variables: Any) -> str:
    """Return a message translated into the request's language."""
    return str(gettext(message, **variables))


# --- Labels -------------------------------------------------------------------------------------


def positioning_label(pid: str, lang: str) -> str:
    """Return a positioning's (or logic's) label."""
    try:
        return qn.current().dimension(pid).label.get(lang)
    except StopIteration:
        return pid


def short_label(pid: str) -> str:
    """Return a positioning's short name, for table headers."""
    names = {
        "business_internationalisation": _("Internationalisation des entreprises"),
        "economic_cooperation": _("Coopération économique"),
        "multisector_cooperation": _("Coopération multisectorielle"),
    }
    return names.get(pid, pid)


def option_label(question_id: str, code: str, lang: str) -> str:
    """Return the label of an option of a core question, found in the newest version having it."""
    for questionnaire in reversed(list(qn.load_all().values())):
        question = questionnaire.questions.get(question_id)
        option = question.option(code) if question else None
        if option is not None:
            return option.label.get(lang)
    return code


def region_label(code: str, _lang: str = "fr") -> str:
    """Return a region's name."""
    found = partners.region(code)
    return found.name if found else code


def income_label(group: str, lang: str) -> str:
    """Return the label of a partner income group ("none": no partner)."""
    if group == "none":
        return _("aucun partenaire")
    try:
        return partners.income_label(group, lang)
    except ValueError:
        return group


def recommendation_title(rec_id: str, lang: str) -> str:
    """Return a recommendation's title, from the newest questionnaire version that has it."""
    for questionnaire in reversed(list(qn.load_all().values())):
        for rule in questionnaire.rules:
            if rule.id == rec_id:
                return rule.title.get(lang)
    return rec_id


def month_label(month: str) -> str:
    """Return "janvier 2026" for "2026-01", in the request's language."""
    year, number = (int(x) for x in month.split("-"))
    return str(format_date(date(year, number, 1), "LLLL yyyy"))


def _count(n: int) -> str:
    """Return a count formatted for the request's language."""
    return str(format_decimal(n))


def _score(x: float) -> str:
    """Return a score with one decimal, formatted for the request's language."""
    return str(format_decimal(x, format="0.0"))


def _percent(n: int, total: int) -> str:
    """Return n as a percentage of total, without decimals."""
    return f"{format_decimal(100 * n / total, format='0')} %"


def masked() -> str:
    """Return the text of a masked table cell."""
    return _("masqué")


def masked_note(k: int) -> str:
    """Return the explanation of masked cells."""
    return _(
        "«\u00a0masqué\u00a0»\u00a0: moins de %(k)d réponses, ou case masquée pour qu'elle ne "
        "puisse pas être déduite du total (secret secondaire).",
        k=k,
    )


def too_few(k: int) -> str:
    """Return the notice of a figure computed from too few diagnostics."""
    return _("Moins de %(k)d réponses\u00a0: cette figure n'est pas affichée.", k=k)


# --- Figures ------------------------------------------------------------------------------------


def _layout(y_title: str, **extra: Any) -> dict[str, Any]:
    """Return the common layout of a figure."""
    layout: dict[str, Any] = {
        "font": FONT,
        "margin": {"l": 60, "r": 20, "t": 20, "b": 80},
        "legend": {"orientation": "h", "y": -0.25},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero"},
        "xaxis": {"automargin": True},
        "hovermode": "closest",
    }
    layout.update(extra)
    return layout


def _split(
    groups: dict[str, Group], k: int, order: Sequence[str] | None = None
) -> tuple[list[str], set[str]]:
    """Return the categories in display order and those to mask."""
    counts = {key: g.n for key, g in groups.items()}
    hidden = hidden_cells(counts, k)
    keys = [key for key in (order or sorted(groups)) if counts.get(key, 0) > 0]
    keys += sorted(key for key in groups if key not in keys and counts[key] > 0)
    return keys, hidden


def dominant_chart(agg: Aggregates, k: int, lang: str) -> Chart:
    """Return the distribution of dominant positionings (bars, masked cells left out)."""
    groups = agg.by("dominant")
    keys, hidden = _split(groups, k, POSITIONINGS)
    caption = _("Positionnement dominant des diagnostics partagés")
    shown = [key for key in keys if key not in hidden]
    if not shown:
        return Chart("chart-dominant", caption, None, note=too_few(k))
    total = agg.total
    figure = {
        "data": [
            {
                "type": "bar",
                "x": [positioning_label(key, lang) for key in shown],
                "y": [groups[key].n for key in shown],
                "marker": {"color": [COLOURS.get(key, "#666666") for key in shown]},
                "hovertemplate": "%{x}<br>%{y}<extra></extra>",
            }
        ],
        "layout": _layout(_("Nombre de diagnostics")),
    }
    rows = [
        [positioning_label(key, lang)]
        + (
            [masked(), masked()]
            if key in hidden
            else [_count(groups[key].n), _percent(groups[key].n, total)]
        )
        for key in keys
    ]
    top = max(shown, key=lambda key: groups[key].n)
    reading = _(
        "Lecture\u00a0: sur %(total)s diagnostics partagés, %(n)s (%(share)s) ont pour "
        "positionnement dominant «\u00a0%(label)s\u00a0».",
        total=_count(total),
        n=_count(groups[top].n),
        share=_percent(groups[top].n, total),
        label=positioning_label(top, lang),
    )
    return Chart(
        "chart-dominant",
        caption,
        figure,
        [_("Positionnement dominant"), _("Diagnostics"), _("Part")],
        rows,
        reading,
        masked_note(k) if hidden else None,
    )


def box_chart(agg: Aggregates, k: int, lang: str) -> Chart:
    """Return the distribution of each positioning score as box plots drawn from quartiles."""
    caption = _("Distribution des scores de positionnement (sur 100)")
    boxes: list[tuple[str, Box]] = [
        (pid, box) for pid in POSITIONINGS if (box := agg.box(pid)) is not None and box.n >= k
    ]
    if not boxes:
        return Chart("chart-scores", caption, None, note=too_few(k))
    data = [
        {
            "type": "box",
            "name": positioning_label(pid, lang),
            "x": [positioning_label(pid, lang)],
            "q1": [box.q1],
            "median": [box.median],
            "q3": [box.q3],
            "lowerfence": [box.p5],
            "upperfence": [box.p95],
            "mean": [box.mean],
            "boxpoints": False,
            "marker": {"color": COLOURS.get(pid, "#666666")},
            "showlegend": False,
        }
        for pid, box in boxes
    ]
    statistics: list[tuple[str, Callable[[Box], str]]] = [
        (_("Diagnostics"), lambda b: _count(b.n)),
        (_("5e centile"), lambda b: _score(b.p5)),
        (_("1er quartile"), lambda b: _score(b.q1)),
        (_("Médiane"), lambda b: _score(b.median)),
        (_("3e quartile"), lambda b: _score(b.q3)),
        (_("95e centile"), lambda b: _score(b.p95)),
        (_("Moyenne"), lambda b: _score(b.mean)),
    ]
    rows = [[name] + [value(box) for _pid, box in boxes] for name, value in statistics]
    reading = _(
        "Lecture\u00a0: la boîte va du premier au troisième quartile, le trait central est la "
        "médiane, les moustaches vont du 5e au 95e centile. Aucune valeur individuelle n'est "
        "représentée."
    )
    return Chart(
        "chart-scores",
        caption,
        {"data": data, "layout": _layout(_("Score"), yaxis={"range": [0, 100]})},
        [_("Statistique")] + [short_label(pid) for pid, _box in boxes],
        rows,
        reading,
    )


def mean_scores_chart(
    chart_id: str,
    caption: str,
    category_header: str,
    groups: dict[str, Group],
    label: Callable[[str], str],
    k: int,
    lang: str,
    order: Sequence[str] | None = None,
) -> Chart:
    """Return mean positioning scores per category as grouped bars, masking small categories."""
    keys, hidden = _split(groups, k, order)
    shown = [key for key in keys if key not in hidden]
    if not shown:
        return Chart(chart_id, caption, None, note=too_few(k))
    data = [
        {
            "type": "bar",
            "name": positioning_label(pid, lang),
            "x": [label(key) for key in shown],
            "y": [round(groups[key].mean(pid), 1) for key in shown],
            "marker": {"color": COLOURS.get(pid, "#666666")},
            "hovertemplate": "%{x}<br>%{y:.1f}<extra>" + positioning_label(pid, lang) + "</extra>",
        }
        for pid in POSITIONINGS
    ]
    rows = [
        [label(key)]
        + (
            [masked()] * (1 + len(POSITIONINGS))
            if key in hidden
            else [_count(groups[key].n)] + [_score(groups[key].mean(p)) for p in POSITIONINGS]
        )
        for key in keys
    ]
    headers = [category_header, _("Diagnostics")] + [short_label(p) for p in POSITIONINGS]
    layout = _layout(_("Score moyen (sur 100)"), barmode="group", yaxis={"range": [0, 100]})
    return Chart(
        chart_id,
        caption,
        {"data": data, "layout": layout},
        headers,
        rows,
        _(
            "Lecture\u00a0: chaque groupe de barres donne le score moyen de chaque positionnement "
            "pour les diagnostics de la catégorie."
        ),
        masked_note(k) if hidden else None,
    )


def recommendations_chart(agg: Aggregates, k: int, lang: str) -> Chart:
    """Return the most frequent recommendations (those given to at least k diagnostics)."""
    caption = _("Recommandations les plus fréquentes")
    total = agg.total
    frequent = [(r, n) for r, n in agg.recommendations.items() if n >= k][:TOP_RECOMMENDATIONS]
    if not frequent:
        return Chart("chart-recommendations", caption, None, note=too_few(k))
    shown = frequent[::-1]  # Plotly draws horizontal bars bottom-up
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [recommendation_title(r, lang) for r, _n in shown],
                "x": [round(100 * n / total, 1) for _r, n in shown],
                "marker": {"color": "#000091"},
                "hovertemplate": "%{y}<br>%{x:.0f} %<extra></extra>",
            }
        ],
        "layout": _layout(
            "",
            xaxis={"title": {"text": _("Part des diagnostics (%)")}, "range": [0, 100]},
            yaxis={"automargin": True},
            margin={"l": 20, "r": 20, "t": 20, "b": 60},
        ),
    }
    rows = [[recommendation_title(r, lang), _count(n), _percent(n, total)] for r, n in frequent]
    first, n_first = frequent[0]
    reading = _(
        "Lecture\u00a0: «\u00a0%(title)s\u00a0» est recommandée à %(share)s des diagnostics "
        "partagés. Les recommandations faites à moins de %(k)d diagnostics ne sont pas listées.",
        title=recommendation_title(first, lang),
        share=_percent(n_first, total),
        k=k,
    )
    return Chart(
        "chart-recommendations",
        caption,
        figure,
        [_("Recommandation"), _("Diagnostics"), _("Part")],
        rows,
        reading,
    )


def monthly_chart(agg: Aggregates, k: int, lang: str) -> Chart:
    """Return the number of shared diagnostics per month, small months masked."""
    caption = _("Diagnostics partagés par mois")
    groups = agg.by("month")
    keys, hidden = _split(groups, k)
    shown = [key for key in keys if key not in hidden]
    if not shown:
        return Chart("chart-months", caption, None, note=too_few(k))
    data: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": _("Diagnostics"),
            "x": list(shown),
            "y": [groups[key].n for key in shown],
            "marker": {"color": "#929292"},
            "yaxis": "y2",
            "opacity": 0.5,
            "hovertemplate": "%{x}<br>%{y}<extra></extra>",
        }
    ]
    data += [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": positioning_label(pid, lang),
            "x": list(shown),
            "y": [round(groups[key].mean(pid), 1) for key in shown],
            "line": {"color": COLOURS.get(pid, "#666666")},
            "connectgaps": False,
        }
        for pid in POSITIONINGS
    ]
    layout = _layout(
        _("Score moyen (sur 100)"),
        yaxis={"range": [0, 100], "title": {"text": _("Score moyen (sur 100)")}},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "title": {"text": _("Diagnostics")},
            "showgrid": False,
        },
        xaxis={"type": "category", "automargin": True},
    )
    rows = [
        [month_label(key)]
        + (
            [masked()] * (1 + len(POSITIONINGS))
            if key in hidden
            else [_count(groups[key].n)] + [_score(groups[key].mean(p)) for p in POSITIONINGS]
        )
        for key in keys
    ]
    headers = [_("Mois"), _("Diagnostics")] + [short_label(p) for p in POSITIONINGS]
    reading = _(
        "Lecture\u00a0: les barres donnent le nombre de diagnostics partagés chaque mois (échelle "
        "de droite), les courbes le score moyen de chaque positionnement (échelle de gauche). Les "
        "mois de moins de %(k)d diagnostics sont masqués.",
        k=k,
    )
    return Chart(
        "chart-months",
        caption,
        {"data": data, "layout": layout},
        headers,
        rows,
        reading,
        masked_note(k) if hidden else None,
    )


def _version_label(version: str) -> str:
    """Return the label of a questionnaire version."""
    return _("version %(v)s", v=version)


def build(agg: Aggregates, k: int, lang: str) -> Dashboard:
    """Return the dashboard of some aggregates: everything masked below k diagnostics."""
    if agg.total < k:
        return Dashboard(k, None, [])
    type_order = [o.code for o in qn.current().questions["collectivity_type"].options]
    income_order = [*partners.INCOME_GROUPS, "none"]
    charts = [
        dominant_chart(agg, k, lang),
        box_chart(agg, k, lang),
        mean_scores_chart(
            "chart-types",
            _("Scores moyens par type de collectivité"),
            _("Type de collectivité"),
            agg.by("collectivity_type"),
            lambda code: option_label("collectivity_type", code, lang),
            k,
            lang,
            type_order,
        ),
        mean_scores_chart(
            "chart-income",
            _("Scores moyens selon le niveau de revenu des pays partenaires"),
            _("Revenu dominant des pays partenaires"),
            agg.by("income_group"),
            lambda group: income_label(group, lang),
            k,
            lang,
            income_order,
        ),
        recommendations_chart(agg, k, lang),
        monthly_chart(agg, k, lang),
        mean_scores_chart(
            "chart-versions",
            _("Scores moyens par version du questionnaire"),
            _("Version du questionnaire"),
            agg.by("version"),
            _version_label,
            k,
            lang,
            sorted(agg.by("version"), key=_version_key),
        ),
    ]
    return Dashboard(k, agg.total, charts)


def _version_key(version: str) -> tuple[int, str]:
    """Return a sort key putting version "10" after "9"."""
    return (int(version), version) if version.isdigit() else (0, version)
