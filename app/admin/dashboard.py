"""The anonymised dashboard: the figures of the published statistics snapshot, for one fixed
selection (the whole set, or one cell of one partition).
"""

from __future__ import annotations

import math

from flask import render_template, request
from flask_babel import format_datetime

from app.admin import charts
from app.admin.forms import FilterForm
from app.admin.views import bp
from app.i18n import current_lang
from app.stats import release, web


@bp.get("/")
def dashboard() -> str:
    """Show the dashboard of the selection in the query string, from the snapshot in force."""
    published = web.published()
    lang = current_lang()
    form = FilterForm(formdata=request.args)
    form.fill_choices(published.release.domains, lang)
    dimension, value = form.selected()
    board = charts.build(published.release, dimension, value, published.k, lang)
    if not published.releasable:
        board = charts.Dashboard(published.k, None, [])
    return render_template(
        "admin/dashboard.html",
        form=form,
        board=board,
        selection=charts.selection_label(dimension, value, lang),
        snapshot=published.snapshot,
        published_at=format_datetime(published.snapshot.published_at, "d MMMM yyyy, HH:mm"),
        epsilon=published.snapshot.epsilon,
        factor=round(math.exp(published.snapshot.epsilon), 1),
        budget=release.BUDGET,
        box_min=published.release.box_minimum(),
    )
