"""Nothing typed into a structure's fields runs in a visitor's browser.

A corpus of script-injection payloads is written into every text field an import or a
contributor can fill (name, acronym, descriptions, address, partner names, value examples,
initiative texts, contact), then every page that shows them is opened in Chromium: no dialog
opens, no payload sets its marker, and no injected element appears.
"""

import pytest

from maillage.structures.models import (
    Contact,
    NamedPartner,
    ResilienceInitiative,
    Structure,
    ValueExample,
)
from tests.web.builders import build_atlas, load_vocabularies, make_structure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = [
    "<script>window.__xss = 'script'</script>",
    '"><img src=x onerror="window.__xss=\'img\'">',
    "<svg onload=\"window.__xss='svg'\"></svg>",
    "'><iframe srcdoc=\"<script>parent.__xss='iframe'</script>\"></iframe>",
    "</title><script>alert('title')</script>",
    "{{ 7*7 }} ${7*7} <b onmouseover=alert(1)>hover</b>",
    "javascript:alert('link')",
]
HOSTILE = " | ".join(PAYLOADS)


@pytest.fixture
def hostile(transactional_db):
    vocabularies = load_vocabularies()
    build_atlas(vocabularies)
    structure = make_structure(
        name="Atelier " + PAYLOADS[0],
        acronym=PAYLOADS[1][:40],
        main_type=vocabularies["type"]["fablab"],
        short_description=PAYLOADS[2][:300],
        description=HOSTILE,
        address=PAYLOADS[3][:300],
        legal_form=PAYLOADS[4][:120],
        provenance_note=HOSTILE,
        status=Structure.Status.PUBLISHED,
    )
    NamedPartner.objects.create(structure=structure, name=PAYLOADS[1])
    ValueExample.objects.create(structure=structure, title=PAYLOADS[2], description=HOSTILE)
    ResilienceInitiative.objects.create(structure=structure, title=PAYLOADS[0], description=HOSTILE)
    Contact.objects.create(
        structure=structure,
        name=PAYLOADS[1][:200],
        role=PAYLOADS[2][:200],
        publication_consent=True,
    )
    return structure


def test_payloads_never_run(page, live_server, hostile, settings):
    settings.MAP_STYLE_URL = ""  # no base map from the internet in tests
    from maillage.contributions.editions import edition_publish
    from maillage.contributions.services import revision_record

    # The payloads in the public history (a creation shows every field) and in an edition.
    revision_record(structure=hostile, before=None, origin="import", note=PAYLOADS[0])
    edition_publish(title="Édition " + PAYLOADS[1], note=HOSTILE)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    pages = [
        "/",
        "/recherche/?q=atelier",
        f"/structures/{hostile.slug}/",
        f"/carte/?structure={hostile.uid}",
        "/enseignements/",
        "/donnees/",
        f"/api/v1/structures/{hostile.uid}",
        "/recherche/?q=" + PAYLOADS[0],
        f"/structures/{hostile.slug}/historique/",
        f"/structures/{hostile.slug}/ajouter/partenaire/",
        "/carte/edition/1/",
        "/enseignements/?edition=1",
        "/editions/",
    ]
    for url in pages:
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__xss") is None, url
        assert page.locator("body img[src='x'], body iframe[srcdoc], svg[onload]").count() == 0
    assert dialogs == []
    # The payload is shown as text, for people to see and fix.
    page.goto(live_server.url + f"/structures/{hostile.slug}/")
    assert "<script>" in page.get_by_role("heading", level=1).inner_text()
