"""Turn a result and its answers into recommendations and warnings that say why (pure module).

Rules come from ``questions/<version>/rules.yaml``. Each fired rule carries ``because``: the
respondent's answers (and derived facts) that made its condition true, in words, each once. A
text's ``{placeholder}`` names an answer (``{goals:solidarity,youth_employability}`` keeps only
those codes), a partner list, or one of the rule's ``fragments``, written only when its own
condition holds. A fired rule hides the rules it ``excludes``.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core import partners as partners_data
from app.core.conditions import Env, Explainer, holds
from app.core.facts import PARTNER_LISTS, in_partner_fact
from app.core.model import PRIORITIES, Answers, Questionnaire, Rule
from app.core.scoring import Result
from app.core.types import mid_sentence


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


class _Answer:
    """An answer placeholder: formats as the answer's labels, ``:a,b`` keeping those codes."""

    def __init__(self, explainer: Explainer, qid: str) -> None:
        self.explainer = explainer
        self.qid = qid

    def __format__(self, spec: str) -> str:
        only = tuple(c for c in spec.split(",") if c) if spec else ()
        if not self.explainer.q.strict:
            return self.explainer.answer_label(self.qid, only)
        # Each label starts lower-case mid-sentence; commas inside a label are left alone.
        labels = [mid_sentence(label) for label in self.explainer.answer_labels(self.qid, only)]
        return ", ".join(labels) or self.explainer.answer_label(self.qid, only)


class _Placeholders(dict[str, object]):
    """Fills a rule text's {placeholders} on demand: an answer, a partner list or a fragment."""

    def __init__(self, explainer: Explainer, rule: Rule) -> None:
        super().__init__()
        self.explainer = explainer
        self.rule = rule

    def __missing__(self, name: str) -> object:
        lang = self.explainer.lang
        fragment = self.rule.fragments.get(name)
        if fragment is not None:
            if not holds(fragment.when, self.explainer.env):
                return ""
            return fragment.text.get(lang).format_map(self)
        fact = PARTNER_LISTS.get(name)
        if fact is None:
            return _Answer(self.explainer, name)
        listed = [c for c in self.explainer.env.partners if in_partner_fact(fact, c)]
        if self.explainer.q.strict:
            return partners_data.in_sentence(listed, lang)
        return ", ".join(c.name(lang) for c in listed)


def env_of_result(questionnaire: Questionnaire, answers: Answers, result: Result) -> Env:
    """Return the environment rules are evaluated in: answers, facts, scores, partners."""
    return Env(
        questionnaire,
        answers,
        result.facts,
        scores=result.all_scores,
        dominant=result.dominant,
        partners=result.partners,
    )


def _fire(rule: Rule, explainer: Explainer) -> Recommendation:
    """Return the recommendation of a rule whose condition holds."""
    priority = rule.priority
    because = list(dict.fromkeys(explainer.reasons(rule.when)))
    if rule.escalate_when is not None and holds(rule.escalate_when, explainer.env):
        priority = "high"
        because += [r for r in explainer.reasons(rule.escalate_when) if r not in because]
    return Recommendation(
        id=rule.id,
        kind=rule.kind,
        priority=priority,
        title=rule.title.get(explainer.lang),
        text=rule.text.get(explainer.lang).format_map(_Placeholders(explainer, rule)),
        source=rule.source.get(explainer.lang),
        because=tuple(because),
    )


def fired_rules(questionnaire: Questionnaire, env: Env) -> list[Rule]:
    """Return the rules whose condition holds, without those a fired rule excludes."""
    fired = [rule for rule in questionnaire.rules if holds(rule.when, env)]
    hidden = {rid for rule in fired for rid in rule.excludes}
    return [rule for rule in fired if rule.id not in hidden]


def recommend(
    questionnaire: Questionnaire, answers: Answers, result: Result, lang: str = "fr"
) -> list[Recommendation]:
    """Return the fired recommendations and warnings, by priority then questionnaire order."""
    env = env_of_result(questionnaire, answers, result)
    explainer = Explainer(env, lang)
    fired = [_fire(rule, explainer) for rule in fired_rules(questionnaire, env)]
    return sorted(fired, key=lambda r: PRIORITIES.index(r.priority))
