"""Turn a result and its answers into recommendations and warnings that say why (pure module).

Rules come from ``questions/<version>/rules.yaml``. Each fired rule carries ``because``: the
respondent's answers (and derived facts) that made its condition true, in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app import partners
from app.partners import Country
from app.questionnaire import PARTNER_LISTS, PRIORITIES, Condition, Questionnaire, Rule
from app.scoring import PARTNER_PREDICATES, Answers, Result

NBSP = "\u00a0"


@dataclass(frozen=True)
class Recommendation:
    """A fired rule: a recommendation or a warning, in one language."""

    id: str
    kind: str
    priority: str
    title: str
    text: str
    source: str
    because: tuple[str, ...]


class _Context:
    """What conditions are evaluated against, and how reasons are worded, in one language."""

    def __init__(
        self, questionnaire: Questionnaire, answers: Answers, result: Result, lang: str
    ) -> None:
        self.q = questionnaire
        self.answers = answers
        self.result = result
        self.lang = lang
        self.colon = f"{NBSP}: " if lang == "fr" else ": "

    # -- evaluation --

    def holds(self, cond: Condition) -> bool:
        """Return whether the condition holds."""
        if cond.op == "all":
            return all(self.holds(c) for c in cond.children)
        if cond.op == "any":
            return any(self.holds(c) for c in cond.children)
        if cond.op == "not":
            return not self.holds(cond.children[0])
        if cond.op == "answer":
            return self._answer_holds(cond)
        if cond.op == "dominant":
            return self.result.dominant in cond.codes
        value = self.result.facts.get(cond.target) if cond.op == "fact" else None
        if cond.op == "score":
            value = self.result.all_scores.get(cond.target)
        return _compare(value, cond)

    def _answer_holds(self, cond: Condition) -> bool:
        """Return whether an answer leaf holds."""
        value = self.answers.get(cond.target)
        if cond.is_ is not None:
            return (value not in (None, "", [])) == cond.is_
        if cond.gte is not None or cond.lte is not None:
            return value is not None and _compare(int(value), cond)  # type: ignore[arg-type]
        selected = set(value) if isinstance(value, list) else {str(value)} if value else set()
        hit = bool(selected & set(cond.codes))
        return not hit if cond.negate else hit

    # -- reasons --

    def reasons(self, cond: Condition) -> list[str]:
        """Return the reasons, in words, that make a holding condition true."""
        if cond.op == "all":
            return [r for c in cond.children for r in self.reasons(c)]
        if cond.op == "any":
            return [r for c in cond.children if self.holds(c) for r in self.reasons(c)]
        if cond.op == "not":
            leaves = cond.leaves()
            return [self.describe_answer(leaf.target) for leaf in leaves if leaf.op == "answer"]
        if cond.op == "answer":
            if cond.codes and not cond.negate:
                return [self.describe_answer(cond.target, only=cond.codes)]
            return [self.describe_answer(cond.target)]
        if cond.op == "fact":
            return [self.describe_fact(cond.target)]
        if cond.op == "dominant":
            label = self.q.value_labels["dominant"].get(self.lang)
            name = self.q.dimension(self.result.dominant).label.get(self.lang)
            return [f"{label}{self.colon}{name}"]
        dimension = self.q.dimension(cond.target)
        value = self.result.all_scores[cond.target]
        return [f"{dimension.label.get(self.lang)}{self.colon}{value:g}/100"]

    def answer_label(self, qid: str, only: Sequence[str] = ()) -> str:
        """Return the label of the respondent's answer to a question."""
        question = self.q.questions[qid]
        value = self.answers.get(qid)
        codes = value if isinstance(value, list) else [str(value)] if value is not None else []
        if only:
            codes = [c for c in codes if c in only]
        if question.type == "country_multi":
            names = [c.name(self.lang) for c in partners.classify(codes)]
            return ", ".join(names) or self.q.value_labels["none_selected"].get(self.lang)
        labels = []
        for code in codes:
            option = question.option(code)
            label = option.label.get(self.lang) if option else code
            if question.type == "scale":
                label = f"{code} {self.q.value_labels['out_of_4'].get(self.lang)}"
            labels.append(label[:1].lower() + label[1:] if self.lang == "fr" else label)
        return ", ".join(labels) or self.q.value_labels["none_selected"].get(self.lang)

    def describe_answer(self, qid: str, only: Sequence[str] = ()) -> str:
        """Return "short label : answer" for a question."""
        short = self.q.questions[qid].short.get(self.lang)
        return f"{short}{self.colon}{self.answer_label(qid, only)}"

    def describe_fact(self, fid: str) -> str:
        """Return "fact label : value" for a derived or partner fact."""
        fact = next(f for f in self.q.facts if f.id == fid)
        label = fact.label.get(self.lang)
        value = self.result.facts.get(fid)
        if isinstance(value, bool):
            yes_no = self.q.value_labels["yes" if value else "no"].get(self.lang)
            source = self.answer_label(fact.from_question)
            return f"{label}{self.colon}{yes_no} ({source})"
        if fid == "partner_count":
            return f"{label}{self.colon}{int(value or 0)}"
        members = [c.name(self.lang) for c in self.result.partners if _in_fact(fid, c)]
        none = self.q.value_labels["none_selected"].get(self.lang)
        total = len(self.result.partners)
        suffix = f" ({len(members)}/{total})" if total else ""
        return f"{label}{self.colon}{', '.join(members) or none}{suffix}"

    # -- texts --

    def fill(self, text: str) -> str:
        """Return a rule text with its {placeholders} replaced by the respondent's answers."""
        return text.format_map(_Placeholders(self))


class _Placeholders(dict[str, str]):
    """Fills a rule text's {placeholders} on demand: a question's answer or a partner list."""

    def __init__(self, ctx: _Context) -> None:
        super().__init__()
        self.ctx = ctx

    def __missing__(self, name: str) -> str:
        fact = PARTNER_LISTS.get(name)
        if fact is None:
            return self.ctx.answer_label(name)
        lang = self.ctx.lang
        return ", ".join(c.name(lang) for c in self.ctx.result.partners if _in_fact(fact, c))


def _compare(value: float | bool | None, cond: Condition) -> bool:
    """Return whether a numeric or boolean value meets a leaf's comparison."""
    if value is None:
        return False
    if cond.is_ is not None:
        return bool(value) == cond.is_
    if cond.gte is not None and float(value) < cond.gte:
        return False
    return not (cond.lte is not None and float(value) > cond.lte)


def _in_fact(fact_id: str, country: Country) -> bool:
    """Return whether a partner country counts towards a partner share fact."""
    pred = PARTNER_PREDICATES.get(fact_id)
    return pred(country) if pred else True


def _fire(rule: Rule, ctx: _Context) -> Recommendation:
    """Return the recommendation of a rule whose condition holds."""
    priority = rule.priority
    because = list(dict.fromkeys(ctx.reasons(rule.when)))
    if rule.escalate_when is not None and ctx.holds(rule.escalate_when):
        priority = "high"
        because += [r for r in ctx.reasons(rule.escalate_when) if r not in because]
    return Recommendation(
        id=rule.id,
        kind=rule.kind,
        priority=priority,
        title=rule.title.get(ctx.lang),
        text=ctx.fill(rule.text.get(ctx.lang)),
        source=rule.source.get(ctx.lang),
        because=tuple(because),
    )


def recommend(
    questionnaire: Questionnaire, answers: Answers, result: Result, lang: str = "fr"
) -> list[Recommendation]:
    """Return the fired recommendations and warnings, by priority then questionnaire order."""
    ctx = _Context(questionnaire, answers, result, lang)
    fired = [_fire(rule, ctx) for rule in questionnaire.rules if ctx.holds(rule.when)]
    return sorted(fired, key=lambda r: PRIORITIES.index(r.priority))
