"""A respondent completes the diagnostic in a real browser: once with the mouse, once with the
keyboard only, and lands on a result that agrees with the JSON API for the same answers."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from app import partners
from tests.factories import EXAMPLE_A, EXAMPLE_B

MAX_TABS = 400  # Tab presses allowed to reach one control before the test gives up
FOCUS_STYLE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    element: el.outerHTML.slice(0, 120),
    outline: style.outlineStyle,
    width: parseFloat(style.outlineWidth) || 0,
  };
}"""
RESULT_URL = re.compile(r"/resultat/[A-Za-z0-9_-]+$")


def step_url(section_id: str) -> re.Pattern[str]:
    """Return the pattern of a step's URL."""
    return re.compile(rf"/diagnostic/[A-Za-z0-9_-]+/etape/{section_id}$")


def answer_for(question: dict[str, Any], answers: dict[str, Any]) -> Any:
    """Return the answer to give: the example's, else the first option of a required question."""
    if question["id"] in answers:
        return answers[question["id"]]
    if not question["required"]:
        return None
    first = question["options"][0]["code"]
    return [first] if question["type"] == "multi" else first


def as_codes(value: Any) -> list[str]:
    """Return an answer as a list of option codes (a scale's number as its code)."""
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values]


def option_label(question: dict[str, Any], code: str) -> str:
    """Return the French label of one of the question's options."""
    return next(o["label"] for o in question["options"] if o["code"] == code)


def expected_recommendations(page: Page, answers: dict[str, Any]) -> list[str]:
    """Return the recommendation ids, in order, that the JSON API gives for these answers."""
    response = page.request.post("/api/v1/score", data={"answers": answers})
    assert response.ok, response.text()
    return [r["id"] for r in response.json()["recommendations"]]


def assert_result_matches_api(page: Page, answers: dict[str, Any]) -> None:
    """Check that the page is a result showing the API's recommendations in the API's order."""
    expect(page).to_have_url(RESULT_URL)
    expect(page.locator("h1")).to_be_visible()
    shown = page.locator("[data-recommendation-id]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.recommendationId)"
    )
    assert shown == expected_recommendations(page, answers)


def income_label(code: str) -> str:
    """Return the French income-group label the application shows for a country."""
    country = partners.country(code)
    assert country is not None, code
    return partners.income_label(country.income_group, "fr")


# --- With the mouse ---------------------------------------------------------------------------


def pick_countries_with_mouse(page: Page, question: dict[str, Any], codes: list[str]) -> None:
    """Filter the country picker by name, click each country, and check its income group shows."""
    picker = page.locator(f"#question-{question['id']}")
    search = picker.get_by_role("searchbox")
    for code in codes:
        name = option_label(question, code).split(" — ")[0]
        search.click()
        search.fill("")
        search.press_sequentially(name)
        option = picker.locator(f"option[value='{code}']")
        expect(option).to_be_visible()
        shown = picker.locator("option:not([hidden])")
        expect(shown.first).to_have_attribute("value", code)
        assert shown.count() < picker.locator("option").count(), "the filter hides nothing"
        option.click()
        chosen = picker.locator(f".country-picker__list li[data-code='{code}']")
        expect(chosen).to_contain_text(name)
        expect(chosen).to_contain_text(income_label(code))
    selected = picker.locator("select").evaluate(
        "s => Array.from(s.selectedOptions).map(o => o.value)"
    )
    assert sorted(selected) == sorted(codes)


def answer_with_mouse(page: Page, question: dict[str, Any], value: Any, index: int) -> None:
    """Answer one question by clicking: labels for some questions, the controls for others."""
    if value is None or value == []:
        return
    if question["type"] == "country_multi":
        pick_countries_with_mouse(page, question, as_codes(value))
        return
    for code in as_codes(value):
        control = page.locator(f"input[name='{question['id']}'][value='{code}']")
        if index % 2:
            page.locator(f"label[for='{control.get_attribute('id')}']").click()
        else:
            control.click()
        expect(control).to_be_checked()


# Example A's partnerships as blocks: the partner countries, their age and their territories
# are derived from them (the step shows the blocks, not the derived questions).
BLOCKS_A: list[dict[str, Any]] = [
    {
        "partner_country": "DE",
        "partner_territory_kind": "city",
        "partnership_since": "gt_10y",
        "partnership_fields": ["culture", "education"],
        "partnership_actors": ["associations", "universities"],
        "partnership_funding": ["own_budget"],
    },
    {
        "partner_country": "MA",
        "partner_territory_kind": "capital_metropolis",
        "partnership_since": "3_10y",
        "partnership_fields": ["economy", "water_sanitation"],
        "partnership_actors": ["companies"],
        "partnership_funding": ["own_budget", "daect_calls"],
        "partner_seeks": ["economic_development"],
    },
]


def shown_steps(sections: list[dict[str, Any]], answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the steps a respondent goes through: the blocks only with partnerships."""
    return [s for s in sections if "repeat" not in s or answers.get("has_partnerships") == "yes"]


def fill_blocks_with_mouse(page: Page, section_id: str, blocks: list[dict[str, Any]]) -> None:
    """Add one block per partnership and answer it by clicking (the country from its list)."""
    for index, item in enumerate(blocks):
        page.locator("button[name='nav'][value='add']").click()
        prefix = f"{section_id}-{index}-"
        for key, value in item.items():
            if key == "partner_country":
                page.locator(f"select[name='{prefix}{key}']").select_option(value)
                continue
            for code in as_codes(value):
                control = page.locator(f"input[name='{prefix}{key}'][value='{code}']")
                control.click()
                expect(control).to_be_checked()


def test_respondent_completes_the_diagnostic_with_the_mouse(
    page: Page, questionnaire: dict[str, Any]
) -> None:
    page.goto("/")
    page.get_by_role("button", name="Commencer le diagnostic").click()
    given = {**EXAMPLE_A, "has_partnerships": "yes"}
    sections = shown_steps(questionnaire["sections"], given)
    answers: dict[str, Any] = {}
    for number, section in enumerate(sections):
        expect(page).to_have_url(step_url(section["id"]))
        if "repeat" in section:
            fill_blocks_with_mouse(page, section["id"], BLOCKS_A)
            answers[section["id"]] = BLOCKS_A
        for index, question in enumerate(section["questions"]):
            if "repeat" in section or question.get("derived"):
                continue
            value = answer_for(question, given)
            answer_with_mouse(page, question, value, index)
            if value is not None:
                answers[question["id"]] = value
        if number < len(sections) - 1:
            page.locator("button[name='nav'][value='next']:not([aria-hidden='true'])").click()
        else:
            # Consent to ARRICOD's statistics is never given by default.
            expect(page.locator("input[name='share_anonymised']")).not_to_be_checked()
            page.locator("button[name='nav'][value='finish']").click()
    assert_result_matches_api(page, answers)


def test_going_back_keeps_the_answers(page: Page, questionnaire: dict[str, Any]) -> None:
    page.goto("/")
    page.get_by_role("button", name="Commencer le diagnostic").click()
    first, second = questionnaire["sections"][:2]
    for index, question in enumerate(first["questions"]):
        answer_with_mouse(page, question, answer_for(question, EXAMPLE_B), index)
    page.locator("button[name='nav'][value='next']:not([aria-hidden='true'])").click()
    expect(page).to_have_url(step_url(second["id"]))
    page.locator("button[name='nav'][value='prev']").click()
    expect(page).to_have_url(step_url(first["id"]))
    for question in first["questions"]:
        for code in as_codes(answer_for(question, EXAMPLE_B)):
            expect(page.locator(f"input[name='{question['id']}'][value='{code}']")).to_be_checked()


# --- With the keyboard only -------------------------------------------------------------------


def assert_focus_visible(page: Page) -> None:
    """Check that the focused element draws an outline."""
    focus = page.evaluate(FOCUS_STYLE)
    assert focus["outline"] != "none", f"focus not visible: {focus}"
    assert focus["width"] > 0, f"focus not visible: {focus}"


def tab_to(page: Page, predicate: str, *, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab backwards) until predicate(document.activeElement) holds.

    Every element reached on the way must show its focus.
    """
    check = f"() => {{ const el = document.activeElement; return !!el && ({predicate})(el); }}"
    for _ in range(MAX_TABS):
        if page.evaluate(check):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate("() => document.activeElement !== document.body"):
            assert_focus_visible(page)
    raise AssertionError(f"Tab never reached an element matching {predicate}")


def choose_radio_with_keys(page: Page, name: str, code: str) -> None:
    """Tab into a radio group, then select the option with Space and the arrow keys."""
    tab_to(page, f"el => el.type === 'radio' && el.name === '{name}'")
    if not page.evaluate("() => document.activeElement.checked"):
        page.keyboard.press("Space")
    for _ in range(MAX_TABS):
        if page.evaluate("() => document.activeElement.value") == code:
            break
        page.keyboard.press("ArrowDown")
    assert_focus_visible(page)
    expect(page.locator(f"input[name='{name}'][value='{code}']")).to_be_checked()


def tick_checkboxes_with_keys(page: Page, name: str, codes: list[str]) -> None:
    """Tab to each checkbox to tick and press Space."""
    for code in codes:
        tab_to(page, f"el => el.name === '{name}' && el.value === '{code}'")
        page.keyboard.press("Space")
        expect(page.locator(f"input[name='{name}'][value='{code}']")).to_be_checked()


def pick_countries_with_keys(page: Page, question: dict[str, Any], codes: list[str]) -> None:
    """Tab to the country filter, type each country's name, choose it with Enter."""
    qid = question["id"]
    tab_to(page, f"el => el.id === '{qid}-filter'")
    for code in codes:
        name = option_label(question, code).split(" — ")[0]
        page.keyboard.type(name)
        page.keyboard.press("Enter")
        chosen = page.locator(f"#{qid}-chosen li[data-code='{code}']")
        expect(chosen).to_contain_text(income_label(code))
        # Enter picked the country and emptied the filter, without submitting the step.
        expect(page.locator(f"#{qid}-filter")).to_have_value("")
        expect(page.locator(f"#{qid}-filter")).to_be_focused()
    # Shift+Tab goes back before the filter; Tab comes back to it.
    page.keyboard.press("Shift+Tab")
    expect(page.locator(f"#{qid}-filter")).not_to_be_focused()
    tab_to(page, f"el => el.id === '{qid}-filter'")


def answer_with_keys(page: Page, question: dict[str, Any], value: Any) -> None:
    """Answer one question with the keyboard only."""
    if value is None or value == []:
        return
    codes = as_codes(value)
    if question["type"] == "country_multi":
        pick_countries_with_keys(page, question, codes)
    elif question["type"] == "multi":
        tick_checkboxes_with_keys(page, question["id"], codes)
    else:
        choose_radio_with_keys(page, question["id"], codes[0])


def press_button(page: Page, value: str) -> None:
    """Tab to the nav button with this value and press Enter."""
    tab_to(page, f"el => el.name === 'nav' && el.value === '{value}'")
    page.keyboard.press("Enter")


def submit_empty_step_with_keys(page: Page, section: dict[str, Any]) -> None:
    """Send the step unanswered: the error summary is announced and focused, and its first
    link leads to the first question."""
    press_button(page, "next")
    summary = page.locator("#error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")
    expect(summary.locator("a").first).to_be_focused()
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    first = section["questions"][0]
    expect(page.locator(f"input[name='{first['id']}']").first).to_be_focused()


def test_respondent_completes_the_diagnostic_with_the_keyboard_only(
    page: Page, questionnaire: dict[str, Any]
) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    assert skip.get_attribute("href") == "#contenu"
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#contenu$"))
    expect(page.locator("#contenu")).to_be_focused()

    tab_to(page, "el => el.type === 'submit' && el.form && el.form.action.endsWith('/commencer')")
    page.keyboard.press("Enter")

    # Without partnership blocks: the step of the blocks is skipped, the derived partner
    # questions come out empty, as the API derives them from « no partnership ».
    given = {**EXAMPLE_B, "has_partnerships": "no"}
    sections = shown_steps(questionnaire["sections"], given)
    answers: dict[str, Any] = {}
    for number, section in enumerate(sections):
        expect(page).to_have_url(step_url(section["id"]))
        if number == 0:
            submit_empty_step_with_keys(page, section)
        for question in section["questions"]:
            if question.get("derived"):
                continue
            value = answer_for(question, given)
            answer_with_keys(page, question, value)
            if value is not None:
                answers[question["id"]] = value
        if number < len(sections) - 1:
            press_button(page, "next")
        else:
            tab_to(page, "el => el.name === 'share_anonymised'")
            expect(page.locator("input[name='share_anonymised']")).not_to_be_checked()
            press_button(page, "finish")
    assert_result_matches_api(page, answers)

    # The result page is usable with the keyboard too: its skip link and links show focus.
    page.keyboard.press("Tab")
    expect(page.locator("a.skip-link")).to_be_focused()
    tab_to(page, "el => el.tagName === 'A' && el.href.includes('/supprimer')")
