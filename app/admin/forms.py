"""Forms of the admin blueprint: login, and the dashboard's filters (a GET form)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, Length, ValidationError

from app import partners
from app import questionnaire as qn
from app.admin.auth import MAX_EMAIL
from app.admin.charts import month_label
from app.admin.queries import Filters

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MONTHS_OFFERED = 36


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


def recent_months(today: date, count: int = MONTHS_OFFERED) -> list[str]:
    """Return the count months up to today's, newest first, as "YYYY-MM"."""
    year, month = today.year, today.month
    found = []
    for _ in range(count):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found


def _month_check(_form: Any, field: Any) -> None:
    """Refuse a month that is not "YYYY-MM"."""
    if field.data and not MONTH_RE.match(field.data):
        raise ValidationError(lazy_gettext("Mois invalide (format attendu\u00a0: AAAA-MM)."))


class FilterForm(FlaskForm):  # type: ignore[misc]
    """The dashboard's filters, sent by GET: no CSRF token, no side effect."""

    class Meta:
        csrf = False

    collectivity_type = SelectField(lazy_gettext("Type de collectivité"), default="")
    region = SelectField(lazy_gettext("Région"), default="")
    month_from = SelectField(lazy_gettext("Du mois"), validators=[_month_check], default="")
    month_to = SelectField(lazy_gettext("Au mois"), validators=[_month_check], default="")

    def fill_choices(self, lang: str, today: date) -> None:
        """Set the options: types from the questionnaire, the regions, the recent months."""
        everything = ("", str(lazy_gettext("Tous")))
        question = qn.current().questions["collectivity_type"]
        self.collectivity_type.choices = [everything] + [
            (o.code, o.label.get(lang)) for o in question.options
        ]
        self.region.choices = [("", str(lazy_gettext("Toutes")))] + [
            (r.code, r.name) for r in partners.regions()
        ]
        months = [(m, month_label(m)) for m in recent_months(today)]
        self.month_from.choices = [("", str(lazy_gettext("Depuis le début")))] + months[::-1]
        self.month_to.choices = [("", str(lazy_gettext("Jusqu'à aujourd'hui")))] + months

    def filters(self) -> Filters:
        """Return the valid filters (an invalid field restricts nothing)."""
        valid = self.validate()
        errors = self.errors if not valid else {}

        def value(name: str) -> str | None:
            data = getattr(self, name).data
            return data or None if name not in errors else None

        month_from, month_to = value("month_from"), value("month_to")
        if month_from and month_to and month_from > month_to:
            month_from, month_to = month_to, month_from
        return Filters(
            collectivity_type=value("collectivity_type"),
            region=value("region"),
            month_from=month_from,
            month_to=month_to,
        )
