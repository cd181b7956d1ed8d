"""The anonymised dashboard's figures: Plotly figures as dicts, each with its data table.

Every figure is read from the published snapshot (``app.stats``), whose figures were released
with differential privacy: each is shown as a noisy estimate with the half-width of its 95 %
interval (« ± »), counts under k after noise as « moins de k ». Breakdowns (by type, income
group, half-year, version) and the quartiles are published for the whole set only; a filter
shows the released figures of its own cell. No individual value reaches the browser.
"""

from __future__ import annotations

import functools
import json
import math
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import format_date, format_decimal, gettext

from app import partners
from app import questionnaire as qn
from app.charts import wrap_label
from app.core.summary import summarised
from app.stats import mechanisms
from app.stats.release import (
    IMPRECISE,
    POSITIONINGS,
    Answers,
    Estimate,
    Release,
    Selection,
    quantile_of_histogram,
)

COLOURS = {
    "business_internationalisation": "#b34000",
    "economic_cooperation": "#000091",
    "multisector_cooperation": "#18753c",
}
TOP_RECOMMENDATIONS = 10
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 14}
# Category labels are drawn on the left of horizontal bars, wrapped at this many characters, so
# that long names (« Intercommunalité (communauté de communes, …) ») neither turn nor get cut.
LABEL_WIDTH = 22
BAR_PX = 22  # height of one bar
GROUP_GAP_PX = 26  # space between two categories
LINE_PX = 19  # one line of a category label
LEGEND_PX = 80  # the legend's rows above the plot (three rows on a phone)


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


@dataclass(frozen=True)
class Tile:
    """A key figure at the top of the dashboard: a released estimate, already formatted."""

    id: str
    label: str
    value: str
    margin: str = ""


@dataclass
class Dashboard:
    """What the dashboard page shows: the noisy count and the figures, or only a notice."""

    k: int
    total: Estimate | None
    charts: list[Chart]
    tiles: list[Tile] = field(default_factory=list)

    def chart(self, chart_id: str) -> Chart | None:
        """Return the figure of that id, None if the dashboard has none."""
        return next((c for c in self.charts if c.id == chart_id), None)

    @property
    def suppressed(self) -> bool:
        """Return whether the whole dashboard is masked (fewer than k diagnostics after noise)."""
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


def _percent(share: float) -> str:
    """Return a share (0–1) as a percentage, without decimals."""
    return f"{format_decimal(100 * share, format='0')}\u00a0%"


def count_text(estimate: Estimate, k: int) -> str:
    """Return a noisy count with its margin, or « moins de k » below k."""
    if estimate.below(k):
        return fewer_than(k)
    return f"{_count(round(estimate.value))} ± {_count(round(estimate.margin))}"


def score_text(estimate: Estimate) -> str:
    """Return a noisy score with its margin ("48,2 ± 6,1"), or says it is too imprecise."""
    if estimate.margin > IMPRECISE:
        return _("trop imprécis (± %(margin)s)", margin=_score(estimate.margin))
    return f"{_score(estimate.value)} ± {_score(estimate.margin)}"


def _drawn(estimate: Estimate) -> float | None:
    """Return a mean to draw, None (a gap) when its margin makes it meaningless."""
    return None if estimate.margin > IMPRECISE else round(estimate.value, 1)


def share_text(estimate: Estimate) -> str:
    """Return a noisy share with its margin, in percentage points."""
    return f"{_percent(estimate.value)} ± {format_decimal(100 * estimate.margin, format='0')}"


def fewer_than(k: int) -> str:
    """Return the text of a count under k after noise."""
    return _("moins de %(k)d", k=k)


def masked_note(k: int) -> str:
    """Return the explanation of the cells under k."""
    return _(
        "«\u00a0moins de %(k)d\u00a0»\u00a0: l'estimation bruitée est inférieure à %(k)d "
        "diagnostics\u00a0; la catégorie n'est pas représentée.",
        k=k,
    )


def too_few(k: int) -> str:
    """Return the notice of a figure computed from too few diagnostics."""
    return _("Moins de %(k)d réponses\u00a0: cette figure n'est pas affichée.", k=k)


def whole_set_only() -> str:
    """Return the notice of a breakdown published for the whole set only."""
    return _(
        "Cette ventilation n'est publiée que pour l'ensemble des diagnostics partagés (un seul "
        "critère à la fois)."
    )


def noisy_reading() -> str:
    """Return the sentence that says how to read a noisy figure."""
    return _(
        "Chaque chiffre est une estimation bruitée («\u00a0±\u00a0»\u00a0: demi-largeur de "
        "l'intervalle à 95\u00a0%)."
    )


# --- Figures ------------------------------------------------------------------------------------


# Characters per line of a value axis's title: centred under the plot area, which the wrapped
# category labels leave narrow on a phone, a longer line would run out of the chart.
AXIS_TITLE_WIDTH = 18


def _layout(
    value_title: str, categories: Sequence[str] = ("",), series: int = 1, **extra: Any
) -> dict[str, Any]:
    """Return the layout of a horizontal bar figure: categories (wrapped labels) on the left,
    values along the bottom, the legend above the plot (never on the data), margins that grow
    to fit; each category is as tall as its bars or its label's lines.
    """
    rows = sum(
        max(series * BAR_PX + GROUP_GAP_PX, LINE_PX * (c.count("<br>") + 1) + GROUP_GAP_PX)
        for c in categories
    )
    height = 90 + rows + (LEGEND_PX if series > 1 else 0)
    layout: dict[str, Any] = {
        "font": FONT,
        "height": max(height, 200),
        "autosize": True,
        "margin": {"l": 8, "r": 16, "t": 16 if series == 1 else 24, "b": 48, "pad": 4},
        "showlegend": series > 1,
        "legend": {
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 1.02,
            "yanchor": "bottom",
            "traceorder": "normal",
        },
        "xaxis": {
            # Wrapped, so that a long title stays inside a phone-width chart.
            "title": {"text": wrap_label(value_title, AXIS_TITLE_WIDTH)},
            "rangemode": "tozero",
            "automargin": True,
            "fixedrange": True,
        },
        "yaxis": {"automargin": True, "autorange": "reversed", "fixedrange": True},
        "hovermode": "closest",
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


def _category(text: str) -> str:
    """Return a category label wrapped for the left of a horizontal bar."""
    return wrap_label(text, LABEL_WIDTH)


def _error(margins: Sequence[float]) -> dict[str, Any]:
    """Return Plotly error bars drawing the margins."""
    return {"type": "data", "array": [round(m, 1) for m in margins], "visible": True}


def dominant_chart(sel: Selection, k: int, lang: str) -> Chart:
    """Return the noisy distribution of dominant positionings (counts under k left out)."""
    caption = _("Positionnement dominant des diagnostics partagés")
    counts = {p: sel.dominant(p) for p in POSITIONINGS}
    shown = [p for p in POSITIONINGS if not counts[p].below(k)]
    if not shown:
        return Chart("chart-dominant", caption, None, note=too_few(k))
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [_category(positioning_label(p, lang)) for p in shown],
                "x": [round(counts[p].value) for p in shown],
                "error_x": _error([counts[p].margin for p in shown]),
                "marker": {"color": [COLOURS.get(p, "#666666") for p in shown]},
                "hovertemplate": "%{y}<br>≈ %{x}<extra></extra>",
            }
        ],
        "layout": _layout(
            _("Nombre de diagnostics (estimation)"),
            [_category(positioning_label(p, lang)) for p in shown],
            # Counts run into thousands: few ticks, so that they never touch on a phone.
            xaxis={"nticks": 4},
        ),
    }
    rows = [
        [positioning_label(p, lang)]
        + (
            [fewer_than(k), "—"]
            if counts[p].below(k)
            else [count_text(counts[p], k), share_text(sel.share(p))]
        )
        for p in POSITIONINGS
    ]
    top = max(shown, key=lambda p: counts[p].value)
    reading = _(
        "Lecture\u00a0: environ %(share)s des diagnostics partagés ont pour positionnement "
        "dominant «\u00a0%(label)s\u00a0».",
        share=_percent(sel.share(top).value),
        label=positioning_label(top, lang),
    )
    return Chart(
        "chart-dominant",
        caption,
        figure,
        [_("Positionnement dominant"), _("Diagnostics"), _("Part")],
        rows,
        f"{reading} {noisy_reading()}",
        masked_note(k) if len(shown) < len(POSITIONINGS) else None,
    )


def box_chart(release: Release, total: Estimate, lang: str) -> Chart:
    """Return each positioning score's quartiles read from its noisy histogram, from
    ``release.box_minimum()`` diagnostics (noisy count) only.
    """
    caption = _("Distribution des scores de positionnement (sur 100)")
    histograms = {p: release.histogram(p) for p in POSITIONINGS}
    minimum = release.box_minimum()
    if total.value < minimum or any(sum(h) <= 0 for h in histograms.values()):
        note = _(
            "Les quartiles ne sont publiés qu'à partir de %(n)d diagnostics (estimation "
            "bruitée)\u00a0: en deçà, le bruit les rendrait sans signification.",
            n=minimum,
        )
        return Chart("chart-scores", caption, None, note=note)
    levels = (0.1, 0.25, 0.5, 0.75, 0.9)
    quantiles = {p: [quantile_of_histogram(histograms[p], q) for q in levels] for p in POSITIONINGS}
    data = [
        {
            "type": "box",
            "orientation": "h",
            "name": short_label(p),
            "y": [_category(positioning_label(p, lang))],
            "lowerfence": [quantiles[p][0]],
            "q1": [quantiles[p][1]],
            "median": [quantiles[p][2]],
            "q3": [quantiles[p][3]],
            "upperfence": [quantiles[p][4]],
            "boxpoints": False,
            "marker": {"color": COLOURS.get(p, "#666666")},
            "showlegend": False,
        }
        for p in POSITIONINGS
    ]
    names = [_("10e centile"), _("1er quartile"), _("Médiane"), _("3e quartile"), _("90e centile")]
    rows = [
        [name] + [_score(quantiles[p][i]) for p in POSITIONINGS] for i, name in enumerate(names)
    ]
    reading = _(
        "Lecture\u00a0: la boîte va du premier au troisième quartile, le trait central est la "
        "médiane, les moustaches vont du 10e au 90e centile. Ces valeurs sont lues dans un "
        "histogramme bruité des scores par tranches de 10 points\u00a0: ce sont des estimations, "
        "jamais des valeurs individuelles."
    )
    return Chart(
        "chart-scores",
        caption,
        {
            "data": data,
            "layout": _layout(
                _("Score"),
                [_category(positioning_label(p, lang)) for p in POSITIONINGS],
                xaxis={"range": [0, 100]},
            ),
        },
        [_("Statistique")] + [short_label(p) for p in POSITIONINGS],
        rows,
        reading,
    )


def _positioning_rows(
    cells: dict[str, Selection],
    label: Callable[[str], str],
    k: int,
    figure: Callable[[Selection, str], str],
) -> list[list[str]]:
    """Return a table's rows: category, released count, then one figure per positioning
    (« moins de k » and dashes for a category whose count is under k)."""
    return [
        [label(key)]
        + (
            [fewer_than(k)] + ["—"] * len(POSITIONINGS)
            if cell.n.below(k)
            else [count_text(cell.n, k)] + [figure(cell, p) for p in POSITIONINGS]
        )
        for key, cell in cells.items()
    ]


def mean_scores_chart(
    chart_id: str,
    caption: str,
    category_header: str,
    cells: dict[str, Selection],
    label: Callable[[str], str],
    k: int,
    lang: str,
) -> Chart:
    """Return noisy mean positioning scores per category as grouped bars with error bars."""
    shown = [key for key, cell in cells.items() if not cell.n.below(k)]
    if not shown:
        return Chart(chart_id, caption, None, note=too_few(k))
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": short_label(pid),
            "y": [_category(label(key)) for key in shown],
            "x": [_drawn(cells[key].mean(pid)) for key in shown],
            "error_x": _error([cells[key].mean(pid).margin for key in shown]),
            "marker": {"color": COLOURS.get(pid, "#666666")},
            "hovertemplate": "%{y}<br>%{x:.1f}<extra>" + positioning_label(pid, lang) + "</extra>",
        }
        for pid in POSITIONINGS
    ]
    rows = _positioning_rows(cells, label, k, lambda cell, p: score_text(cell.mean(p)))
    headers = [category_header, _("Diagnostics")] + [short_label(p) for p in POSITIONINGS]
    layout = _layout(
        _("Score moyen (sur 100)"),
        [_category(label(key)) for key in shown],
        len(POSITIONINGS),
        barmode="group",
        xaxis={"range": [0, 100]},
    )
    return Chart(
        chart_id,
        caption,
        {"data": data, "layout": layout},
        headers,
        rows,
        _(
            "Lecture\u00a0: chaque groupe de barres donne le score moyen estimé de chaque "
            "positionnement pour les diagnostics de la catégorie, avec sa marge."
        )
        + " "
        + noisy_reading(),
        masked_note(k) if len(shown) < len(cells) else None,
    )


def recommendations_chart(release: Release, total: Estimate, k: int, lang: str) -> Chart:
    """Return the most frequent recommendations (noisy counts of at least k)."""
    caption = _("Recommandations les plus fréquentes")
    found = release.recommendations()
    # Listed only when the estimate reaches k and exceeds its own margin (clearly not zero).
    frequent = [(r, n) for r, n in found.items() if not n.below(max(k, n.margin))]
    frequent = frequent[:TOP_RECOMMENDATIONS]
    if not frequent or total.value <= 0:
        return Chart("chart-recommendations", caption, None, note=too_few(k))
    shares = {
        r: Estimate(min(1.0, n.value / total.value), n.margin / total.value) for r, n in frequent
    }
    shown = frequent[::-1]  # Plotly draws horizontal bars bottom-up
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [_category(recommendation_title(r, lang)) for r, _n in shown],
                "x": [round(100 * shares[r].value, 1) for r, _n in shown],
                "error_x": _error([100 * shares[r].margin for r, _n in shown]),
                "marker": {"color": "#000091"},
                "hovertemplate": "%{y}<br>%{x:.0f} %<extra></extra>",
            }
        ],
        "layout": _layout(
            _("Part des diagnostics (%)"),
            [_category(recommendation_title(r, lang)) for r, _n in shown],
            xaxis={"range": [0, 100]},
            yaxis={"autorange": True},
        ),
    }
    rows = [
        [recommendation_title(r, lang), count_text(n, k), share_text(shares[r])]
        for r, n in frequent
    ]
    first = frequent[0][0]
    reading = _(
        "Lecture\u00a0: «\u00a0%(title)s\u00a0» est recommandée à environ %(share)s des "
        "diagnostics partagés. Les recommandations faites à moins de %(k)d diagnostics (estimation "
        "bruitée), ou dont l'estimation ne dépasse pas sa marge, ne sont pas listées.",
        title=recommendation_title(first, lang),
        share=_percent(shares[first].value),
        k=k,
    )
    return Chart(
        "chart-recommendations",
        caption,
        figure,
        [_("Recommandation"), _("Diagnostics"), _("Part")],
        rows,
        f"{reading} {noisy_reading()}",
    )


# --- Map ----------------------------------------------------------------------------------------

MAP_FILE = Path(__file__).resolve().parents[1] / "data" / "regions-map.geojson"
MAP_CLASSES = ("#c6d1f3", "#8196e0", "#3d56c4", "#000091")  # light to dark, one per class
MAP_MASKED = "#e5e5e5"
MAP_CREDIT = "IGN, Admin Express COG 2018"


@functools.cache
def region_outlines() -> dict[str, Any]:
    """Return the regions' simplified outlines, overseas insets laid out (assets/geo/)."""
    outlines: dict[str, Any] = json.loads(MAP_FILE.read_text(encoding="utf-8"))
    return outlines


def _rings(geometry: dict[str, Any]) -> Iterator[list[list[float]]]:
    """Yield the outer ring of each polygon of a GeoJSON geometry."""
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    for polygon in polygons:
        yield polygon[0]


def _class_bounds(values: Sequence[float]) -> list[int]:
    """Return the upper bounds of the map's colour classes: equal steps up to the largest."""
    top = max(values)
    step = max(1, math.ceil(top / len(MAP_CLASSES) / 5) * 5)
    return [step * (i + 1) for i in range(len(MAP_CLASSES))]


def _map_trace(name: str, colour: str, features: list[dict[str, Any]]) -> dict[str, Any]:
    """Return one filled scatter trace drawing the outlines of these regions in one colour."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for feature in features:
        for ring in _rings(feature["geometry"]):
            xs += [x for x, _y in ring] + [None]
            ys += [y for _x, y in ring] + [None]
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": xs,
        "y": ys,
        "fill": "toself",
        "fillcolor": colour,
        "line": {"color": "#ffffff", "width": 0.8},
        "hoveron": "fills",
        "hoverinfo": "name",
    }


def _inset_frames(features: list[dict[str, Any]]) -> dict[str, Any]:
    """Return a trace drawing the box of each overseas inset."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for feature in features:
        x, y, side = feature["properties"]["box"]
        xs += [x, x + side, x + side, x, x, None]
        ys += [y, y, y + side, y + side, y, None]
    return {
        "type": "scatter",
        "mode": "lines",
        "x": xs,
        "y": ys,
        "line": {"color": "#6f6f6f", "width": 1},
        "hoverinfo": "skip",
        "showlegend": False,
    }


def _map_legend(bounds: Sequence[int], index: int, k: int) -> str:
    """Return the legend of a colour class: « 5 à 20 », « 21 à 40 »…"""
    low = k if index == 0 else bounds[index - 1] + 1
    return _("%(low)s à %(high)s", low=_count(low), high=_count(bounds[index]))


def _sort_key(name: str) -> str:
    """Return a name without its accents, to sort « Île-de-France » among the I."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


def map_chart(release: Release, k: int) -> Chart:
    """Return the map of the shared diagnostics per region (noisy counts, under k in grey)."""
    caption = _("Diagnostics partagés par région")
    cells = release.cells_of("region")
    features = region_outlines()["features"]
    counts = {code: cell.n for code, cell in cells.items()}
    shown = [c for c in counts.values() if not c.below(k)]
    if not shown:
        return Chart("chart-map", caption, None, note=too_few(k))
    bounds = _class_bounds([c.value for c in shown])
    classes: list[list[dict[str, Any]]] = [[] for _b in MAP_CLASSES]
    masked: list[dict[str, Any]] = []
    for feature in features:
        count = counts.get(feature["properties"]["code"])
        if count is None or count.below(k):
            masked.append(feature)
            continue
        index = next((i for i, b in enumerate(bounds) if count.value <= b), len(bounds) - 1)
        classes[index].append(feature)
    data = [_inset_frames([f for f in features if f["properties"]["inset"]])]
    if masked:
        data.append(_map_trace(fewer_than(k), MAP_MASKED, masked))
    data += [
        _map_trace(_map_legend(bounds, i, k), colour, classes[i])
        for i, colour in enumerate(MAP_CLASSES)
    ]
    rows = [
        [
            region_label(code),
            _("Outre-mer") if code in release.domains.overseas else _("Métropole"),
            count_text(count, k),
        ]
        for code, count in sorted(counts.items(), key=lambda item: _sort_key(region_label(item[0])))
    ]
    hidden = {"visible": False, "fixedrange": True}
    layout = {
        "font": FONT,
        "height": 560,
        "autosize": True,
        "margin": {"l": 4, "r": 4, "t": 16, "b": 4},
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "xaxis": hidden,
        "yaxis": {**hidden, "scaleanchor": "x", "scaleratio": 1},
        "plot_bgcolor": "#ffffff",
        "hovermode": "closest",
        "annotations": [
            {
                "text": f["properties"]["nom"],
                "x": f["properties"]["box"][0] + f["properties"]["box"][2] / 2,
                "y": f["properties"]["box"][1] + f["properties"]["box"][2],
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11},
            }
            for f in features
            if f["properties"]["inset"]
        ],
    }
    reading = _(
        "Lecture\u00a0: plus la région est foncée, plus elle compte de diagnostics partagés "
        "(estimation bruitée)\u00a0; en gris, moins de %(k)d. Les cinq régions d'outre-mer sont "
        "en encadré, chacune à sa propre échelle. Fonds de carte\u00a0: %(credit)s, Licence "
        "Ouverte.",
        k=k,
        credit=MAP_CREDIT,
    )
    return Chart(
        "chart-map",
        caption,
        {"data": data, "layout": layout},
        [_("Région"), _("Territoire"), _("Diagnostics")],
        rows,
        f"{reading} {noisy_reading()}",
        masked_note(k) if masked else None,
    )


def period_label(half_year: str) -> str:
    """Return "1er semestre 2026" for "2026-S1"."""
    year, half = half_year.split("-S")
    if half == "1":
        return _("1er semestre %(year)s", year=year)
    return _("2e semestre %(year)s", year=year)


def _version_label(version: str) -> str:
    """Return the label of a questionnaire version."""
    return _("version %(v)s", v=version)


def dominant_by_type_chart(types: dict[str, Selection], k: int, lang: str) -> Chart:
    """Return the noisy shares of each dominant positioning per collectivity type."""
    caption = _("Positionnement dominant par type de collectivité")
    shown = [key for key, cell in types.items() if not cell.n.below(k)]
    if not shown:
        return Chart("chart-types-dominant", caption, None, note=too_few(k))

    def label(code: str) -> str:
        return option_label("collectivity_type", code, lang)

    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": short_label(pid),
            "y": [_category(label(key)) for key in shown],
            "x": [round(100 * types[key].share(pid).value, 1) for key in shown],
            "error_x": _error([100 * types[key].share(pid).margin for key in shown]),
            "marker": {"color": COLOURS.get(pid, "#666666")},
            "hovertemplate": "%{y}<br>%{x:.0f} %<extra>"
            + positioning_label(pid, lang)
            + "</extra>",
        }
        for pid in POSITIONINGS
    ]
    rows = _positioning_rows(types, label, k, lambda cell, p: share_text(cell.share(p)))
    layout = _layout(
        _("Part des diagnostics (%)"),
        [_category(label(key)) for key in shown],
        len(POSITIONINGS),
        barmode="group",
        xaxis={"range": [0, 100]},
    )
    return Chart(
        "chart-types-dominant",
        caption,
        {"data": data, "layout": layout},
        [_("Type de collectivité"), _("Diagnostics")] + [short_label(p) for p in POSITIONINGS],
        rows,
        _(
            "Lecture\u00a0: pour chaque type de collectivité, la part estimée des diagnostics "
            "dont chaque positionnement est le dominant."
        )
        + " "
        + noisy_reading(),
        masked_note(k) if len(shown) < len(types) else None,
    )


def _breakdowns(release: Release, k: int, lang: str) -> list[Chart]:
    """Return the breakdowns of the whole set, each read from its own released cells."""
    types = release.cells_of("collectivity_type")
    return [
        dominant_by_type_chart(types, k, lang),
        mean_scores_chart(
            "chart-types",
            _("Scores moyens par type de collectivité"),
            _("Type de collectivité"),
            types,
            lambda code: option_label("collectivity_type", code, lang),
            k,
            lang,
        ),
        mean_scores_chart(
            "chart-income",
            _("Scores moyens selon le niveau de revenu des pays partenaires"),
            _("Revenu dominant des pays partenaires"),
            release.cells_of("income_group"),
            lambda group: income_label(group, lang),
            k,
            lang,
        ),
        mean_scores_chart(
            "chart-periods",
            _("Scores moyens par semestre"),
            _("Semestre"),
            release.cells_of("half_year"),
            period_label,
            k,
            lang,
        ),
        mean_scores_chart(
            "chart-versions",
            _("Scores moyens par version du questionnaire"),
            _("Version du questionnaire"),
            release.cells_of("version"),
            _version_label,
            k,
            lang,
        ),
    ]


def _estimate_tile(tile_id: str, label: str, estimate: Estimate, k: int) -> Tile:
    """Return a tile of a noisy count: « moins de k » below k, else the value and its margin."""
    if estimate.below(k):
        return Tile(tile_id, label, fewer_than(k))
    margin = f"± {_count(round(estimate.margin))}"
    return Tile(tile_id, label, _count(round(estimate.value)), margin)


def year_tiles(release: Release, k: int) -> list[Tile]:
    """Return the diagnostics shared in the last two years of the released half-years."""
    years = sorted({v.split("-S")[0] for v in release.domains.of("half_year")})[-2:]
    tiles = []
    for year in reversed(years):
        found = release.selection("year", year)
        if found is not None:
            label = _("Diagnostics partagés en %(year)s (estimation)", year=year)
            tiles.append(_estimate_tile(f"tile-year-{year}", label, found.n, k))
    return tiles


def dominant_tiles(sel: Selection, k: int, lang: str) -> list[Tile]:
    """Return the released share of each dominant positioning (« moins de k » hides one)."""
    tiles = []
    for pid in POSITIONINGS:
        label = _(
            "Positionnement dominant «\u00a0%(label)s\u00a0»", label=positioning_label(pid, lang)
        )
        if sel.dominant(pid).below(k):
            tiles.append(Tile(f"tile-{pid}", label, fewer_than(k)))
            continue
        share = sel.share(pid)
        margin = format_decimal(100 * share.margin, format="0")
        tiles.append(Tile(f"tile-{pid}", label, _percent(share.value), f"± {margin}"))
    return tiles


# --- Per-question summaries and re-diagnosis changes (whole set only) ---------------------------


def _share_shown(count: Estimate, share: Estimate, k: int) -> bool:
    """Return whether a row of a question's summary is drawn: at least k after noise, and a
    share whose margin stays within IMPRECISE points.
    """
    return not count.below(k) and 100 * share.margin <= IMPRECISE


def precise_from(answers: Answers, total: Estimate) -> int:
    """Return the number of diagnostics of a version from which every share of its per-option
    counts stays within IMPRECISE points: n ≥ √(count margin² + total margin²) / IMPRECISE %,
    rounded up to ten (``Answers.share`` bounds a share's margin so, whatever its value).
    """
    spread = math.hypot(mechanisms.margin((answers.scale,)), total.margin)
    return 10 * math.ceil(spread * 100 / IMPRECISE / 10)


def question_chart(
    question: qn.Question, answers: Answers, total: Estimate, k: int, lang: str
) -> Chart:
    """Return one question's summary as its type gives it (options, bands, income groups…): the
    noisy share of the version's diagnostics counted in each row, as horizontal bars with the
    margins, and its table (« moins de k », « trop imprécis » as elsewhere).
    """
    chart_id = f"chart-q{answers.version}-{question.id}"
    caption = _(
        "%(question)s (version %(v)s)", question=question.label.get(lang), v=answers.version
    )
    rows = question.kind.summary(question, [], lang)
    counts = {r.code: answers.count(question.id, r.code) for r in rows}
    shares = {r.code: answers.share(question.id, r.code, total) for r in rows}
    shown = [r for r in rows if _share_shown(counts[r.code], shares[r.code], k)]
    table_rows = []
    for r in rows:
        count, share = counts[r.code], shares[r.code]
        if count.below(k):
            table_rows.append([r.label, fewer_than(k), "—"])
        elif 100 * share.margin > IMPRECISE:
            imprecise = _("trop imprécis (± %(margin)s)", margin=_score(100 * share.margin))
            table_rows.append([r.label, count_text(count, k), imprecise])
        else:
            table_rows.append([r.label, count_text(count, k), share_text(share)])
    headers = [_("Réponse"), _("Diagnostics"), _("Part des diagnostics de la version")]
    if not shown:
        note = _(
            "Aucune réponse n'atteint %(k)d diagnostics avec une part précise à %(p)s points "
            "près (estimation bruitée).",
            k=k,
            p=_count(round(IMPRECISE)),
        )
        return Chart(chart_id, caption, None, headers, table_rows, note=note)
    labels = [_category(r.label) for r in shown]
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": labels,
                "x": [round(100 * shares[r.code].value, 1) for r in shown],
                "error_x": _error([100 * shares[r.code].margin for r in shown]),
                "marker": {"color": "#000091"},
                "hovertemplate": "%{y}<br>%{x:.0f} %<extra></extra>",
            }
        ],
        "layout": _layout(_("Part des diagnostics (%)"), labels, xaxis={"range": [0, 100]}),
    }
    reading = _(
        "Lecture : part estimée des diagnostics partagés de la version %(v)s comptés dans "
        "chaque réponse (un diagnostic compte une fois par réponse qu'il a cochée, et une fois "
        "seulement pour une question répétée, quel que soit son nombre de blocs).",
        v=answers.version,
    )
    return Chart(
        chart_id,
        caption,
        figure,
        headers,
        table_rows,
        f"{reading} {noisy_reading()}",
        masked_note(k) if len(shown) < len(rows) else None,
    )


def question_charts(release: Release, k: int, lang: str) -> list[Chart]:
    """Return the per-question summaries of every questionnaire version the snapshot released,
    each question asking its own type for its rows; a version under k diagnostics after noise,
    or whose every figure is too imprecise, gets one notice instead.
    """
    charts: list[Chart] = []
    versions = qn.load_all()
    for version in release.domains.of("answers"):
        answers = release.answers(version)
        questionnaire = versions.get(version)
        cell = release.cell("version", version)
        if answers is None or questionnaire is None or cell is None:
            continue
        chart_id = f"chart-q{version}"
        caption = _("Réponses aux questions (version %(v)s)", v=version)
        if cell.n.below(k):
            note = _(
                "Moins de %(k)d diagnostics partagés sur la version %(v)s (estimation "
                "bruitée) : ses réponses ne sont pas affichées.",
                k=k,
                v=version,
            )
            charts.append(Chart(chart_id, caption, None, note=note))
            continue
        found = [
            question_chart(question, answers, cell.n, k, lang)
            for question in summarised(questionnaire).values()
        ]
        if not any(c.figure is not None for c in found):
            note = _(
                "Trop imprécis pour l'instant : avec %(n)s diagnostics partagés sur la "
                "version %(v)s (estimation), le bruit dépasse %(p)s points sur chaque part. Les "
                "réponses s'affichent à partir d'environ %(from)s diagnostics de la version.",
                n=_count(round(cell.n.value)),
                v=version,
                p=_count(round(IMPRECISE)),
                **{"from": _count(precise_from(answers, cell.n))},
            )
            charts.append(Chart(chart_id, caption, None, note=note))
            continue
        charts += found
    return charts


def _signed(x: float) -> str:
    """Return a change in points with its sign ("+3,2", "−1,0")."""
    text = _score(abs(x))
    return f"+{text}" if x >= 0.05 else (f"−{text}" if x <= -0.05 else text)


def change_text(estimate: Estimate) -> str:
    """Return a noisy mean change with its margin, or says it is too imprecise."""
    if estimate.margin > IMPRECISE:
        return _("trop imprécis (± %(margin)s)", margin=_score(estimate.margin))
    return f"{_signed(estimate.value)} ± {_score(estimate.margin)}"


def changes_chart(release: Release, k: int, lang: str) -> Chart | None:
    """Return the mean score change between two shared results of the same authority (a
    re-diagnosis and the diagnostic it was redone from), per positioning; None if the snapshot
    released no pairs (published before they were).
    """
    pairs = release.pairs()
    if pairs is None:
        return None
    caption = _("Évolution entre deux diagnostics partagés d'une même collectivité")
    n = pairs.n
    if n.below(k):
        note = _(
            "Moins de %(k)d collectivités ont partagé deux diagnostics successifs (estimation "
            "bruitée) : l'évolution n'est pas affichée.",
            k=k,
        )
        return Chart("chart-changes", caption, None, note=note)
    means = {p: pairs.mean(p) for p in POSITIONINGS}
    shown = [p for p in POSITIONINGS if means[p].margin <= IMPRECISE]
    headers = [_("Positionnement"), _("Paires de diagnostics"), _("Évolution moyenne (points)")]
    rows = [
        [positioning_label(p, lang), count_text(n, k), change_text(means[p])] for p in POSITIONINGS
    ]
    if not shown:
        note = _(
            "Trop imprécis pour l'instant : avec %(n)s paires de diagnostics (estimation), "
            "le bruit dépasse %(p)s points sur chaque évolution moyenne.",
            n=_count(round(n.value)),
            p=_count(round(IMPRECISE)),
        )
        return Chart("chart-changes", caption, None, headers, rows, note=note)
    labels = [_category(positioning_label(p, lang)) for p in shown]
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": labels,
                "x": [round(means[p].value, 1) for p in shown],
                "error_x": _error([means[p].margin for p in shown]),
                "marker": {"color": [COLOURS.get(p, "#666666") for p in shown]},
                "hovertemplate": "%{y}<br>%{x:+.1f}<extra></extra>",
            }
        ],
        "layout": _layout(
            _("Évolution moyenne du score (points)"),
            labels,
            xaxis={"rangemode": "normal", "zeroline": True, "zerolinecolor": "#3a3a3a"},
        ),
    }
    reading = _(
        "Lecture : pour les collectivités qui ont refait leur diagnostic et partagé les "
        "deux, écart moyen estimé entre le score du plus récent et celui du précédent. Un "
        "diagnostic refait plusieurs fois ne compte que pour une paire, avec sa version la plus "
        "récente. Si la version du questionnaire a changé entre les deux, une part de l'écart "
        "vient du questionnaire."
    )
    return Chart(
        "chart-changes",
        caption,
        figure,
        headers,
        rows,
        f"{reading} {noisy_reading()}",
        _("Les évolutions trop imprécises ne sont pas tracées.") if len(shown) < 3 else None,
    )


def pairs_tile(release: Release, k: int) -> list[Tile]:
    """Return the tile of the number of re-diagnosis pairs (none if the snapshot has none)."""
    pairs = release.pairs()
    if pairs is None:
        return []
    label = _("Collectivités ayant partagé deux diagnostics successifs (estimation)")
    return [_estimate_tile("tile-pairs", label, pairs.n, k)]


def build(release: Release, dimension: str, value: str, k: int, lang: str) -> Dashboard:
    """Return the dashboard of one released selection: masked when under k after noise."""
    sel = release.selection(dimension, value)
    if sel is None or sel.n.below(k):
        return Dashboard(k, None, [])
    charts = [dominant_chart(sel, k, lang)]
    if dimension == "all":
        charts.append(box_chart(release, sel.n, lang))
        charts.append(map_chart(release, k))
        charts += _breakdowns(release, k, lang)
        charts.append(recommendations_chart(release, sel.n, k, lang))
        changes = changes_chart(release, k, lang)
        if changes is not None:
            charts.append(changes)
        charts += question_charts(release, k, lang)
    else:
        charts.append(
            mean_scores_chart(
                "chart-means",
                _("Scores moyens de la sélection"),
                _("Sélection"),
                {value: sel},
                lambda _code: selection_label(dimension, value, lang),
                k,
                lang,
            )
        )
    tiles = (year_tiles(release, k) if dimension == "all" else []) + dominant_tiles(sel, k, lang)
    if dimension == "all":
        tiles += pairs_tile(release, k)
    return Dashboard(k, sel.n, charts, tiles)


def selection_label(dimension: str, value: str, lang: str) -> str:
    """Return the label of a dashboard filter's value."""
    if dimension in ("collectivity_type", "population"):
        return option_label(dimension, value, lang)
    if dimension == "region":
        return region_label(value)
    if dimension == "area":
        return _("Outre-mer") if value == "overseas" else _("Métropole")
    if dimension == "half_year":
        return period_label(value)
    if dimension == "year":
        return value
    return _("Tous les diagnostics partagés")
