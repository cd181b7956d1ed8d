"""Recommendations: the worked examples, reachability of the catalogue, tailored reasons."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app import partners
from app import questionnaire as qn
from app.core.answers import validate
from app.core.recommend import recommend
from app.core.scoring import score
from tests.factories import EXAMPLE_A, EXAMPLE_B
from tests.strategies import COUNTRY_CODES, answer_sets
from tests.test_questionnaire import CATALOGUE

Q = qn.get("1")  # v1 as it always scored; v2 has tests/test_v2_reasoning.py
assert Q is not None
ECONOMIC_ACTIONS = {
    "economic_missions",
    "cci_mission",
    "talent_attraction",
    "open_partnership",
    "city_network",
    "mobilise_jointly",
    "fasep_fexte",
    "pilot_project",
}


def _ids(answers: dict[str, Any], kind: str = "recommendation", lang: str = "fr") -> list[str]:
    clean = validate(Q, answers)
    return [r.id for r in recommend(Q, clean, score(Q, clean), lang) if r.kind == kind]


def test_example_a() -> None:
    ids = _ids(EXAMPLE_A)
    assert "involve_competent_authority" in ids
    assert "inform_elected" in ids
    assert "upstream_role" not in ids


def test_example_b() -> None:
    ids = _ids(EXAMPLE_B)
    for absent in (
        "upstream_role",
        "decompartmentalise",
        "evaluate_impact",
        "involve_competent_authority",
        "inform_elected",
    ):
        assert absent not in ids, absent
    assert "talent_attraction" in ids
    assert "no_substitution" in ids + _ids(EXAMPLE_B, "warning")


def test_a_recommendation_says_why_in_the_respondents_words() -> None:
    answers = {**EXAMPLE_B, "impact_evaluation": "none"}
    clean = validate(Q, answers)
    recs = {r.id: r for r in recommend(Q, clean, score(Q, clean))}
    evaluate = recs["evaluate_impact"]
    assert evaluate.priority == "high"
    assert "exigence de retour sur investissement\u00a0: fortement" in evaluate.because
    assert "évaluation d'impact\u00a0: jamais" in evaluate.because
    assert "§ 1" in evaluate.source


def test_texts_name_the_partner_countries_concerned() -> None:
    answers = {**EXAMPLE_A, "partner_countries": ["BF", "DE"]}
    clean = validate(Q, answers)
    recs = {r.id: r for r in recommend(Q, clean, score(Q, clean))}
    assert "Burkina Faso" in recs["upstream_role"].text
    assert any("Burkina Faso" in b for b in recs["upstream_role"].because)
    english = {r.id: r for r in recommend(Q, clean, score(Q, clean), "en")}
    assert english["upstream_role"].title.startswith("With your low-income partners")


def test_every_catalogue_id_and_warning_is_reachable() -> None:
    rng = random.Random(2016)
    seen: set[str] = set()
    for _ in range(4000):
        answers = {qid: _random(q, rng) for qid, q in Q.questions.items()}
        result = score(Q, answers, with_tip=False)
        seen |= {r.id for r in recommend(Q, answers, result)}
    assert seen >= CATALOGUE, CATALOGUE - seen
    assert {r.id for r in Q.rules if r.kind == "warning"} <= seen


def _random(question: qn.Question, rng: random.Random) -> Any:
    if question.type == "country_multi":
        return rng.sample(COUNTRY_CODES, rng.randint(0, 4))
    if question.type == "scale":
        return rng.randint(1, 4)
    if question.type == "single":
        return rng.choice(question.codes)
    plain = [o.code for o in question.options if not o.exclusive]
    top = min(question.max_choices or len(plain), len(plain))
    return rng.sample(plain, rng.randint(1, top))


LOW = [c for c in COUNTRY_CODES if partners.country(c).income_group == "low"]  # type: ignore[union-attr]
OECD = [c for c in COUNTRY_CODES if partners.country(c).oecd]  # type: ignore[union-attr]


@settings(max_examples=200, deadline=None)
@given(answers=answer_sets(Q), data=st.data())
def test_a_commune_with_only_low_income_partners_is_not_sent_to_export(
    answers: dict[str, Any], data: st.DataObject
) -> None:
    countries = data.draw(st.lists(st.sampled_from(LOW), min_size=1, max_size=4, unique=True))
    answers = {**answers, "collectivity_type": "commune", "partner_countries": countries}
    ids = _ids(answers)
    assert "upstream_role" in ids
    assert "cci_mission" not in ids
    assert "economic_missions" not in ids


@settings(max_examples=200, deadline=None)
@given(answers=answer_sets(Q), data=st.data())
def test_an_economic_metropole_gets_economic_actions_not_only_solidarity(
    answers: dict[str, Any], data: st.DataObject
) -> None:
    countries = data.draw(st.lists(st.sampled_from(OECD), min_size=1, max_size=4, unique=True))
    answers = {
        **answers,
        "collectivity_type": "metropole",
        "partner_countries": countries,
        "local_actors": ["companies", "clusters"],
    }
    ids = set(_ids(answers))
    assert ids & ECONOMIC_ACTIONS
    assert "upstream_role" not in ids
    assert "involve_competent_authority" not in ids


def test_different_answers_give_visibly_different_pages() -> None:
    assert set(_ids(EXAMPLE_A)) != set(_ids(EXAMPLE_B))


@settings(max_examples=300, deadline=None)
@given(answers=answer_sets(Q))
def test_every_fired_rule_has_reasons_and_a_source(answers: dict[str, Any]) -> None:
    result = score(Q, answers, with_tip=False)
    for rec in recommend(Q, answers, result):
        assert rec.because, rec.id
        assert rec.source, rec.id
        assert "{" not in rec.text, rec.id
