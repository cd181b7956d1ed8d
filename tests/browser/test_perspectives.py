"""Team perspectives in Chromium: a link created by the officer, answered in a second browser
context (another person, no shared cookie), the divergence drawn, the answer consolidated."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_charts_drawn
from tests.browser.test_accessibility import assert_page_structure

Check = Callable[[Page], None]


def test_a_perspective_answered_in_another_context_then_consolidated(
    page: Page, browser: Browser, base_url: str, completed_token: str, assert_accessible: Check
) -> None:
    page.goto(f"/resultat/{completed_token}")
    page.get_by_role("link", name="Gérer les liens des regards et retenir les réponses").click()
    assert_page_structure(page)
    assert_accessible(page)
    page.get_by_label("Rôle de la personne invitée").select_option(label="Élu·e")
    page.get_by_role("button", name="Créer le lien").click()
    link = page.get_by_label("Lien à envoyer").input_value()
    assert re.search(r"/regard/[A-Za-z0-9_-]{43}$", link)
    assert completed_token not in link

    other = browser.new_context(base_url=base_url)
    try:
        guest = other.new_page()
        guest.goto(link)
        expect(guest.get_by_role("note")).to_contain_text("ne sont pas anonymes")
        expect(guest.locator("input[name='collectivity_type']")).to_have_count(0)
        assert_page_structure(guest)
        assert_accessible(guest)
        guest.locator("input[name='roi_demand'][value='strong']").check()
        guest.locator("input[name='elected_awareness'][value='1']").check()
        guest.get_by_role("button", name="Enregistrer mes réponses").click()
        expect(guest.get_by_role("status")).to_contain_text("vos réponses sont enregistrées")
        expect(guest.locator("input[name='roi_demand'][value='strong']")).to_be_checked()
        guest.goto(f"/resultat/{completed_token}".replace(completed_token, link.rsplit("/", 1)[1]))
        expect(guest.get_by_role("heading", level=1)).not_to_have_text("Votre résultat")
    finally:
        other.close()

    page.goto(f"/resultat/{completed_token}")
    section = page.locator("#regards")
    expect(section.locator("table.perspectives-table tbody tr").first).to_contain_text("Élu·e")
    assert_charts_drawn(page, minimum=3)
    assert_accessible(page)
    page.goto(f"/resultat/{completed_token}/regards")
    row = page.locator("table.perspectives-table tbody tr", has_text="retour sur investissement")
    row.get_by_role("button", name=re.compile("^Retenir cette réponse")).click()
    expect(page.get_by_role("status")).to_contain_text("votre résultat recalculé")
    row = page.locator("table.perspectives-table tbody tr", has_text="retour sur investissement")
    expect(row.locator("td").first).to_have_text("Fortement")
