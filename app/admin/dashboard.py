"""The anonymised dashboard: the figures of the published statistics snapshot, for one fixed
selection (the whole set, or one cell of one partition).
"""

from __future__ import annotations

import csv
import io
import math

from flask import Response, abort, render_template, request
from flask_babel import format_datetime

from app.admin import charts
from app.admin.forms import FilterForm
from app.admin.views import bp
from app.i18n import current_lang
from app.stats import web


def _board() -> tuple[FilterForm, charts.Dashboard, str, str, web.Published]:
    """Return the filter, the dashboard of the query string's selection, and the snapshot."""
    published = web.published()
    lang = current_lang()
    form = FilterForm(formdata=request.args)
    form.fill_choices(published.release.domains, lang)
    dimension, value = form.selected()
    board = charts.build(published.release, dimension, value, published.k, lang)
    if not published.releasable:
        board = charts.Dashboard(published.k, None, [])
    return form, board, dimension, value, published


@bp.get("/tableau.csv")
def dashboard_table() -> Response:
    """Send one dashboard table as CSV (UTF-8 with BOM, « ; »), exactly as the page shows it."""
    _form, board, _dimension, _value, _published = _board()
    found = board.chart(request.args.get("figure", ""))
    if found is None or found.figure is None:
        abort(404)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(found.headers)
    writer.writerows(found.rows)
    name = found.id.replace("chart-", "arricod-")
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@bp.get("/")
def dashboard() -> str:
    """Show the dashboard of the selection in the query string, from the snapshot in force."""
    form, board, dimension, value, published = _board()
    lang = current_lang()
    answer_version = (list(published.release.domains.of("answers")) or [""])[-1]
    released = published.release.answers(answer_version)
    return render_template(
        "admin/dashboard.html",
        form=form,
        board=board,
        selection=charts.selection_label(dimension, value, lang),
        snapshot=published.snapshot,
        published_at=format_datetime(published.snapshot.published_at, "d MMMM yyyy, HH:mm"),
        epsilon=published.snapshot.epsilon,
        factor=round(math.exp(published.snapshot.epsilon), 1),
        budget=published.release.budget,
        answer_version=answer_version,
        answer_sensitivity=released.sensitivity if released else 0,
        box_min=published.release.box_minimum(),
    )
