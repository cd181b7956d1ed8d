"""Write the golden outputs of questionnaire v1 (run once, before a change to the engine).

``python -m tests.golden.make_golden`` scores the worked examples and 1,000 seeded random answer
sets through the engine and the JSON API and stores the answers with what came out, so that
``tests/test_golden.py`` can check any later engine gives exactly the same results.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

GOLDEN_FILE = Path(__file__).with_name("v1_golden.json")
RESULT_PAGE_FILE = Path(__file__).with_name("v1_result_page.html")
SEED = 20261201
COUNT = 1000
API_COUNT = 200


def canonical(data: Any) -> str:
    """Return data as canonical JSON (sorted keys, no spaces)."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(data: Any) -> str:
    """Return the SHA-256 of data's canonical JSON."""
    return hashlib.sha256(canonical(data).encode("utf-8")).hexdigest()


def random_answers(
    rng: random.Random, questions: list[dict[str, Any]], countries: list[str]
) -> dict[str, Any]:
    """Return one valid v1 answer set drawn from the questionnaire as the API describes it."""
    answers: dict[str, Any] = {}
    for q in questions:
        codes = [o["code"] for o in q["options"]]
        if q["type"] == "country_multi":
            answers[q["id"]] = rng.sample(countries, rng.randint(0, 6))
        elif q["type"] == "scale":
            answers[q["id"]] = rng.randint(1, 4)
        elif q["type"] == "single":
            answers[q["id"]] = rng.choice(codes)
        else:
            plain = [c for c in codes if c != "none"]
            if "none" in codes and rng.random() < 0.1:
                answers[q["id"]] = ["none"]
            else:
                high = q.get("max_choices") or len(plain)
                answers[q["id"]] = rng.sample(plain, rng.randint(max(q["min_choices"], 1), high))
    return answers


def contract_part(body: dict[str, Any]) -> dict[str, Any]:
    """Return the fields of an API response the contract fixes (readable in the golden file)."""
    return {
        "scores": body["scores"],
        "dominant": body["dominant"],
        "logics": body["logics"],
        "recommendations": [[r["id"], r["priority"]] for r in body["recommendations"]],
        "warnings": [w["id"] for w in body["warnings"]],
    }


def normalise_page(html: str, token: str) -> str:
    """Return a result page without what changes from one run to the next (token, date, CSRF)."""
    html = html.replace(token, "TOKEN")
    html = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value="CSRF"', html)
    html = re.sub(r'nonce="[^"]+"', 'nonce="NONCE"', html)
    html = re.sub(r"établi le [^,]+,", "établi le DATE,", html)
    return re.sub(r"\?v=[0-9a-f]+", "?v=STAMP", html)


def main() -> None:
    """Write the golden files from the current engine."""
    from app import create_app, services
    from app import report as report_module
    from app.db import Base, get_engine, get_session
    from config import TestConfig
    from tests.factories import EXAMPLE_A, EXAMPLE_B

    app = create_app(TestConfig)
    with app.app_context():
        Base.metadata.create_all(get_engine())
    client = app.test_client()
    from app import questionnaire as qn_module
    from app.api.views import section_json

    v1 = qn_module.get("1")
    assert v1 is not None
    # v1 as the API described it when it was current.
    questions = [q for s in v1.sections for q in section_json(s, "fr")["questions"]]
    countries = [
        o["code"]
        for o in questions[[q["type"] for q in questions].index("country_multi")]["options"]
    ]
    if "--page-only" not in sys.argv:  # the page alone after an intended layout change
        rng = random.Random(SEED)
        sets = [EXAMPLE_A, EXAMPLE_B] + [
            random_answers(rng, questions, countries) for _ in range(COUNT)
        ]
        cases = []
        for i, answers in enumerate(sets):
            with app.app_context():
                from app import questionnaire as qn
                from app.answers import validate

                q = qn.get("1")  # the golden file is v1's, whatever version is current
                assert q is not None
                payload = report_module.build_all(q, validate(q, answers))
            case: dict[str, Any] = {
                "answers": answers,
                "payload_sha256": digest(payload),
                "contract": contract_part(payload["fr"]),
            }
            if i < API_COUNT:
                for lang in ("fr", "en"):
                    # What the API answered when v1 was current: v1's report in that language.
                    with app.test_request_context(f"/?lang={lang}"):
                        body = report_module.build(q, validate(q, answers, lang), lang)
                    case[f"api_{lang}_sha256"] = digest(json.loads(json.dumps(body)))
            if i < 2:
                case["payload"] = payload
            cases.append(case)
        lines = ",\n".join(canonical(case) for case in cases)
        GOLDEN_FILE.write_text(f'{{"seed": {SEED}, "cases": [\n{lines}\n]}}\n', encoding="utf-8")
    with app.app_context():
        session = get_session()
        diagnostic, token = services.start(session, "fr")
        diagnostic.questionnaire_version = "1"
        services.save_answers(session, diagnostic, dict(EXAMPLE_A), diagnostic.current_step)
        services.complete(session, diagnostic, share_anonymised=False)
        result = services.current_result(session, diagnostic)
        assert result is not None
    page = client.get(f"/resultat/{token}").get_data(as_text=True)
    RESULT_PAGE_FILE.write_text(normalise_page(page, token), encoding="utf-8")
    print(f"Result page written to {RESULT_PAGE_FILE}")


if __name__ == "__main__":
    main()
