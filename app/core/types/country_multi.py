"""Partner countries: ISO alpha-2 codes, scored by the World Bank income group of each country."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from wtforms import SelectChoice, SelectMultipleField

from app.core import partners
from app.core.model import AnswerValue, Question, Text, Vector
from app.core.partners import Classified, Country
from app.core.types import QuestionType, SummaryRow, register
from app.core.types.multi import clean_codes

if TYPE_CHECKING:
    from app.core.loader import Problems

UNKNOWN_COUNTRY = Text(
    "Pays inconnu\u00a0: «\u00a0{code}\u00a0» (code ISO 3166-1 à deux lettres attendu).",
    "Unknown country: “{code}” (an ISO 3166-1 two-letter code is expected).",
)

FRENCH_TERRITORY = Text(
    "«\u00a0{code}\u00a0» désigne la France ou une collectivité française d'outre-mer, qui ne peut "
    "pas être un pays partenaire\u00a0: indiquez le pays étranger où se trouve votre partenaire.",
    "“{code}” is France or a French overseas territory, which cannot be a partner country: give "
    "the foreign country of your partner.",
)


def check_country(question: Question, code: str, lang: str) -> None:
    """Raise ValueError for an unknown code, or a French one where partners are abroad only."""
    if partners.country(code) is None:
        raise ValueError(UNKNOWN_COUNTRY.get(lang).format(code=code[:40]))
    if question.abroad_only and partners.is_french_territory(code):
        raise ValueError(FRENCH_TERRITORY.get(lang).format(code=code))


def country_label(country: Country, lang: str) -> str:
    """Return « Maroc — revenu intermédiaire (tranche inférieure) », OECD membership added."""
    label = f"{country.name(lang)} — {partners.income_label(country.income_group, lang)}"
    return f"{label}, {partners.oecd_label(True, lang)}" if country.oecd else label


def choosable(question: Question, lang: str = "fr") -> list[Country]:
    """Return the countries a partner may be in, by name in lang (France left out if strict)."""
    return [
        c
        for c in partners.countries(lang)
        if not (question.abroad_only and partners.is_french_territory(c.code))
    ]


class CountryWords(QuestionType):
    """What every country question says the same way: names, API options, income summary."""

    def countries(self, question: Question, value: AnswerValue | None) -> list[Country]:
        """Return the partner countries of the answer, classified."""
        return partners.classify(self.codes(value))

    def labels(
        self,
        question: Question,
        codes: Iterable[str],
        lang: str,
        classified: Classified | None = None,
    ) -> list[str]:
        """Return the countries' names."""
        return [c.name(lang) for c in partners.classified_as(list(codes), classified)]

    def reason_labels(
        self,
        question: Question,
        codes: Iterable[str],
        lang: str,
        value_labels: Mapping[str, Text],
        classified: Classified | None = None,
    ) -> list[str]:
        """Return the countries' names as they are written."""
        return self.labels(question, codes, lang, classified)

    def options_json(self, question: Question, lang: str) -> list[dict[str, str]]:
        """Return every country as an option."""
        return [{"code": c.code, "label": c.name(lang)} for c in choosable(question, lang)]

    def summary(
        self, question: Question, values: Iterable[AnswerValue | None], lang: str
    ) -> list[SummaryRow]:
        """Return how many partner countries fall in each income group."""
        counts = dict.fromkeys(partners.INCOME_GROUPS, 0)
        for value in values:
            for country in self.countries(question, value):
                counts[country.income_group] += 1
        return [SummaryRow(g, partners.income_label(g, lang), n) for g, n in counts.items()]


class CountryMultiType(CountryWords):
    """A list of partner countries (may be empty: no partner yet)."""

    name = "country_multi"
    template = "survey/types/country_multi.html"
    coded = False
    multiple = True
    has_options = False

    def check(self, question: Question, problems: Problems) -> None:
        """Record partner weights that do not cover every income group, OECD and 'none'."""
        expected = {*partners.INCOME_GROUPS, "oecd", "none"}
        if set(question.partner_weights) != expected:
            problems.add(
                question.line,
                f"«\u00a0{question.id}\u00a0»\u00a0: partner_weights doit couvrir "
                f"{sorted(expected)}",
            )

    def is_empty(self, value: Any) -> bool:
        """Return whether nothing was given ([] is an answer: no partner yet)."""
        return value is None or value == ""

    def clean(self, question: Question, value: Any, lang: str) -> AnswerValue:
        """Return the list of country codes, or raise ValueError."""
        codes = clean_codes(question, value, lang)
        for code in codes:
            check_country(question, code, lang)
        return codes

    def vector(
        self, question: Question, value: AnswerValue | None, classified: Classified | None = None
    ) -> Vector:
        """Return the average of the partners' weights (the 'none' weights with no partner)."""
        if value is None:
            return {}
        codes = list(value) if isinstance(value, list) else []
        if not codes:
            return dict(question.partner_weights.get("none", {}))
        total: Vector = {}
        for country in partners.classified_as(codes, classified):
            for weights in (
                question.partner_weights.get(country.income_group, {}),
                question.partner_weights.get("oecd", {}) if country.oecd else {},
            ):
                for dim, w in weights.items():
                    total[dim] = total.get(dim, 0.0) + w
        return {dim: w / len(codes) for dim, w in total.items()}

    def extremes(self, question: Question, dim: str) -> tuple[float, float]:
        """Return the lowest and highest average any country (or none) gives."""
        weights = question.partner_weights
        combos = {(c.income_group, c.oecd) for c in partners.countries()}
        values = [
            weights.get(group, {}).get(dim, 0.0)
            + (weights.get("oecd", {}).get(dim, 0.0) if oecd else 0.0)
            for group, oecd in combos
        ]
        values.append(weights.get("none", {}).get(dim, 0.0))
        return min(values), max(values)

    def sample(self, question: Question, rng: random.Random) -> AnswerValue:
        """Return up to six random countries."""
        codes = [c.code for c in choosable(question)]
        return rng.sample(codes, rng.randint(0, min(question.max_choices or 6, 6)))

    def form_field(self, question: Question, lang: str) -> Any:
        """Return a multiple select of every country, each labelled with its income group."""
        choices = [
            SelectChoice(
                c.code,
                country_label(c, lang),
                {
                    "data-name": c.name(lang),
                    "data-income": partners.income_label(c.income_group, lang),
                    "data-oecd": "1" if c.oecd else "0",
                },
            )
            for c in choosable(question, lang)
        ]
        return SelectMultipleField(question.label.get(lang), choices=choices, validate_choice=False)

    def first_control(self, field_id: str) -> str:
        """Return the select itself."""
        return field_id


COUNTRY_MULTI = register(CountryMultiType())
