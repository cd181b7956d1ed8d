"""Accessibility of every type of page: axe-core finds no serious or critical violation, the skip
link leads to the content, choice groups are fieldsets with a legend, errors are announced and
focused, and every chart has its data table."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    PageProblems,
    assert_charts_drawn,
    assert_charts_have_tables,
    log_in_as_admin,
)

Check = Callable[[Page], None]

# Radios and checkboxes outside a <fieldset> with a non-empty <legend>; a lone checkbox (one
# per name, such as a consent) needs none.
UNGROUPED_CHOICES = """() => {
  const controls = Array.from(document.querySelectorAll(
    'input[type=radio], input[type=checkbox]'));
  const sameName = (el) => controls.filter((c) => c.name === el.name && c.form === el.form);
  return controls
    .filter((el) => el.type === 'radio' || sameName(el).length > 1)
    .filter((el) => {
      const fieldset = el.closest('fieldset');
      const legend = fieldset && fieldset.querySelector(':scope > legend');
      return !legend || legend.textContent.trim() === '';
    })
    .map((el) => el.outerHTML);
}"""


def assert_page_structure(page: Page) -> None:
    """Check the skip link, the choice groups and the charts' data tables of a page."""
    skip = page.locator("a.skip-link")
    expect(skip).to_have_count(1)
    expect(skip).to_have_attribute("href", "#contenu")
    expect(page.locator("main#contenu")).to_have_count(1)
    first_focusable = page.evaluate(
        """() => {
          const all = document.querySelectorAll(
            'a[href], button, input, select, textarea, summary, [tabindex]');
          const el = Array.from(all).find((e) => e.tabIndex >= 0 && !e.disabled);
          return el ? el.className : null;
        }"""
    )
    assert first_focusable == "skip-link", f"first focusable element: {first_focusable}"
    ungrouped = page.evaluate(UNGROUPED_CHOICES)
    assert not ungrouped, f"choices outside a fieldset with a legend: {ungrouped}"
    assert_charts_have_tables(page)


@pytest.fixture
def audit(assert_accessible: Check) -> Check:
    """Return a check of a page: axe (serious and critical) and the structure rules."""

    def check(page: Page) -> None:
        assert_page_structure(page)
        assert_accessible(page)

    return check


@pytest.mark.parametrize("path", ["/", "/confidentialite", "/accessibilite", "/?lang=en"])
def test_information_pages(page: Page, audit: Check, path: str) -> None:
    page.goto(path)
    audit(page)


def test_skip_link_leads_to_the_content(page: Page) -> None:
    page.goto("/confidentialite")
    page.keyboard.press("Tab")
    expect(page.locator("a.skip-link")).to_be_focused()
    expect(page.locator("a.skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#contenu")).to_be_focused()
    page.keyboard.press("Tab")
    in_main = page.evaluate("() => !!document.activeElement.closest('main')")
    assert in_main, "after the skip link, Tab goes into the content"


def test_every_survey_step(
    page: Page, audit: Check, started_token: str, questionnaire: dict[str, Any]
) -> None:
    for section in questionnaire["sections"]:
        page.goto(f"/diagnostic/{started_token}/etape/{section['id']}")
        expect(page.locator("h1")).to_have_text(section["title"])
        audit(page)


def test_step_with_errors_announces_and_focuses_them(
    page: Page, audit: Check, started_token: str, questionnaire: dict[str, Any]
) -> None:
    first = questionnaire["sections"][0]
    page.goto(f"/diagnostic/{started_token}/etape/{first['id']}")
    page.locator("button[name='nav'][value='next']").click()

    summary = page.locator("#error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^(Erreur|Error)"))
    required = [q for q in first["questions"] if q["required"]]
    expect(summary.locator("a")).to_have_count(len(required))
    for question in required:
        field = page.locator(f"#question-{question['id']}")
        expect(field.locator(".error-message")).to_be_visible()
        described = field.locator("fieldset").get_attribute("aria-describedby") or ""
        error_id = field.locator(".error-message").get_attribute("id")
        assert error_id, question["id"]
        assert error_id in described.split(), (question["id"], described)
    # The summary's links lead to the fields.
    summary.locator("a").first.click()
    expect(page.locator(f"input[name='{required[0]['id']}']").first).to_be_focused()
    audit(page)


def test_save_and_resume_pages(
    page: Page, audit: Check, started_token: str, questionnaire: dict[str, Any]
) -> None:
    first = questionnaire["sections"][0]
    page.goto(f"/diagnostic/{started_token}/etape/{first['id']}")
    page.locator("button[name='nav'][value='save']").click()
    expect(page).to_have_url(re.compile(rf"/diagnostic/{started_token}/enregistre$"))
    expect(page.locator("#private-link")).to_have_value(re.compile(started_token))
    audit(page)
    page.get_by_role("link", name=re.compile("Reprendre")).click()
    expect(page).to_have_url(re.compile(rf"/etape/{first['id']}$"))
    audit(page)


def test_result_page(page: Page, audit: Check, completed_token: str) -> None:
    page.goto(f"/resultat/{completed_token}")
    assert_charts_drawn(page, minimum=2)
    audit(page)


def test_delete_confirmation_page(page: Page, audit: Check, completed_token: str) -> None:
    page.goto(f"/resultat/{completed_token}/supprimer")
    expect(page.get_by_role("button", name=re.compile("Supprimer"))).to_be_visible()
    audit(page)


def test_not_found_pages(page: Page, audit: Check, page_problems: PageProblems) -> None:
    page_problems.allow(r"/(cette-page-n-existe-pas|diagnostic/lien-inconnu)$")
    for path in ("/cette-page-n-existe-pas", "/diagnostic/lien-inconnu"):
        response = page.goto(path)
        assert response is not None
        assert response.status == 404
        audit(page)


def test_admin_login_page(page: Page, audit: Check) -> None:
    page.goto("/admin/login")
    audit(page)


def test_admin_login_errors_are_announced_and_focused(page: Page, audit: Check) -> None:
    log_in_as_admin(page, password="not the password")
    expect(page).to_have_url(re.compile(r"/admin/login"))
    summary = page.locator("#error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    audit(page)


def test_admin_dashboard(page: Page, audit: Check) -> None:
    log_in_as_admin(page)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    assert_charts_drawn(page)
    audit(page)


def test_data_dictionary(page: Page, audit: Check) -> None:
    log_in_as_admin(page)
    assert_charts_drawn(page)  # leave the dashboard only once its scripts are done
    link = page.get_by_role("link", name=re.compile("dictionnaire", re.I))
    expect(link.first).to_be_visible()
    link.first.click()
    expect(page.locator("h1")).to_contain_text(re.compile("dictionnaire", re.I))
    audit(page)


# --- Narrow screens (WCAG 1.4.10 reflow: 320 CSS pixels wide) ---------------------------------

NARROW = {"width": 320, "height": 800}


def assert_reflows(page: Page) -> None:
    """Check that the page needs no horizontal scrolling at its viewport's width."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"{page.url} is {width}px wide at {NARROW['width']}px"


def test_narrow_screen_respondent_pages(
    page: Page,
    audit: Check,
    started_token: str,
    completed_token: str,
    questionnaire: dict[str, Any],
) -> None:
    page.set_viewport_size(NARROW)
    steps = [f"/diagnostic/{started_token}/etape/{s['id']}" for s in questionnaire["sections"]]
    for path in ["/", *steps, f"/resultat/{completed_token}"]:
        page.goto(path)
        assert_charts_drawn(page, minimum=0)
        assert_reflows(page)
        audit(page)


def test_narrow_screen_admin_pages(page: Page, audit: Check) -> None:
    page.set_viewport_size(NARROW)
    log_in_as_admin(page)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    assert_charts_drawn(page)
    assert_reflows(page)
    audit(page)
    page.goto("/admin/dictionnaire")
    assert_reflows(page)
    audit(page)
