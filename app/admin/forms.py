"""Forms of the admin blueprint: login, and the dashboard's filters (a GET form)."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, Length

from app.admin.auth import MAX_EMAIL
from app.admin.charts import selection_label
from app.stats.release import Domains


class LoginForm(FlaskForm):  # type: ignore[misc]
    """The administrators' login form (CSRF-protected)."""

    email = EmailField(
        lazy_gettext("Adresse électronique"),
        validators=[
            DataRequired(lazy_gettext("Saisissez votre adresse électronique.")),
            Length(max=MAX_EMAIL),
        ],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        lazy_gettext("Mot de passe"),
        validators=[DataRequired(lazy_gettext("Saisissez votre mot de passe.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


def selection_choices(domains: Domains, lang: str) -> dict[str, list[tuple[str, str]]]:
    """Return the dashboard's fixed selections, grouped by dimension: "dimension:value" codes."""
    years = sorted({period.split("-S")[0] for period in domains.of("half_year")}, reverse=True)
    groups: list[tuple[str, str, list[tuple[str, str]]]] = [
        ("all", str(lazy_gettext("Ensemble")), [("", "")]),
        ("collectivity_type", str(lazy_gettext("Type de collectivité")), []),
        ("population", str(lazy_gettext("Population")), []),
        ("region", str(lazy_gettext("Région")), []),
        (
            "area",
            str(lazy_gettext("Métropole ou outre-mer")),
            [("metropolitan", ""), ("overseas", "")],
        ),
        ("year", str(lazy_gettext("Année")), [(y, y) for y in years]),
        ("half_year", str(lazy_gettext("Semestre")), []),
    ]
    choices: dict[str, list[tuple[str, str]]] = {}
    for dimension, title, preset in groups:
        values = [code for code, _label in preset] or list(domains.of(dimension))
        if dimension == "half_year":
            values = values[::-1]
        choices[title] = [
            (f"{dimension}:{v}" if dimension != "all" else "", selection_label(dimension, v, lang))
            for v in values
        ]
    return choices


class FilterForm(FlaskForm):  # type: ignore[misc]
    """The dashboard's filter, sent by GET: one fixed selection (no CSRF token, no side effect).

    Only the released cells can be chosen (one dimension at a time, or the whole set), so the
    figures an administrator can see are exactly those of the snapshot.
    """

    class Meta:
        csrf = False

    selection = SelectField(
        lazy_gettext("Diagnostics pris en compte"),
        default="",
        validate_choice=True,
    )

    def fill_choices(self, domains: Domains, lang: str) -> None:
        """Set the options: the whole set, then each fixed partition's cells."""
        self.selection.choices = selection_choices(domains, lang)
        self.selection.invalid_choice_message = lazy_gettext(
            "Sélection inconnue\u00a0: choisissez-en une dans la liste."
        )

    def selected(self) -> tuple[str, str]:
        """Return the valid selection as (dimension, value); ("all", "") when none or invalid."""
        if not self.validate() or not self.selection.data:
            return "all", ""
        dimension, _sep, value = str(self.selection.data).partition(":")
        return dimension, value

    @property
    def active(self) -> bool:
        """Return whether a selection restricts the data."""
        return bool(self.selection.data) and not self.selection.errors
