"""The action plan in Chromium: built from the result page without JavaScript tricks, errors
announced, exported as CSV and iCalendar (both parsed back), shown in the printed brief, and
every page of it clean for axe."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from icalendar import Calendar
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_charts_drawn
from tests.browser.test_accessibility import assert_page_structure

Check = Callable[[Page], None]


def _check(page: Page, assert_accessible: Check) -> None:
    """Check a page's structure (fieldsets, skip link) and axe's serious and critical rules."""
    assert_page_structure(page)
    assert_accessible(page)


def _download(page: Page, name: str) -> bytes:
    """Click a download link and return the file's bytes."""
    with page.expect_download() as info:
        page.get_by_role("link", name=name).click()
    return Path(info.value.path()).read_bytes()


def test_a_plan_is_built_edited_exported_and_printed(
    page: Page, completed_token: str, assert_accessible: Check
) -> None:
    page.goto(f"/resultat/{completed_token}")
    page.get_by_role("link", name="Construire et suivre votre plan d'action").click()
    expect(page).to_have_url(re.compile(rf"/resultat/{completed_token}/plan$"))
    expect(page.get_by_text("Votre plan ne contient encore aucune action.")).to_be_visible()
    _check(page, assert_accessible)

    page.get_by_role("button", name="Garder toutes ces recommandations dans le plan").click()
    rows = page.locator(".plan-table tbody tr")
    kept = rows.count()
    assert kept >= 3
    expect(page.get_by_role("status")).to_contain_text("ajoutée(s) au plan")
    first_title = rows.first.locator("th").inner_text().split("\n")[0].strip()

    rows.first.get_by_role("link", name=re.compile("^Modifier")).click()
    _check(page, assert_accessible)
    page.get_by_label("Pilote (un rôle, pas un nom)").select_option(
        label="Service développement économique"
    )
    page.get_by_label("Élu·e référent·e (un rôle)").select_option(
        label="Élu·e délégué·e au développement économique"
    )
    page.get_by_label("Trimestre de début").select_option("2027-T2")
    page.get_by_label("Trimestre de fin").select_option("2027-T1")
    page.get_by_label("Statut").select_option(label="En cours")
    page.get_by_label("FICOL (AFD)").check()
    page.get_by_role("button", name="Enregistrer l'action").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("La fin ne peut pas précéder le début.")
    _check(page, assert_accessible)
    page.get_by_role("link", name="La fin ne peut pas précéder le début.").click()
    page.get_by_label("Trimestre de fin").select_option("2027-T4")
    page.get_by_role("button", name="Enregistrer l'action").click()
    expect(page).to_have_url(re.compile(rf"/resultat/{completed_token}/plan$"))
    first = page.locator(".plan-table tbody tr").first
    expect(first).to_contain_text("En cours")
    expect(first).to_contain_text("Service développement économique")
    expect(first).to_contain_text("FICOL (AFD)")

    # Drop the second action, add one of one's own.
    page.locator(".plan-table tbody tr").nth(1).get_by_role(
        "button", name=re.compile("^Retirer")
    ).click()
    expect(page.locator(".plan-table tbody tr")).to_have_count(kept - 1)
    page.get_by_role("link", name="Ajouter une action à vous").click()
    page.get_by_label("Intitulé de l'action").fill("Accueillir une délégation de Rabat")
    page.get_by_label("Trimestre de début").select_option("2027-T3")
    page.get_by_label("Trimestre de fin").select_option("2027-T3")
    page.get_by_role("button", name="Enregistrer l'action").click()
    expect(page.locator(".plan-table tbody tr")).to_have_count(kept)
    _check(page, assert_accessible)

    body = _download(page, "Tableur (CSV pour Excel)").decode("utf-8")
    assert body.startswith("\ufeff")
    table = list(csv.DictReader(io.StringIO(body[1:]), delimiter=";"))
    assert len(table) == kept
    assert table[0]["Action"] == first_title
    assert table[0]["Pilote"] == "Service développement économique"
    assert (table[0]["Début"], table[0]["Fin"], table[0]["Statut"]) == (
        "2027-T2",
        "2027-T4",
        "En cours",
    )
    assert "FICOL (AFD)" in table[0]["Instruments"]
    assert table[-1]["Action"] == "Accueillir une délégation de Rabat"
    assert table[-1]["Recommandation d'origine"] == ""

    calendar = Calendar.from_ical(_download(page, "Agenda (iCalendar)"))
    todos = calendar.walk("VTODO")
    assert [str(t["SUMMARY"]) for t in todos] == [row["Action"] for row in table]
    assert todos[0].decoded("DTSTART") == date(2027, 4, 1)
    assert todos[0].decoded("DUE") == date(2028, 1, 1)
    assert len(calendar.walk("VEVENT")) == 1

    # The plan is part of the result page and of its print.
    page.get_by_role("link", name="Retour à votre résultat").click()
    section = page.locator("#plan-action")
    expect(section.locator(".plan-table tbody tr")).to_have_count(kept)
    page.emulate_media(media="print")
    expect(section).to_be_visible()
    expect(section.get_by_role("link", name="Modifier votre plan d'action")).to_be_hidden()
    page.emulate_media(media="screen")


def test_the_plan_pages_in_english(
    page: Page, completed_token: str, assert_accessible: Check
) -> None:
    page.goto(f"/resultat/{completed_token}/plan?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your action plan")
    page.get_by_role("link", name="Add an action of your own").click()
    expect(page.get_by_label("Lead (a role, not a name)")).to_be_visible()
    page.get_by_role("button", name="Save the action").click()
    expect(page.locator("#error-summary")).to_contain_text("Give the action's title.")
    _check(page, assert_accessible)


def test_a_rediagnosis_is_prefilled_and_draws_the_progress(
    page: Page, completed_token: str, assert_accessible: Check
) -> None:
    page.goto(f"/resultat/{completed_token}")
    page.get_by_role("button", name="Refaire le diagnostic").click()
    expect(page).to_have_url(re.compile(r"/diagnostic/[A-Za-z0-9_-]{40,}/etape/profile$"))
    assert completed_token not in page.url
    expect(page.get_by_role("status")).to_contain_text("pré-rempli avec vos réponses")
    expect(page.locator("input[name='collectivity_type'][value='commune']")).to_be_checked()
    while page.locator("button[name='nav'][value='next']").count():
        if page.locator("input[name='elected_awareness']").count():
            page.locator("input[name='elected_awareness'][value='4']").check()
        page.locator("button[name='nav'][value='next']").click()
    page.locator("button[name='nav'][value='finish']").click()
    expect(page).to_have_url(re.compile(r"/resultat/[A-Za-z0-9_-]{40,}$"))
    section = page.locator("#progres")
    expect(section.get_by_role("heading", level=2)).to_have_text(
        "Vos progrès depuis vos diagnostics précédents"
    )
    assert_charts_drawn(page, minimum=3)
    progress = section.locator(".chart-figure__table tbody tr")
    expect(progress).to_have_count(2)
    expect(section).to_contain_text("sensibilisation des élus")
    _check(page, assert_accessible)
