"""The pure engine (app/core): no web or database import, skip logic, repeat groups, constraints.

Run on the test questionnaire ``tests/questionnaires/test_v`` (relevant, repeat, constraint).
"""

from __future__ import annotations

import ast
import random
from pathlib import Path
from typing import Any

import pytest

from app.core import report
from app.core.answers import AnswerErrors, validate
from app.core.loader import load_folder
from app.core.model import Questionnaire
from app.core.relevance import prune
from app.core.scoring import score

CORE = Path(__file__).resolve().parent.parent / "app" / "core"
TEST_V = Path(__file__).resolve().parent / "questionnaires" / "test_v"

BASE: dict[str, Any] = {
    "collectivity_type": "commune",
    "has_partnerships": "yes",
    "budget_level": 2,
    "goals": ["export"],
    "oldest_partnership": "lt_3y",
}


@pytest.fixture(scope="module")
def tq() -> Questionnaire:
    """Return the test questionnaire."""
    return load_folder(TEST_V / "v1")


def test_core_imports_neither_flask_nor_sqlalchemy() -> None:
    imported = set()
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
                assert not node.module.startswith(("app.", "app")) or node.module.startswith(
                    "app.core"
                ), f"{path.name} imports {node.module}"
    assert not imported & {"flask", "flask_babel", "flask_wtf", "sqlalchemy"}, imported


def test_irrelevant_answers_are_dropped_not_scored_and_not_required(tq: Questionnaire) -> None:
    answers = validate(tq, {**BASE, "has_partnerships": "no", "oldest_partnership": "gt_10y"})
    assert "oldest_partnership" not in answers  # irrelevant: dropped, no error
    without = score(tq, answers)
    # Left out, so it is not required either.
    assert (
        validate(
            tq,
            {k: v for k, v in BASE.items() if k != "oldest_partnership"}
            | {"has_partnerships": "no"},
        )
        == answers
    )
    with pytest.raises(AnswerErrors) as exc:
        validate(tq, {k: v for k, v in BASE.items() if k != "oldest_partnership"})
    assert list(exc.value.errors) == ["oldest_partnership"]  # relevant again: required
    assert without.contributions["economic_cooperation"] == tuple(
        c
        for c in without.contributions["economic_cooperation"]
        if c.question_id != "oldest_partnership"
    )


def test_the_tip_never_offers_an_irrelevant_question(tq: Questionnaire) -> None:
    rng = random.Random(7)
    for _ in range(200):
        raw = {q.id: q.kind.sample(q, rng) for q in tq.questions.values() if q.repeat is None}
        raw["has_partnerships"] = "no"
        raw["goals"] = [g for g in raw["goals"] if g != "solidarity"] or ["export"]  # type: ignore[union-attr]
        result = score(tq, validate(tq, raw))
        assert result.tip is not None
        assert result.tip.question_id != "oldest_partnership"
    # With partnerships, that answer weighs most and is the one the tip offers.
    assert score(tq, validate(tq, BASE)).tip.question_id == "oldest_partnership"  # type: ignore[union-attr]


def test_repeat_items_are_validated_per_block_and_pruned_within_an_item(tq: Questionnaire) -> None:
    items = [
        {"partner_kind": "solidarity", "partner_city_size": "large"},  # size irrelevant here
        {"partner_kind": "economic", "partner_city_size": "large"},
    ]
    answers = validate(tq, {**BASE, "partnerships": items})
    assert answers["partnerships"] == [
        {"partner_kind": "solidarity"},
        {"partner_kind": "economic", "partner_city_size": "large"},
    ]
    with pytest.raises(AnswerErrors) as exc:
        validate(
            tq, {**BASE, "partnerships": [{"partner_kind": "economic"}, {"partner_kind": "x"}]}
        )
    assert exc.value.errors.keys() == {
        "partnerships-0-partner_city_size",
        "partnerships-1-partner_kind",
    }
    with pytest.raises(AnswerErrors) as exc:
        validate(tq, {**BASE, "partnerships": [{"partner_kind": "solidarity"}] * 4})
    assert exc.value.errors.keys() == {"partnerships"}
    # A section made irrelevant takes its items with it.
    assert "partnerships" not in prune(tq, {**answers, "has_partnerships": "no"})


def test_rules_aggregate_over_items_and_name_the_item(tq: Questionnaire) -> None:
    items = [
        {"partner_kind": "solidarity"},
        {"partner_kind": "economic", "partner_city_size": "large"},
    ]
    fr = report.build(tq, validate(tq, {**BASE, "partnerships": items}), "fr")
    fired = {r.id: r for r in fr.recommendations}
    assert set(fired) == {"economic_partnership", "many_partnerships", "mostly_solidarity"}
    assert fired["economic_partnership"].because == [
        "Partenariat 2\u00a0: nature du partenariat\u00a0: économique"
    ]
    assert fired["mostly_solidarity"].because == [
        "Partenariat 1\u00a0: nature du partenariat\u00a0: solidaire"
    ]
    assert fired["many_partnerships"].because == ["Vos partenariats\u00a0: 2"]
    one = report.build(tq, validate(tq, {**BASE, "partnerships": items[1:]}), "en")
    assert {r.id for r in one.recommendations} == {"economic_partnership", "all_economic"}
    assert "mostly_solidarity" not in {
        r.id for r in report.build(tq, validate(tq, BASE)).recommendations
    }


def test_repeat_items_are_scored_as_their_average(tq: Questionnaire) -> None:
    one = score(tq, validate(tq, {**BASE, "partnerships": [{"partner_kind": "solidarity"}]}))
    two = score(tq, validate(tq, {**BASE, "partnerships": [{"partner_kind": "solidarity"}] * 2}))
    none = score(tq, validate(tq, BASE))
    assert one.scores == two.scores
    assert one.scores["multisector_cooperation"] > none.scores["multisector_cooperation"]


def test_a_failed_constraint_names_its_questions_in_both_languages(tq: Questionnaire) -> None:
    raw = {**BASE, "has_partnerships": "no", "goals": ["solidarity"]}
    with pytest.raises(AnswerErrors) as exc:
        validate(tq, raw)
    assert exc.value.errors.keys() == {"goals", "has_partnerships"}
    assert exc.value.errors["goals"][0].startswith("Un objectif de solidarité suppose")
    with pytest.raises(AnswerErrors) as exc:
        validate(tq, raw, "en")
    assert exc.value.errors["goals"][0].startswith("A solidarity goal needs")
    # Checked once what it reads is known: a step without the goals yet passes.
    assert validate(tq, {"has_partnerships": "no"}, only=["has_partnerships"], partial=True)
