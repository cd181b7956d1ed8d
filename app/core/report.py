"""The typed report of a scored diagnostic: what the API answers and what a result stores.

``build`` turns valid answers into a ``Report`` in one language; ``Report.to_payload()`` gives
the JSON a result row stores (and the API sends), ``Report.from_payload()`` reads a stored one
back (results stored by earlier versions included), and ``Report.columns()`` maps each
dimension to its database column, the one place that link is written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from app.core import partners
from app.core import portfolio as portfolio_engine
from app.core.model import LANGS, Answers, Questionnaire
from app.core.recommend import Recommendation, recommend
from app.core.scoring import Result, score

TOP_CONTRIBUTIONS = 5
# Database column of a dimension's score, by the dimension's kind.
COLUMN_PREFIXES = {"positioning": "score_", "logic": "logic_"}


@dataclass(frozen=True)
class PartnerRow:
    """A partner country as the report shows it."""

    code: str
    name: str
    income_group: str
    income_label: str
    oecd: bool


@dataclass(frozen=True)
class Advice:
    """A fired recommendation or warning, in the report's language."""

    id: str
    title: str
    priority: str
    because: list[str]
    text: str
    source: str

    @property
    def message(self) -> str:
        """Return the text (what a warning calls its message)."""
        return self.text

    def to_payload(self, kind: str) -> dict[str, Any]:
        """Return the stored form (a warning's text is its ``message``)."""
        if kind == "warning":
            return {
                "id": self.id,
                "message": self.text,
                "title": self.title,
                "priority": self.priority,
                "because": list(self.because),
                "source": self.source,
            }
        return {
            "id": self.id,
            "title": self.title,
            "priority": self.priority,
            "because": list(self.because),
            "text": self.text,
            "source": self.source,
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Advice:
        """Return the advice of a stored recommendation or warning."""
        return cls(
            id=data["id"],
            title=data.get("title", ""),
            priority=data.get("priority", "medium"),
            because=list(data.get("because", [])),
            text=data.get("text", data.get("message", "")),
            source=data.get("source", ""),
        )


@dataclass(frozen=True)
class ContributionRow:
    """An answer that weighed on a dimension, in words and points."""

    question_id: str
    question: str
    answer: str
    points: float


@dataclass(frozen=True)
class TipRow:
    """The answer change that would most move the result, in words."""

    question_id: str
    question: str
    from_: str
    to: str
    to_codes: list[str]
    flips: bool
    dominant_after: str
    dominant_after_label: str
    scores_after: dict[str, float]

    def to_payload(self) -> dict[str, Any]:
        """Return the stored form (``from`` is a Python keyword, hence ``from_``)."""
        data = asdict(self)
        return {("from" if k == "from_" else k): v for k, v in data.items()}

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> TipRow:
        """Return the tip of a stored report."""
        return cls(**{("from_" if k == "from" else k): v for k, v in data.items()})


@dataclass(frozen=True)
class Report:
    """The full report of one answer set in one language."""

    questionnaire_version: str
    lang: str
    scores: dict[str, float]
    dominant: str
    logics: dict[str, float]
    partners: list[PartnerRow]
    partner_income_group: str
    recommendations: list[Advice]
    warnings: list[Advice]
    labels: dict[str, str]
    descriptions: dict[str, str]
    contributions: dict[str, list[ContributionRow]] = field(default_factory=dict)
    tip: TipRow | None = None
    # The World Bank classification the partners were classified with (strict questionnaires).
    classification_year: str = ""
    # Each partnership placed and advised (versions with a portfolio, respondents with partners).
    portfolio: portfolio_engine.PortfolioReport | None = None

    def columns(self) -> dict[str, float]:
        """Return each dimension's score by its database column (``score_…``, ``logic_…``)."""
        return {
            **{COLUMN_PREFIXES["positioning"] + k: v for k, v in self.scores.items()},
            **{COLUMN_PREFIXES["logic"] + k: v for k, v in self.logics.items()},
        }

    def to_payload(self) -> dict[str, Any]:
        """Return the report as the JSON a result stores and the API sends."""
        return (
            {
                "questionnaire_version": self.questionnaire_version,
                "lang": self.lang,
                "scores": dict(self.scores),
                "dominant": self.dominant,
                "logics": dict(self.logics),
                "partners": [asdict(p) for p in self.partners],
                "partner_income_group": self.partner_income_group,
                "recommendations": [r.to_payload("recommendation") for r in self.recommendations],
                "warnings": [w.to_payload("warning") for w in self.warnings],
                "labels": dict(self.labels),
                "descriptions": dict(self.descriptions),
                "contributions": {
                    dim: [asdict(c) for c in items] for dim, items in self.contributions.items()
                },
                "tip": self.tip.to_payload() if self.tip else None,
            }
            | (
                {"classification_year": self.classification_year}
                if self.classification_year
                else {}
            )
            | ({"portfolio": self.portfolio.to_payload()} if self.portfolio is not None else {})
        )

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Report:
        """Return the report of a stored payload (one language)."""
        tip = data.get("tip")
        return cls(
            questionnaire_version=str(data.get("questionnaire_version", "")),
            lang=str(data.get("lang", "fr")),
            scores=dict(data["scores"]),
            dominant=data["dominant"],
            logics=dict(data["logics"]),
            partners=[PartnerRow(**p) for p in data.get("partners", [])],
            partner_income_group=str(data.get("partner_income_group", "none")),
            recommendations=[Advice.from_payload(r) for r in data.get("recommendations", [])],
            warnings=[Advice.from_payload(w) for w in data.get("warnings", [])],
            labels=dict(data.get("labels", {})),
            descriptions=dict(data.get("descriptions", {})),
            contributions={
                dim: [ContributionRow(**c) for c in items]
                for dim, items in (data.get("contributions") or {}).items()
            },
            tip=TipRow.from_payload(tip) if tip else None,
            classification_year=str(data.get("classification_year", "")),
            portfolio=portfolio_engine.PortfolioReport.from_payload(data["portfolio"])
            if data.get("portfolio") is not None
            else None,
        )


def answer_text(
    questionnaire: Questionnaire,
    qid: str,
    codes: tuple[str, ...],
    lang: str,
    classified: partners.Classified | None = None,
) -> str:
    """Return the labels of some codes of a question, joined (partners as already classified)."""
    question = questionnaire.questions[qid]
    return ", ".join(question.kind.labels(question, codes, lang, classified))


def _contributions(
    questionnaire: Questionnaire, result: Result, lang: str
) -> dict[str, list[ContributionRow]]:
    """Return, per dimension, the answers that weighed most, in words and points."""
    classified = result.classified
    return {
        dim_id: [
            ContributionRow(
                question_id=c.question_id,
                question=questionnaire.questions[c.question_id].short.get(lang),
                answer=answer_text(questionnaire, c.question_id, c.codes, lang, classified),
                points=c.points,
            )
            for c in items[:TOP_CONTRIBUTIONS]
            if c.points > 0
        ]
        for dim_id, items in result.contributions.items()
    }


def _tip(questionnaire: Questionnaire, result: Result, lang: str) -> TipRow | None:
    """Return the answer change that would most move the result, in words."""
    tip = result.tip
    if tip is None:
        return None
    classified = result.classified
    return TipRow(
        question_id=tip.question_id,
        question=questionnaire.questions[tip.question_id].short.get(lang),
        from_=answer_text(questionnaire, tip.question_id, tip.from_codes, lang, classified),
        to=answer_text(questionnaire, tip.question_id, tip.to_codes, lang, classified),
        to_codes=list(tip.to_codes),
        flips=tip.flips,
        dominant_after=tip.dominant_after,
        dominant_after_label=questionnaire.dimension(tip.dominant_after).label.get(lang),
        scores_after=tip.scores_after,
    )


def _advice(fired: list[Recommendation], kind: str) -> list[Advice]:
    """Return the fired rules of one kind as report entries."""
    return [
        Advice(r.id, r.title, r.priority, list(r.because), r.text, r.source)
        for r in fired
        if r.kind == kind
    ]


def build(
    questionnaire: Questionnaire, answers: Answers, lang: str = "fr", result: Result | None = None
) -> Report:
    """Return the full report of valid answers in one language."""
    result = result or score(questionnaire, answers)
    fired = recommend(questionnaire, answers, result, lang)
    return Report(
        questionnaire_version=result.questionnaire_version,
        lang=lang,
        scores=result.scores,
        dominant=result.dominant,
        logics=result.logics,
        partners=[
            PartnerRow(
                c.code,
                c.name(lang),
                c.income_group,
                partners.income_label(c.income_group, lang),
                c.oecd,
            )
            for c in result.partners
        ],
        partner_income_group=result.partner_income_group,
        recommendations=_advice(fired, "recommendation"),
        warnings=_advice(fired, "warning"),
        labels={d.id: d.label.get(lang) for d in questionnaire.dimensions},
        descriptions={d.id: d.description.get(lang) for d in questionnaire.dimensions},
        contributions=_contributions(questionnaire, result, lang),
        tip=_tip(questionnaire, result, lang),
        classification_year=partners.classification_year() if questionnaire.strict else "",
        portfolio=portfolio_engine.build(questionnaire, answers, lang, result.partners),
    )


def build_all(questionnaire: Questionnaire, answers: Answers) -> dict[str, Report]:
    """Return the report in every language, scoring the answers once."""
    result = score(questionnaire, answers)
    return {lang: build(questionnaire, answers, lang, result) for lang in LANGS}


def payload_of(reports: dict[str, Report]) -> dict[str, dict[str, Any]]:
    """Return the JSON a result row stores: the report in every language."""
    return {lang: r.to_payload() for lang, r in reports.items()}
