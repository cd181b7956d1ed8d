"""The language switch in a real browser: French to English in place, and the choice sticks."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect


def questionnaire_in(page: Page, lang: str) -> dict[str, Any]:
    """Return the questionnaire in a language, from the (stateless) JSON API."""
    response = page.request.get(f"/api/v1/questionnaire?lang={lang}")
    assert response.ok
    body: dict[str, Any] = response.json()
    return body


def test_language_switch_keeps_the_step_and_sticks(
    page: Page, started_token: str, questionnaire: dict[str, Any]
) -> None:
    english = questionnaire_in(page, "en")
    first_fr, first_en = questionnaire["sections"][0], english["sections"][0]
    second_en = english["sections"][1]
    step = f"/diagnostic/{started_token}/etape/{first_fr['id']}"

    page.goto(step)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text(first_fr["title"])

    page.locator(".lang-switch").get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(re.escape(step) + r"\?lang=en$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(first_en["title"])
    question = first_en["questions"][0]
    expect(page.locator(f"#question-{question['id']} legend")).to_contain_text(question["label"])
    expect(page.locator("button[name='nav'][value='next']")).not_to_have_text("Étape suivante")

    # Answer the step in English and go on: the next page, without ?lang=, is still English.
    for question in first_en["questions"]:
        if question["required"] and question["type"] in ("single", "scale", "multi"):
            page.locator(f"input[name='{question['id']}']").first.check()
    page.locator("button[name='nav'][value='next']").click()
    expect(page).to_have_url(re.compile(rf"/etape/{second_en['id']}$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(second_en["title"])

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name=re.compile("diagnostic", re.I))).not_to_have_text(
        "Commencer le diagnostic"
    )

    # And back to French, which sticks as well.
    page.locator(".lang-switch").get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.goto("/confidentialite")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
