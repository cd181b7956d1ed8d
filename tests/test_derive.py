"""Questions derived from partnership blocks (``derive:``): engine, loader, API and step forms.

Run on ``tests/questionnaires/test_derive``: a gate (``has_partnerships``), a repeat section of
partnerships (``partner_country``, ``partner_territory_kind``, ``partnership_since``) and the
three core-like questions computed from it, which carry the weights.
"""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app import questionnaire as qn
from app.core import report
from app.core.answers import validate
from app.core.loader import check_folder, load_folder, random_answers
from app.core.model import Questionnaire
from app.core.relevance import prune
from app.core.scoring import score
from tests.test_engine_web import answers_of, page_text, post, serve
from tests.test_survey import start, step_url

TEST_DERIVE = Path(__file__).resolve().parent / "questionnaires" / "test_derive"
DERIVED = ("partner_countries", "partner_metropolises", "partnership_age")
BASE = {"collectivity_type": "commune", "has_partnerships": "yes", "goals": ["export"]}


def block(country: str, since: str, kind: str | None = None) -> dict[str, str]:
    """Return the answers of one partnership block."""
    item = {"partner_country": country, "partnership_since": since}
    return item | ({"partner_territory_kind": kind} if kind else {})


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    """Return the test questionnaire."""
    return load_folder(TEST_DERIVE / "v1")


def derived(q: Questionnaire, blocks: list[dict[str, str]], **answers: Any) -> dict[str, Any]:
    """Return the derived answers of valid answers holding these blocks."""
    clean = validate(q, {**BASE, **answers, "partnerships": blocks})
    return {qid: clean[qid] for qid in DERIVED if qid in clean}


# --- Each derivation --------------------------------------------------------------------------


def test_union_keeps_block_order_and_names_each_country_once(q: Questionnaire) -> None:
    blocks = [block("DE", "lt_3y"), block("BF", "lt_3y"), block("DE", "gt_10y")]
    assert derived(q, blocks)["partner_countries"] == ["DE", "BF"]


def test_max_takes_the_highest_code_by_the_target_option_order(q: Questionnaire) -> None:
    blocks = [block("DE", "lt_3y"), block("BF", "gt_10y"), block("SN", "3_10y")]
    assert derived(q, blocks)["partnership_age"] == "gt_10y"
    assert derived(q, blocks[::2])["partnership_age"] == "3_10y"


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (["city", "rural"], "none"),
        (["capital_metropolis", "city", "rural"], "some"),
        (["capital_metropolis", "city"], "most"),
        # Over the blocks that answered: one metropolis among one answer.
        (["capital_metropolis", None, None], "most"),
    ],
)
def test_share_maps_the_share_of_matching_blocks_onto_bands(
    q: Questionnaire, kinds: list[str | None], expected: str
) -> None:
    blocks = [block("DE", "lt_3y", kind) for kind in kinds]
    assert derived(q, blocks)["partner_metropolises"] == expected


def test_zero_blocks_give_the_empty_codes(q: Questionnaire) -> None:
    assert derived(q, []) == {
        "partner_countries": [],
        "partner_metropolises": "none",
        "partnership_age": "none",
    }


def test_an_irrelevant_repeat_derives_as_from_zero_blocks_whatever_was_given(
    q: Questionnaire,
) -> None:
    given = {
        "partner_countries": ["BF"],
        "partner_metropolises": "most",
        "partnership_age": "gt_10y",
    }
    clean = validate(q, {**BASE, "has_partnerships": "no", **given})
    assert {qid: clean[qid] for qid in DERIVED} == {
        "partner_countries": [],
        "partner_metropolises": "none",
        "partnership_age": "none",
    }
    assert score(q, clean).partners == ()


def test_a_field_no_block_answered_leaves_its_derived_question_unanswered(
    q: Questionnaire,
) -> None:
    answers = derived(q, [block("DE", "lt_3y"), block("BF", "3_10y")])
    assert "partner_metropolises" not in answers
    assert answers["partnership_age"] == "3_10y"


def test_blocks_win_over_the_given_value_which_is_not_even_checked(q: Questionnaire) -> None:
    clean = validate(
        q,
        {
            **BASE,
            "partnerships": [block("BF", "lt_3y")],
            "partner_countries": ["US", "CA"],
            "partnership_age": "bogus",
        },
    )
    assert clean["partner_countries"] == ["BF"]
    assert clean["partnership_age"] == "lt_3y"


def test_the_core_answers_alone_keep_their_values(q: Questionnaire) -> None:
    core = {"collectivity_type": "commune", "goals": ["export"], "partner_countries": ["BF"]}
    clean = validate(q, {**core, "partnership_age": "gt_10y"})
    assert clean["partner_countries"] == ["BF"]
    assert clean["partnership_age"] == "gt_10y"
    assert "partnerships" not in clean


def test_pruning_after_the_gate_turns_no_empties_the_derived_answers(q: Questionnaire) -> None:
    stored = validate(q, {**BASE, "partnerships": [block("BF", "gt_10y")]})
    assert stored["partnership_age"] == "gt_10y"
    pruned = prune(q, {**stored, "has_partnerships": "no"})
    assert "partnerships" not in pruned
    assert pruned["partner_countries"] == []
    assert pruned["partnership_age"] == "none"


# --- Scoring, reasons and tips see the derived values -----------------------------------------

BLOCKS = [
    block("BF", "gt_10y", "capital_metropolis"),
    block("DE", "3_10y", "city"),
    block("BF", "lt_3y"),
]
FLAT = {
    **BASE,
    "partner_countries": ["BF", "DE"],
    "partner_metropolises": "most",
    "partnership_age": "gt_10y",
}


def test_blocks_and_core_answers_of_one_situation_give_one_report(q: Questionnaire) -> None:
    from_blocks = report.build(q, validate(q, {**BASE, "partnerships": BLOCKS}))
    from_core = report.build(q, validate(q, FLAT))
    assert from_blocks.to_payload() == from_core.to_payload()
    assert from_blocks.scores["economic_cooperation"] > 50  # the derived weights counted


def test_reasons_name_the_derived_answers(q: Questionnaire) -> None:
    built = report.build(q, validate(q, {**BASE, "partnerships": BLOCKS}))
    because = {r.id: r.because for r in built.recommendations}
    assert because["long_partnerships"] == ["ancienneté des partenariats\u00a0: plus de 10 ans"]
    assert because["metropolitan_network"] == ["partenaires métropolitains\u00a0: la plupart"]


def test_the_tip_never_proposes_to_change_a_derived_answer(q: Questionnaire) -> None:
    rng = random.Random(7)
    tips = []
    for _ in range(60):
        answers = random_answers(q, rng)
        if rng.random() < 0.5:  # the core answers alone, as an API client posts them
            answers.pop("partnerships")
        result = score(q, prune(q, answers))
        assert result.tip is not None
        tips.append(result.tip.question_id)
    assert not set(tips) & set(DERIVED), tips
    # Left free, the age of partnerships (the heaviest weights) would be the tip.
    assert "has_partnerships" in tips


# --- Loader: each problem in French, at its line, once ----------------------------------------

DERIVE_AGE = "derive: {repeat: partnerships, field: partnership_since, how: max, empty: none}"
DERIVE_COUNTRIES = "derive: {repeat: partnerships, field: partner_country, how: union}"


@pytest.mark.parametrize(
    ("edit", "expected", "at"),
    [
        (
            (DERIVE_COUNTRIES, DERIVE_COUNTRIES.replace("partnerships", "partnership")),
            "bloc répété inconnu «\u00a0partnership\u00a0»",
            None,
        ),
        (
            (DERIVE_COUNTRIES, DERIVE_COUNTRIES.replace("partner_country", "partner_countri")),
            "«\u00a0partner_countri\u00a0» n'est pas un champ du bloc répété",
            None,
        ),
        (
            (DERIVE_COUNTRIES, DERIVE_COUNTRIES.replace("union", "unite")),
            "«\u00a0how\u00a0» inconnu «\u00a0unite\u00a0»",
            None,
        ),
        (
            (DERIVE_COUNTRIES, DERIVE_COUNTRIES.replace("partner_country", "partnership_since")),
            "«\u00a0how: union\u00a0» demande un champ de type country ou country_multi",
            None,
        ),
        (
            (DERIVE_AGE, "derive: {repeat: partnerships, field: partner_country, how: union}"),
            "«\u00a0how: union\u00a0» demande une question de type country_multi",
            None,
        ),
        (
            (DERIVE_AGE, DERIVE_AGE.replace("partnership_since", "partner_country")),
            "«\u00a0how: max\u00a0» demande un champ à choix unique",
            None,
        ),
        (
            ("- {code: 3_10y, label", "- {code: 3_9y, label"),
            "(3_9y n'en sont pas",
            DERIVE_AGE,
        ),
        (
            ("codes: [capital_metropolis]", "codes: [capital]"),
            "le code «\u00a0capital\u00a0» n'est pas une option de «\u00a0partner_territory_kind",
            None,
        ),
        (
            ("{code: most}]", "{code: all}]"),
            "la bande «\u00a0all\u00a0» n'est pas un code de «\u00a0partner_metropolises",
            None,
        ),
        (
            ("empty: none\n          bands", "bands"),
            "code «\u00a0empty\u00a0» manquant",
            "repeat: partnerships\n          field: partner_territory_kind",
        ),
        (
            (DERIVE_AGE, DERIVE_AGE.replace(", empty: none", "")),
            "code «\u00a0empty\u00a0» manquant",
            None,
        ),
        (
            (DERIVE_AGE, DERIVE_AGE.replace("empty: none", "empty: never")),
            "«\u00a0empty\u00a0» «\u00a0never\u00a0» n'est pas un code de «\u00a0partnership_age",
            None,
        ),
        (
            ("        " + DERIVE_AGE, "        required: true\n        " + DERIVE_AGE),
            "«\u00a0partnership_age\u00a0» est dérivée des blocs",
            DERIVE_AGE,
        ),
    ],
)
def test_check_reports_each_derivation_problem_at_its_line_once(
    tmp_path: Path, edit: tuple[str, str], expected: str, at: str | None
) -> None:
    folder = tmp_path / "v1"
    shutil.copytree(TEST_DERIVE / "v1", folder)
    target = folder / "questionnaire.yaml"
    text = target.read_text(encoding="utf-8")
    assert text.count(edit[0]) == 1, edit[0]
    where = text.index(edit[0])
    text = text.replace(edit[0], edit[1])
    target.write_text(text, encoding="utf-8")
    # The line of the faulty value: the edited one, or the one ``at`` names.
    line = text[: text.index(at) if at else where].count("\n") + 1
    _, problems = check_folder(folder)
    matching = [p for p in problems if expected in p]
    assert len(matching) == 1, problems
    assert matching[0].startswith(f"{target}:{line}: "), problems


def test_cli_check_prints_a_derivation_problem_once(
    runner: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "v1"
    shutil.copytree(TEST_DERIVE / "v1", folder)
    target = folder / "questionnaire.yaml"
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace(DERIVE_AGE, DERIVE_AGE.replace("max", "maxi")), "utf-8")
    monkeypatch.setattr(qn, "QUESTIONS_DIR", tmp_path)
    result = runner.invoke(args=["questions", "check"])
    assert result.exit_code == 1
    assert result.output.count("«\u00a0how\u00a0» inconnu «\u00a0maxi\u00a0»") == 1, result.output
    assert "questionnaire.yaml:" in result.output


# --- Through the application ------------------------------------------------------------------


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Yield an application serving the derive test questionnaire."""
    yield from serve(TEST_DERIVE, monkeypatch)


def test_api_scores_core_answers_and_blocks_alike(client: FlaskClient) -> None:
    core = client.post("/api/v1/score", json={"answers": FLAT})
    blocks = client.post("/api/v1/score", json={"answers": {**BASE, "partnerships": BLOCKS}})
    assert core.status_code == blocks.status_code == 200
    core_body, blocks_body = core.get_json(), blocks.get_json()
    assert core_body["scores"] == blocks_body["scores"]
    assert core_body["logics"] == blocks_body["logics"]
    assert [p["code"] for p in blocks_body["partners"]] == ["BF", "DE"]
    assert core_body["recommendations"] == blocks_body["recommendations"]
    # The blocks win: the flat value posted beside them is ignored.
    both = client.post(
        "/api/v1/score",
        json={"answers": {**FLAT, "partnership_age": "lt_3y", "partnerships": BLOCKS}},
    )
    assert both.get_json()["scores"] == blocks_body["scores"]


def test_api_description_keeps_the_derived_questions_flagged(client: FlaskClient) -> None:
    sections = client.get("/api/v1/questionnaire").get_json()["sections"]
    questions = {q["id"]: q for s in sections for q in s["questions"]}
    assert {qid for qid, q in questions.items() if q.get("derived")} == set(DERIVED)
    assert all(questions[qid]["derived"] is True for qid in DERIVED)
    assert questions["partner_countries"]["required"] is False
    assert [o["code"] for o in questions["partnership_age"]["options"]][0] == "none"
    assert "derived" not in questions["goals"]


def test_a_form_journey_stores_and_shows_the_derived_answers(
    app: Flask, client: FlaskClient
) -> None:
    token = start(client)
    post(
        client,
        token,
        "profile",
        {"collectivity_type": "commune", "has_partnerships": "yes"},
        "next",
    )
    post(client, token, "partnerships", {}, "add")
    post(client, token, "partnerships", {"partnerships-0-block": "1"}, "add")
    blocks = {
        "partnerships-0-block": "1",
        "partnerships-0-partner_country": "BF",
        "partnerships-0-partner_territory_kind": "capital_metropolis",
        "partnerships-0-partnership_since": "gt_10y",
        "partnerships-1-block": "1",
        "partnerships-1-partner_country": "DE",
        "partnerships-1-partnership_since": "lt_3y",
    }
    response = post(client, token, "partnerships", blocks, "next")
    assert response.headers["Location"].endswith("/etape/network")
    stored = answers_of(app, token)
    assert stored["partner_countries"] == ["BF", "DE"]
    assert stored["partnership_age"] == "gt_10y"
    assert stored["partner_metropolises"] == "most"
    page = client.get(step_url(token, "network")).text
    assert 'name="goals"' in page
    for qid in DERIVED:  # computed, so not asked
        assert f'name="{qid}"' not in page
    response = post(client, token, "network", {"goals": "export"}, "finish")
    assert response.headers["Location"].endswith(f"/resultat/{token}")
    assert answers_of(app, token)["partnership_age"] == "gt_10y"  # not wiped by the step
    result = page_text(client.get(f"/resultat/{token}").text)
    assert 'data-recommendation-id="long_partnerships"' in result
    assert "ancienneté des partenariats : plus de 10 ans" in result
    assert "Burkina Faso" in result
    export = client.get(f"/resultat/{token}/reponses.json").get_json()
    rows = {row["question_id"]: row for row in export["answers"]}
    assert rows["partnership_age"]["labels"] == ["Plus de 10 ans"]
    assert rows["partner_countries"]["codes"] == ["BF", "DE"]
    assert "partnerships-1-partner_country" in rows


def test_a_form_journey_without_partnerships_skips_the_blocks(
    app: Flask, client: FlaskClient
) -> None:
    token = start(client)
    profile = {"collectivity_type": "region", "has_partnerships": "no"}
    response = post(client, token, "profile", profile, "next")
    assert response.headers["Location"].endswith("/etape/network")
    response = post(client, token, "network", {"goals": "export"}, "finish")
    assert response.headers["Location"].endswith(f"/resultat/{token}")
    stored = answers_of(app, token)
    assert stored["partner_countries"] == []
    assert stored["partnership_age"] == "none"
    assert (
        re.search(
            r"data-recommendation-id=\"long_partnerships\"", client.get(f"/resultat/{token}").text
        )
        is None
    )
