"""The questionnaire's optional ``perception`` key: which questions others in a team may answer."""

from __future__ import annotations

import shutil
from pathlib import Path

from app import questionnaire as qn


def test_v1_marks_the_perception_questions() -> None:
    questions = qn.get("1").questions  # type: ignore[union-attr]
    marked = {qid for qid, question in questions.items() if question.perception}
    assert marked == {"goals", "roi_demand", "elected_awareness", "cross_service"}
    assert not questions["collectivity_type"].perception


def test_a_perception_flag_that_is_not_a_boolean_is_refused_at_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "v1"
    shutil.copytree(qn.QUESTIONS_DIR / "v1", folder)
    target = folder / "questionnaire.yaml"
    text = target.read_text(encoding="utf-8")
    edited = text.replace(
        "      - id: goals\n        perception: true",
        "      - id: goals\n        perception: souvent",
        1,
    )
    assert edited != text
    target.write_text(edited, encoding="utf-8")
    line = text[: text.index("      - id: goals\n")].count("\n") + 1
    _, problems = qn.check_folder(folder)
    matching = [p for p in problems if "perception" in p]
    assert matching, problems
    assert matching[0].startswith(f"{target}:{line}: ")
    assert "true ou false" in matching[0]
