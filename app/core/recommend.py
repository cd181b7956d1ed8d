"""Turn a result and its answers into recommendations and warnings that say why (pure module).

Rules come from ``questions/<version>/rules.yaml``. Each fired rule carries ``because``: the
respondent's answers (and derived facts) that made its condition true, in words.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.conditions import Env, Explainer, holds
from app.core.facts import PARTNER_LISTS, in_partner_fact
from app.core.model import PRIORITIES, Answers, Questionnaire, Rule
from app.core.scoring import Result


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


class _Placeholders(dict[str, str]):
    """Fills a rule text's {placeholders} on demand: a question's answer or a partner list."""

    def __init__(self, explainer: Explainer) -> None:
        super().__init__()
        self.explainer = explainer

    def __missing__(self, name: str) -> str:
        fact = PARTNER_LISTS.get(name)
        if fact is None:
            return self.explainer.answer_label(name)
        lang = self.explainer.lang
        partners = self.explainer.env.partners
        return ", ".join(c.name(lang) for c in partners if in_partner_fact(fact, c))


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
        text=rule.text.get(explainer.lang).format_map(_Placeholders(explainer)),
        source=rule.source.get(explainer.lang),
        because=tuple(because),
    )


def recommend(
    questionnaire: Questionnaire, answers: Answers, result: Result, lang: str = "fr"
) -> list[Recommendation]:
    """Return the fired recommendations and warnings, by priority then questionnaire order."""
    env = env_of_result(questionnaire, answers, result)
    explainer = Explainer(env, lang)
    fired = [_fire(rule, explainer) for rule in questionnaire.rules if holds(rule.when, env)]
    return sorted(fired, key=lambda r: PRIORITIES.index(r.priority))
