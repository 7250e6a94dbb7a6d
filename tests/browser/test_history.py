"""The public history of a structure in a real browser: readable, accessible, and the
moderator's revert button puts the record back."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from maillage.contributions.services import structure_edit
from tests.browser.conftest import axe_violations
from tests.contributions.conftest import make_user
from tests.web.builders import build_atlas, load_vocabularies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def atlas(transactional_db):
    cache.clear()
    return build_atlas(load_vocabularies())


def test_history_page_reads_and_reverts(page, live_server, atlas, screenshot):
    from maillage.contributions.models import StructureManager
    from maillage.contributions.roles import MODERATORS
    from maillage.contributions.services import claim_confirm

    structure = atlas["fabrique"]
    manager = make_user("direction@fabrique-des-communs.example")
    claim = StructureManager.objects.create(
        user=manager, structure=structure, method=StructureManager.Method.EMAIL
    )
    claim_confirm(claim=claim, by=None)
    structure.refresh_from_db()
    structure_edit(
        structure=structure,
        payload={"acronym": "<script>alert(1)</script>", "themes": ["mobilite"]},
        base_updated_at=structure.updated_at,
        user=manager,
    )

    page.goto(live_server.url + structure.get_absolute_url())
    page.get_by_role("link", name="Historique des modifications").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Historique")
    entry = page.get_by_role("listitem").filter(has_text="Gestionnaire de la structure")
    expect(entry.get_by_role("rowheader", name="Sigle")).to_be_visible()
    expect(entry.get_by_text("<script>alert(1)</script>")).to_be_visible()
    expect(page.get_by_role("button", name="Annuler cette modification")).to_have_count(0)
    assert axe_violations(page) == []
    screenshot("history-public")

    moderator = make_user("moderatrice@maillage.test", role=MODERATORS)
    page.goto(live_server.url + "/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(moderator.email)
    page.get_by_label("Mot de passe").fill("un-mot-de-passe-long")
    page.get_by_role("button", name="Se connecter").click()
    page.goto(live_server.url + f"/structures/{structure.slug}/historique/")
    page.get_by_role("button", name="Annuler cette modification").click()
    expect(page.get_by_text("La modification est annulée.")).to_be_visible()
    expect(page.get_by_text("Modération (retour arrière)")).to_be_visible()
    assert axe_violations(page) == []
    screenshot("history-moderator")
    structure.refresh_from_db()
    assert structure.acronym == "FDC"
