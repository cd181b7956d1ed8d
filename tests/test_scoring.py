"""Scoring: the worked examples, reasoning properties, and any valid answer set."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import questionnaire as qn
from app.core.answers import validate
from app.core.scoring import alternatives, score
from tests.factories import EXAMPLE_A, EXAMPLE_B
from tests.strategies import COUNTRY_CODES, answer_sets

Q = qn.get("1")  # v1 as it always scored; v2 has tests/test_v2_reasoning.py
assert Q is not None
POSITIONINGS = ("business_internationalisation", "economic_cooperation", "multisector_cooperation")


def test_example_a_is_not_business_led() -> None:
    result = score(Q, validate(Q, EXAMPLE_A))
    assert result.dominant != "business_internationalisation"
    assert result.scores["business_internationalisation"] < min(
        result.scores["economic_cooperation"], result.scores["multisector_cooperation"]
    )
    assert {p.code: p.income_group for p in result.partners} == {
        "DE": "high",
        "MA": "lower_middle",
    }
    assert result.facts["economic_competence"] is False


def test_example_b_is_economy_led_with_multisector_clearly_lowest() -> None:
    result = score(Q, validate(Q, EXAMPLE_B))
    assert result.dominant in ("economic_cooperation", "business_internationalisation")
    lowest = result.scores["multisector_cooperation"]
    assert lowest + 20 < min(
        result.scores["economic_cooperation"], result.scores["business_internationalisation"]
    )
    assert all(p.oecd for p in result.partners)


def test_scores_decompose_into_contributions() -> None:
    result = score(Q, validate(Q, EXAMPLE_B))
    top = result.contributions[result.dominant]
    assert top, "the dominant positioning lists the answers that weighed most"
    assert top[0].points >= top[-1].points
    assert {c.question_id for c in top} >= {"partner_countries", "goals"}
    # Contributions add up to the score (the range starts at 0 for every positioning).
    for dim in POSITIONINGS:
        total = sum(c.points for c in result.contributions[dim])
        assert total == pytest.approx(result.scores[dim], abs=0.6)


def test_tip_names_a_change_that_moves_the_result() -> None:
    answers = validate(Q, EXAMPLE_B)
    result = score(Q, answers)
    assert result.tip is not None
    changed = dict(answers)
    question = Q.questions[result.tip.question_id]
    # The tip's codes, cleaned by the question's type back into an answer.
    to_codes = list(result.tip.to_codes)
    changed[question.id] = question.kind.clean(
        question, to_codes if question.kind.multiple else to_codes[0], "fr"
    )
    after = score(Q, changed)
    assert after.scores == result.tip.scores_after
    lead_before = result.scores[result.dominant] - max(
        v for k, v in result.scores.items() if k != result.dominant
    )
    lead_after = after.scores[result.dominant] - max(
        v for k, v in after.scores.items() if k != result.dominant
    )
    assert lead_after < lead_before
    assert result.tip.flips == (after.dominant != result.dominant)


def test_tie_goes_to_cooperation_first() -> None:
    from app.scoring import dominant_of

    tied = dict.fromkeys(POSITIONINGS, 50.0)
    assert dominant_of(tied, Q) == Q.tie_order[0] == "economic_cooperation"
    assert dominant_of({**tied, "economic_cooperation": 49.9}, Q) == "multisector_cooperation"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=answer_sets(Q), data=st.data())
def test_replacing_low_income_partners_by_oecd_never_lowers_economic_cooperation(
    answers: dict[str, Any], data: st.DataObject
) -> None:
    from app import partners

    low = [c for c in COUNTRY_CODES if partners.country(c).income_group == "low"]  # type: ignore[union-attr]
    oecd = [c for c in COUNTRY_CODES if partners.country(c).oecd]  # type: ignore[union-attr]
    before_partners = data.draw(st.lists(st.sampled_from(low), min_size=1, max_size=5, unique=True))
    replacement = data.draw(
        st.lists(
            st.sampled_from(oecd),
            min_size=len(before_partners),
            max_size=len(before_partners),
            unique=True,
        )
    )
    before = score(Q, {**answers, "partner_countries": before_partners}, with_tip=False)
    after = score(Q, {**answers, "partner_countries": replacement}, with_tip=False)
    assert after.scores["economic_cooperation"] >= before.scores["economic_cooperation"]
    assert after.scores["multisector_cooperation"] <= before.scores["multisector_cooperation"]


@settings(max_examples=300, deadline=None)
@given(answers=answer_sets(Q))
def test_adding_an_export_goal_never_lowers_business_internationalisation(
    answers: dict[str, Any],
) -> None:
    goals = [g for g in answers["goals"] if g != "business_export"][:2]
    without = {**answers, "goals": goals or ["solidarity"]}
    with_export = {**without, "goals": [*without["goals"], "business_export"]}
    before = score(Q, without, with_tip=False)
    after = score(Q, with_export, with_tip=False)
    assert (
        after.scores["business_internationalisation"]
        >= before.scores["business_internationalisation"]
    )
    assert after.logics["business_support"] >= before.logics["business_support"]


@settings(max_examples=300, deadline=None)
@given(answers=answer_sets(Q))
def test_project_mode_and_broken_silos_never_lower_economic_cooperation(
    answers: dict[str, Any],
) -> None:
    siloed = score(Q, {**answers, "work_mode": "silo", "cross_service": 1}, with_tip=False)
    open_ = score(Q, {**answers, "work_mode": "project", "cross_service": 4}, with_tip=False)
    assert open_.scores["economic_cooperation"] > siloed.scores["economic_cooperation"]


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=answer_sets(Q))
def test_any_valid_answer_set_scores_within_bounds(answers: dict[str, Any]) -> None:
    clean = validate(Q, answers)
    result = score(Q, clean, with_tip=False)
    for value in result.all_scores.values():
        assert 0.0 <= value <= 100.0
    assert result.dominant in POSITIONINGS


def test_extreme_answer_sets_reach_the_ends_of_the_scale() -> None:
    """Normalisation is against what the questionnaire allows: 100 is reachable, not exceeded."""
    rng = random.Random(7)
    best = dict.fromkeys(POSITIONINGS, 0.0)
    for _ in range(3000):
        answers = {qid: _random_answer(q, rng) for qid, q in Q.questions.items()}
        result = score(Q, answers, with_tip=False)
        for dim in POSITIONINGS:
            best[dim] = max(best[dim], result.scores[dim])
    assert all(value > 60 for value in best.values()), best


def _random_answer(question: qn.Question, rng: random.Random) -> Any:
    """Return one random valid answer (helper for the non-Hypothesis sweep)."""
    return question.kind.sample(question, rng)


def test_alternatives_respect_choice_limits() -> None:
    goals = Q.questions["goals"]
    for alt in alternatives(goals, ["solidarity", "business_export", "attract_talent"]):
        assert isinstance(alt, list)
        assert 1 <= len(alt) <= 3
    actors = Q.questions["local_actors"]
    assert ["none"] in list(alternatives(actors, ["companies"]))
    assert all(alt != [] for alt in alternatives(actors, ["companies"]))
