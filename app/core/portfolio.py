"""The partnership portfolio: each partnership of a repeat group placed and advised (pure module).

A questionnaire version may ship ``portfolio.yaml`` (read by ``app.core.portfolio_loader``). It
names the repeat section of the partnerships and its country field, declares the economic
intensity of a block's answers (weights per option, normalised to 0–100 against the most the
declaration allows), the development levels (World Bank income groups and the UN list of
least-developed countries, 0 to 3) and the *fits*: ordered rules over one block, the first that
holds giving the positioning that fits that partnership according to the workshop report and one
or two actions, each citing its §.

``place`` turns answers into language-free placements; ``build`` words them in one language as
``PortfolioReport`` entries, which a result stores (``to_payload`` / ``from_payload``).
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from app.core import partners
from app.core.conditions import Env, Explainer, holds
from app.core.facts import derived_facts
from app.core.model import Answers, Condition, Question, Questionnaire, Text
from app.core.partners import Country
from app.core.types import mid_sentence

# Leaves of a fit's condition about the block itself (not an answer): its partner's development
# level and its economic intensity, compared with gte / lte.
LEVEL = "portfolio:level"
INTENSITY = "portfolio:intensity"
BLOCK_LEAVES = {"level": LEVEL, "intensity": INTENSITY}
# An answer leaf with « only »: the block's answer holds these codes and no other (an « all »
# of an « in » and a « not in » of the other codes, worded « économie seulement »).
ONLY = "portfolio:only"
ONLY_WORD = {"fr": "seulement", "en": "only"}
# What a fit's or an action's text may name: the partner country with its article (« le Mali »),
# after a preposition of place (« au Mali »), and the block (« Partenariat 2 »).
PLACEHOLDERS = ("country", "in_country", "item")
NBSP = "\u00a0"


@dataclass(frozen=True)
class Level:
    """A development level: the income groups it gathers, least-developed countries if so."""

    value: int
    groups: tuple[str, ...]
    least_developed: bool
    label: Text
    short: Text


@dataclass(frozen=True)
class Action:
    """One action advised for a partnership, with the § of the report it comes from."""

    id: str
    title: Text
    text: Text
    source: Text


@dataclass(frozen=True)
class Fit:
    """A positioning that fits a partnership when ``when`` holds over its block."""

    id: str
    positioning: str
    title: Text
    text: Text
    source: Text
    when: Condition
    actions: tuple[Action, ...]
    line: int = 0


@dataclass(frozen=True)
class Portfolio:
    """The portfolio declaration of a questionnaire version."""

    repeat: str
    country_field: str
    weights: Mapping[str, Mapping[str, float]]
    maximum: float
    intensity_source: Text
    levels: tuple[Level, ...]
    level_source: Text
    level_axis: Text
    intensity_axis: Text
    fits: tuple[Fit, ...]

    def level_of(self, country: Country) -> Level | None:
        """Return the level of a partner country (least developed first), None if unclassified."""
        if partners.is_ldc(country):
            found = next((lv for lv in self.levels if lv.least_developed), None)
            if found is not None:
                return found
        return next((lv for lv in self.levels if country.income_group in lv.groups), None)


def maximum_of(
    weights: Mapping[str, Mapping[str, float]], questions: Mapping[str, Question]
) -> float:
    """Return the most intensity points one block can get under these weights.

    A single-valued answer gives its best option; a multiple one its best ``max_choices``
    options (all of them when unbounded), exclusive options aside.
    """
    total = 0.0
    for qid, by_code in weights.items():
        question = questions.get(qid)
        if question is None:
            continue
        values = sorted((w for w in by_code.values() if w > 0), reverse=True)
        if question.kind.multiple:
            total += sum(values[: question.max_choices] if question.max_choices else values)
        else:
            total += values[0] if values else 0.0
    return total


# --- Placing a block ------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """One partnership placed: its block, country, level, intensity and the fit that holds."""

    index: int
    item: Mapping[str, Any]
    country: Country
    level: Level | None
    intensity: float
    fit: Fit | None


def items_of(portfolio: Portfolio, answers: Answers) -> list[Mapping[str, Any]]:
    """Return the blocks of the portfolio's repeat section in the answers."""
    value = answers.get(portfolio.repeat)
    return [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []


def country_of(
    q: Questionnaire,
    portfolio: Portfolio,
    item: Mapping[str, Any],
    classified: Mapping[str, Country] | None = None,
) -> Country | None:
    """Return the partner country of a block (the first one of a list), None when not given;
    ``classified``: the answers' partner countries as scoring classified them."""
    question = q.questions[portfolio.country_field]
    codes = question.kind.codes(item.get(portfolio.country_field))
    if not codes:
        return None
    return (classified or {}).get(codes[0]) or partners.country(codes[0])


def intensity_of(q: Questionnaire, portfolio: Portfolio, item: Mapping[str, Any]) -> float:
    """Return a block's economic intensity, 0 to 100, one decimal."""
    raw = 0.0
    for qid, by_code in portfolio.weights.items():
        question = q.questions[qid]
        raw += sum(by_code.get(code, 0.0) for code in question.kind.codes(item.get(qid)))
    if portfolio.maximum <= 0:
        return 0.0
    return round(min(max(100.0 * raw / portfolio.maximum, 0.0), 100.0), 1)


def _env(q: Questionnaire, answers: Answers, countries: Sequence[Country] | None) -> Env:
    """Return the diagnostic's environment (answers and derived facts) that blocks extend.

    ``countries``: the answers' partner countries when scoring already classified them.
    """
    facts = derived_facts(q, answers, countries)
    return Env(q, answers, facts, partners=tuple(countries or ()))


def block_env(env: Env, item: Mapping[str, Any], level: Level | None, intensity: float) -> Env:
    """Return the environment of one block: its answers, its level and intensity as facts."""
    inner = env.inside(item)
    facts = {**env.facts, INTENSITY: intensity}
    if level is not None:
        facts[LEVEL] = float(level.value)
    return Env(inner.questionnaire, inner.answers, facts, partners=env.partners)


def place(
    q: Questionnaire, answers: Answers, countries: Sequence[Country] | None = None
) -> list[Placement]:
    """Return every partnership of the answers placed, in block order (none without portfolio).

    ``countries``: the answers' partner countries when scoring already classified them.
    """
    portfolio = q.portfolio
    if portfolio is None:
        return []
    return _place(q, portfolio, answers, _env(q, answers, countries))


def _place(q: Questionnaire, portfolio: Portfolio, answers: Answers, env: Env) -> list[Placement]:
    """Return the placements of the answers' blocks in the diagnostic's environment."""
    classified = {c.code: c for c in env.partners}
    placed = []
    for index, item in enumerate(items_of(portfolio, answers)):
        country = country_of(q, portfolio, item, classified)
        if country is None:
            continue
        level = portfolio.level_of(country)
        intensity = intensity_of(q, portfolio, item)
        inner = block_env(env, item, level, intensity)
        fit = next((f for f in portfolio.fits if holds(f.when, inner)), None)
        placed.append(Placement(index, item, country, level, intensity, fit))
    return placed


# --- Words ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionRow:
    """An action in the report's language."""

    id: str
    title: str
    text: str
    source: str


@dataclass(frozen=True)
class FitRow:
    """The positioning that fits a partnership, in the report's language."""

    id: str
    positioning: str
    positioning_label: str
    title: str
    text: str
    source: str
    actions: list[ActionRow]


@dataclass(frozen=True)
class Entry:
    """One partnership of the portfolio as a result shows it."""

    index: int
    item_label: str
    country: str
    country_name: str
    income_label: str
    level: int | None
    level_label: str
    intensity: float
    fit: FitRow | None
    reasons: list[str]

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Entry:
        """Return the entry of a stored portfolio (keys it does not know are left aside)."""
        known = {f.name for f in fields(cls)} - {"fit"}
        fit = data.get("fit")
        return cls(
            **{k: v for k, v in data.items() if k in known},
            fit=_fit_row(fit) if fit else None,
        )


def _fit_row(data: Mapping[str, Any]) -> FitRow:
    """Return the stored fit of an entry."""
    known = {f.name for f in fields(FitRow)} - {"actions"}
    return FitRow(
        **{k: v for k, v in data.items() if k in known},
        actions=[ActionRow(a["id"], a["title"], a["text"], a["source"]) for a in data["actions"]],
    )


@dataclass(frozen=True)
class LevelRow:
    """A development level as the chart's axis names it."""

    value: int
    label: str
    short: str


@dataclass(frozen=True)
class PortfolioReport:
    """The portfolio of one result in one language: its levels, axes, entries and sources."""

    levels: list[LevelRow]
    level_axis: str
    intensity_axis: str
    intensity_source: str
    level_source: str
    entries: list[Entry] = field(default_factory=list)

    def to_payload(self) -> dict[str, Any]:
        """Return the JSON a result stores."""
        return asdict(self)

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> PortfolioReport:
        """Return the portfolio of a stored result."""
        return cls(
            levels=[LevelRow(**lv) for lv in data.get("levels", [])],
            level_axis=str(data.get("level_axis", "")),
            intensity_axis=str(data.get("intensity_axis", "")),
            intensity_source=str(data.get("intensity_source", "")),
            level_source=str(data.get("level_source", "")),
            entries=[Entry.from_payload(e) for e in data.get("entries", [])],
        )


# English names that take « the » in a sentence, and ISO names that read badly in one.
ENGLISH_THE = frozenset(
    ("BS", "CF", "CG", "CK", "DO", "FO", "GB", "GM", "KM", "KY", "MH", "MP", "MV", "NL", "PH")
    + ("SB", "SC", "TC", "AE", "US")
)
ENGLISH_NAMES = {
    "CD": "the Democratic Republic of the Congo",
    "FM": "Micronesia",
    "PS": "Palestine",
    "VG": "the British Virgin Islands",
    "VI": "the US Virgin Islands",
}


def english_name(country: Country) -> str:
    """Return the English name as a sentence writes it: « the United States », « Mali »."""
    if country.code in ENGLISH_NAMES:
        return ENGLISH_NAMES[country.code]
    return f"the {country.name_en}" if country.code in ENGLISH_THE else country.name_en


def country_words(country: Country, lang: str) -> dict[str, str]:
    """Return the country as texts name it: « le Mali », « au Mali » (English: Mali, in Mali)."""
    if lang == "en":
        name = english_name(country)
        return {"country": name, "in_country": f"in {name}"}
    french = partners.french_name(country)
    return {"country": french.definite, "in_country": french.locative}


def fill(text: str, words: Mapping[str, str]) -> str:
    """Return a text with its {placeholders} filled (the loader checked their names)."""
    return string.Formatter().vformat(text, (), dict(words))


def _reasons(
    cond: Condition, env: Env, explainer: Explainer, words: Mapping[str, str]
) -> list[str]:
    """Return, in words, what makes a holding fit condition true for a block."""
    if cond.op == "fact" and cond.target in (LEVEL, INTENSITY):
        return [words["level_reason" if cond.target == LEVEL else "intensity_reason"]]
    if cond.op == "all" and cond.target == ONLY:
        qid = cond.children[0].target
        return [f"{explainer.describe_answer(qid)} {ONLY_WORD[explainer.lang]}"]
    if cond.op == "all":
        return [r for c in cond.children for r in _reasons(c, env, explainer, words)]
    if cond.op == "any":
        return [
            r for c in cond.children if holds(c, env) for r in _reasons(c, env, explainer, words)
        ]
    if cond.op == "not" and any(leaf.target in (LEVEL, INTENSITY) for leaf in cond.leaves()):
        return [words["level_reason"], words["intensity_reason"]]
    return explainer.reasons(cond)


def _entry(q: Questionnaire, env: Env, placement: Placement, lang: str) -> Entry:
    """Return one placement worded in lang."""
    portfolio = q.portfolio
    assert portfolio is not None  # noqa: S101 - placements exist only with a portfolio
    section = q.repeats[portfolio.repeat]
    assert section.repeat is not None  # noqa: S101 - repeats holds repeat sections only
    country = placement.country
    level = placement.level
    colon = f"{NBSP}: " if lang == "fr" else ": "
    level_label = level.label.get(lang) if level else partners.income_label("unknown", lang)
    level_label = level_label[:1].upper() + level_label[1:]
    intensity = f"{placement.intensity:.1f}".replace(".", "," if lang == "fr" else ".")
    words = {
        **country_words(country, lang),
        "item": section.repeat.item_name(placement.index, lang),
        "level_reason": f"{portfolio.level_axis.get(lang)}{colon}{mid_sentence(level_label)} "
        f"({country.name(lang)})",
        "intensity_reason": f"{portfolio.intensity_axis.get(lang)}{colon}{intensity}"
        + (f"{NBSP}sur 100" if lang == "fr" else " out of 100"),
    }
    fit = placement.fit
    fit_row = None
    reasons: list[str] = []
    if fit is not None:
        inner = block_env(env, placement.item, level, placement.intensity)
        explainer = Explainer(inner, lang)
        reasons = list(dict.fromkeys(_reasons(fit.when, inner, explainer, words)))
        fit_row = FitRow(
            id=fit.id,
            positioning=fit.positioning,
            positioning_label=q.dimension(fit.positioning).label.get(lang),
            title=fill(fit.title.get(lang), words),
            text=fill(fit.text.get(lang), words),
            source=fit.source.get(lang),
            actions=[
                ActionRow(
                    a.id,
                    fill(a.title.get(lang), words),
                    fill(a.text.get(lang), words),
                    a.source.get(lang),
                )
                for a in fit.actions
            ],
        )
    return Entry(
        index=placement.index,
        item_label=str(words["item"]),
        country=country.code,
        country_name=country.name(lang),
        income_label=partners.income_label(country.income_group, lang),
        level=level.value if level else None,
        level_label=level_label,
        intensity=placement.intensity,
        fit=fit_row,
        reasons=reasons,
    )


def build(
    q: Questionnaire, answers: Answers, lang: str, countries: Sequence[Country] | None = None
) -> PortfolioReport | None:
    """Return the portfolio of valid answers in lang: None when the version declares none, no
    entries without partnership (so that every result of a version stores the same keys).

    ``countries``: the answers' partner countries when scoring already classified them.
    """
    portfolio = q.portfolio
    if portfolio is None:
        return None
    env = _env(q, answers, countries)
    placements = _place(q, portfolio, answers, env)
    return PortfolioReport(
        levels=[
            LevelRow(lv.value, lv.label.get(lang), lv.short.get(lang)) for lv in portfolio.levels
        ],
        level_axis=portfolio.level_axis.get(lang),
        intensity_axis=portfolio.intensity_axis.get(lang),
        intensity_source=portfolio.intensity_source.get(lang),
        level_source=portfolio.level_source.get(lang),
        entries=[_entry(q, env, p, lang) for p in placements],
    )


def placeholders_of(text: str) -> Sequence[str]:
    """Return the {placeholder} names of a text."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
