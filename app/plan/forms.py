"""The action form: what an action is, who pilots it (roles), when, its status, its instruments."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import Field, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.plan import catalogue, quarters

TITLE_MAX = 200
UNSET = ""


class CheckboxesField(SelectMultipleField):  # type: ignore[misc]
    """Several choices as checkboxes, in a list (inside the template's fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _entries(kind: str, lang: str, unset: bool) -> list[tuple[str, str]]:
    """Return the (id, label) choices of one list of the catalogue, « Non défini » first."""
    entries = [(e.id, e.text(lang)) for e in getattr(catalogue.load(), kind)]
    return [(UNSET, str(lazy_gettext("Non défini")))] + entries if unset else entries


class ActionForm(FlaskForm):  # type: ignore[misc]
    """One action of the plan; every choice is checked against the catalogue."""

    title = StringField(
        lazy_gettext("Intitulé de l'action"),
        validators=[
            DataRequired(message=lazy_gettext("Indiquez l'intitulé de l'action.")),
            Length(
                max=TITLE_MAX, message=lazy_gettext("L'intitulé tient en 200 caractères au plus.")
            ),
        ],
    )
    pilot = SelectField(lazy_gettext("Pilote (un rôle, pas un nom)"), validate_choice=False)
    elected = SelectField(lazy_gettext("Élu·e référent·e (un rôle)"), validate_choice=False)
    start_quarter = SelectField(lazy_gettext("Trimestre de début"), validate_choice=False)
    end_quarter = SelectField(lazy_gettext("Trimestre de fin"), validate_choice=False)
    status = SelectField(lazy_gettext("Statut"), default="to_start", validate_choice=False)
    instruments = CheckboxesField(lazy_gettext("Instruments mobilisés"), validate_choice=False)

    def __init__(self, *args: Any, lang: str, today: date, **kwargs: Any) -> None:
        """Fill the choices from the catalogue in the page's language."""
        super().__init__(*args, **kwargs)
        self.pilot.choices = _entries("pilot_roles", lang, unset=True)
        self.elected.choices = _entries("elected_roles", lang, unset=True)
        self.status.choices = _entries("statuses", lang, unset=False)
        self.instruments.choices = _entries("instruments", lang, unset=False)
        keep = (self.start_quarter.data, self.end_quarter.data)
        offered = [(q, q) for q in quarters.choices(today, keep)]
        unset = [(UNSET, str(lazy_gettext("Non défini")))]
        self.start_quarter.choices = unset + offered
        self.end_quarter.choices = unset + offered

    @staticmethod
    def _known(field: Field) -> None:
        """Refuse a value that is not one of the field's choices."""
        values = field.data if isinstance(field.data, list) else [field.data]
        allowed = {value for value, _label in field.choices}  # type: ignore[attr-defined]
        if any(value not in allowed for value in values):
            raise ValidationError(lazy_gettext("Choisissez une valeur de la liste."))

    def validate_pilot(self, field: Field) -> None:
        """Accept only a role of the list."""
        self._known(field)

    def validate_elected(self, field: Field) -> None:
        """Accept only a role of the list."""
        self._known(field)

    def validate_status(self, field: Field) -> None:
        """Accept only a status of the list."""
        self._known(field)

    def validate_instruments(self, field: Field) -> None:
        """Accept only instruments of the list."""
        self._known(field)

    def validate_start_quarter(self, field: Field) -> None:
        """Accept only a quarter of the list."""
        self._known(field)

    def validate_end_quarter(self, field: Field) -> None:
        """Accept a quarter of the list that does not come before the start."""
        self._known(field)
        start, end = quarters.parse(self.start_quarter.data), quarters.parse(field.data)
        if start and end and end < start:
            raise ValidationError(lazy_gettext("La fin ne peut pas précéder le début."))

    def values(self) -> dict[str, Any]:
        """Return the cleaned values, ready for the store."""
        return {
            "title": (self.title.data or "").strip(),
            "pilot": self.pilot.data,
            "elected": self.elected.data,
            "start_quarter": self.start_quarter.data,
            "end_quarter": self.end_quarter.data,
            "status": self.status.data,
            "instruments": list(self.instruments.data or []),
        }
