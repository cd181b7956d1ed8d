"""The questionnaire as frozen dataclasses: dimensions, sections, questions, rules, constraints."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from app.core.portfolio import Portfolio
    from app.core.types import QuestionType

AnswerValue = str | int | list[str]
# A repeat section's answer: one mapping of item answers per item.
ItemAnswers = list[dict[str, AnswerValue]]
Answers = Mapping[str, "AnswerValue | ItemAnswers"]
Vector = dict[str, float]

PRIORITIES = ("high", "medium", "low")
LANGS = ("fr", "en")


@dataclass(frozen=True)
class Text:
    """A text in French and English."""

    fr: str
    en: str

    def get(self, lang: str) -> str:
        """Return the text in lang, French for any other language."""
        return self.en if lang == "en" else self.fr


@dataclass(frozen=True)
class Dimension:
    """A positioning or a logic of action that answers are scored against."""

    id: str
    kind: Literal["positioning", "logic"]
    label: Text
    description: Text


@dataclass(frozen=True)
class Option:
    """One possible answer of a question, with its weights towards the dimensions."""

    code: str
    label: Text
    weights: Mapping[str, float]
    exclusive: bool = False


@dataclass(frozen=True)
class Condition:
    """A node of a condition tree (rules, skip logic, constraints).

    ``op`` is ``all``, ``any``, ``not`` (with ``children``), ``repeat`` (over the items of the
    repeat section ``target``: ``agg`` is ``count``, ``share``, ``any`` or ``all`` of the one
    child, compared with ``gte``/``lte`` for count and share) or a leaf: ``answer`` (question
    ``target`` with ``in``/``not_in`` codes, ``gte``/``lte`` for ordered types, or ``answered``),
    ``fact`` (a derived fact compared with ``is``/``gte``/``lte``), ``score`` (a dimension's
    score) or ``dominant`` (the dominant positioning is one of ``codes``).
    """

    op: str
    target: str = ""
    codes: tuple[str, ...] = ()
    negate: bool = False
    gte: float | None = None
    lte: float | None = None
    is_: bool | None = None
    agg: str = ""
    children: tuple[Condition, ...] = ()
    line: int = 0

    def leaves(self) -> Iterator[Condition]:
        """Yield every leaf condition of the tree."""
        if self.children:
            for child in self.children:
                yield from child.leaves()
        elif self.op != "repeat":
            yield self

    def question_ids(self) -> list[str]:
        """Return the ids of the questions the condition reads, once each, in order."""
        return list(dict.fromkeys(leaf.target for leaf in self.leaves() if leaf.op == "answer"))


@dataclass(frozen=True)
class Band:
    """One band of a derived share: the share is below ``lt`` (the last band has none)."""

    code: str
    lt: float | None = None


@dataclass(frozen=True)
class Derivation:
    """How a question's answer is computed from the blocks of a repeat section (``derive:``).

    ``how`` is ``union`` (the codes of ``field`` over the blocks, in block order, each once),
    ``max`` (the highest of the blocks' codes by the target's option order) or ``share`` (the
    share of the blocks that answered ``field`` with one of ``codes``, mapped by ``bands``);
    ``empty`` is the target's code when there is no block.
    """

    repeat: str
    field: str
    how: Literal["union", "max", "share"]
    empty: str | None = None
    codes: tuple[str, ...] = ()
    bands: tuple[Band, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Question:
    """A question of the diagnostic; ``type`` names its class in the type registry."""

    id: str
    type: str
    section_id: str
    label: Text
    short: Text
    help: Text | None
    required: bool
    options: tuple[Option, ...]
    source: str
    min_choices: int = 0
    max_choices: int | None = None
    # country_multi only: weights per partner income group ("oecd" adds to the group's weights,
    # "none" applies when no partner is given).
    partner_weights: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    relevant: Condition | None = None
    # Set when the question belongs to a repeat section (one answer per item).
    repeat: str | None = None
    # Skip logic of the question or of its section: the question may be left out of scoring.
    conditional: bool = False
    # Country questions of a strict questionnaire: France and its overseas territories refused.
    abroad_only: bool = False
    # A perception question (goals, ROI demand, awareness…): others in the team may answer it too.
    perception: bool = False
    # Computed from a repeat section's blocks when the answers hold them (never asked then).
    derive: Derivation | None = None
    line: int = 0

    @property
    def kind(self) -> QuestionType:
        """Return the class of the question's type, which cleans, scores and labels its answers."""
        from app.core.types import get_type

        return get_type(self.type)

    def option(self, code: str) -> Option | None:
        """Return the option with this code, if any."""
        for opt in self.options:
            if opt.code == code:
                return opt
        return None

    @property
    def codes(self) -> tuple[str, ...]:
        """Return the option codes in order."""
        return tuple(o.code for o in self.options)


@dataclass(frozen=True)
class Repeat:
    """What makes a section a repeat group: one block of its questions per item, 0 to ``max``."""

    min: int
    max: int
    item_label: Text

    def item_name(self, index: int, lang: str) -> str:
        """Return « Partenariat 2 » for the item at index 1."""
        return f"{self.item_label.get(lang)} {index + 1}"


@dataclass(frozen=True)
class Section:
    """A step of the diagnostic."""

    id: str
    title: Text
    intro: Text | None
    questions: tuple[Question, ...]
    relevant: Condition | None = None
    repeat: Repeat | None = None


@dataclass(frozen=True)
class Fragment:
    """A conditional piece of a rule's text: shown, as ``{name}``, only when ``when`` holds."""

    when: Condition
    text: Text


@dataclass(frozen=True)
class Rule:
    """A recommendation or a warning, the condition that triggers it and its source.

    ``excludes`` names rules it is never shown with (this one wins); ``stance`` maps a topic to
    ``for`` or ``against``, so that the check finds contradictory rules that can fire together.
    """

    id: str
    kind: Literal["recommendation", "warning"]
    title: Text
    text: Text
    source: Text
    priority: str
    when: Condition
    escalate_when: Condition | None
    excludes: tuple[str, ...] = ()
    stance: Mapping[str, str] = field(default_factory=dict)
    fragments: Mapping[str, Fragment] = field(default_factory=dict)
    line: int = 0


@dataclass(frozen=True)
class Constraint:
    """A consistency rule between answers: ``check`` must hold, else ``message`` is shown."""

    id: str
    check: Condition
    message: Text
    line: int = 0

    @property
    def question_ids(self) -> list[str]:
        """Return the questions the constraint reads (the ones an error names)."""
        return self.check.question_ids()


@dataclass(frozen=True)
class Fact:
    """A fact derived from the answers rather than asked (e.g. economic competence)."""

    id: str
    label: Text
    from_question: str
    true_for: tuple[str, ...]
    source: str
    computed: bool = False


@dataclass(frozen=True, eq=False)
class Questionnaire:
    """A whole questionnaire version."""

    version: str
    title: Text
    positionings: tuple[Dimension, ...]
    logics: tuple[Dimension, ...]
    tie_order: tuple[str, ...]
    sections: tuple[Section, ...]
    facts: tuple[Fact, ...]
    rules: tuple[Rule, ...]
    value_labels: Mapping[str, Text]
    constraints: tuple[Constraint, ...] = ()
    # Strict reasoning (``reasoning: strict``): an absent or « none » answer weighs nothing,
    # negated conditions are worded as such, partner countries are foreign countries only and
    # partner lists are written with their French article.
    strict: bool = False
    # The partnership portfolio (``portfolio.yaml``), when the version declares one.
    portfolio: Portfolio | None = None

    @property
    def questions(self) -> dict[str, Question]:
        """Return the questions by id, in questionnaire order (repeat items' questions too)."""
        return _questions_by_id(self)

    @property
    def dimensions(self) -> tuple[Dimension, ...]:
        """Return the positionings then the logics."""
        return self.positionings + self.logics

    def dimension(self, dim_id: str) -> Dimension:
        """Return the positioning or logic with this id."""
        return next(d for d in self.dimensions if d.id == dim_id)

    def rule(self, rule_id: str) -> Rule:
        """Return the rule with this id."""
        return next(r for r in self.rules if r.id == rule_id)

    def section(self, section_id: str) -> Section | None:
        """Return the section with this id, if any."""
        return next((s for s in self.sections if s.id == section_id), None)

    @property
    def repeats(self) -> dict[str, Section]:
        """Return the repeat sections by id."""
        return {s.id: s for s in self.sections if s.repeat is not None}

    @property
    def derived(self) -> tuple[Question, ...]:
        """Return the questions computed from blocks (``derive:``), in questionnaire order."""
        return _derived(self)


@cache
def _questions_by_id(q: Questionnaire) -> dict[str, Question]:
    """Return the questions of q by id (cached per questionnaire)."""
    return {qu.id: qu for s in q.sections for qu in s.questions}


@cache
def _derived(q: Questionnaire) -> tuple[Question, ...]:
    """Return the derived questions of q (cached per questionnaire)."""
    return tuple(qu for qu in _questions_by_id(q).values() if qu.derive is not None)
