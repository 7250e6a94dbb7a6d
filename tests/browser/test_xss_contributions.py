"""Script payloads typed into the contribution forms, and shown in the guide, never run.

A visitor proposes a structure and a correction with a payload in every text field, in a
real Chromium; a moderator reviews them in the queue and on the comparison page and accepts
them; then every place that shows the values is opened: the structure pages, the map's
card, search, the API, the exports, the revisions, the editions' comparison and the guide
(HTML, and PDF whose text must hold the payloads as literal text).

The pages are opened with the Content-Security-Policy bypassed: escaping alone must keep
the payloads inert (the CSP is a second line, tested elsewhere). A payload that ran would
set `window.__xss`, open a dialog, or leave an injected element in the page.
"""

import io
import json
import re

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import expect
from pypdf import PdfReader

from maillage.contributions.editions import edition_publish
from maillage.contributions.models import Edition, Proposal, StructureRevision
from maillage.contributions.roles import MODERATORS
from maillage.structures.models import ResilienceInitiative, Structure
from tests.browser.conftest import DESKTOP
from tests.browser.test_xss import PAYLOADS
from tests.contributions.conftest import make_user
from tests.web.builders import build_atlas, load_vocabularies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = " | ".join(PAYLOADS)
# Names carry a <script> (runs when parsed as HTML) and an <img onerror> (also runs when
# inserted with innerHTML, as the map inserts its card).
NEW_NAME = "Atelier " + PAYLOADS[0] + PAYLOADS[1]
CORRECTED_NAME = "Fabrique " + PAYLOADS[0] + PAYLOADS[1]
# Accepted by the URL fields (http or https, no space), hostile once pasted into HTML.
URL_PAYLOAD = "https://exemple.org/?a=\"><script>window.__xss='url'</script>"
INJECTED = "body img[src='x'], body iframe[srcdoc], svg[onload], b[onmouseover]"


@pytest.fixture
def atlas(transactional_db, settings):
    settings.ALTCHA_MAX_NUMBER = 50  # a challenge the widget solves in a blink
    settings.ALTCHA_COST = 10
    settings.MAP_STYLE_URL = ""  # no base map from the internet
    cache.clear()
    return build_atlas(load_vocabularies())


@pytest.fixture
def unguarded(browser, live_server, settings):
    """A page whose Content-Security-Policy is ignored by the browser, so that only the
    escaping stands between a payload and its execution. Any dialog, console error or page
    error fails the test; requests off the live server are aborted."""
    settings.LANGUAGE_CODE = "fr"
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    problems: list[str] = []

    def only_live_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            problems.append(f"blocked request to {route.request.url}")
            route.abort()

    page.route("**/*", only_live_server)
    page.on(
        "dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss())
    )
    page.on(
        "console",
        lambda m: m.type == "error" and problems.append(f"console: {m.text} ({m.location})"),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    yield page
    context.close()
    assert problems == [], "\n".join(problems)


INJECTED_SCRIPT = "() => [...document.scripts].some((s) => /__xss|alert/.test(s.textContent))"


def assert_inert(page, url: str) -> None:
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => window.__xss") is None, url
    assert page.locator(INJECTED).count() == 0, url
    assert page.evaluate(INJECTED_SCRIPT) is False, url


def visit(page, live_server, path: str) -> None:
    page.goto(live_server.url + path)
    assert_inert(page, path)


def fill_every_text_field(page, *, name: str) -> None:
    page.get_by_label("Nom de la structure").fill(name)
    page.get_by_label("Sigle").fill(PAYLOADS[1][:40])
    page.get_by_label("Présentation en une phrase").fill(PAYLOADS[2])
    page.get_by_label("Présentation détaillée").fill(HOSTILE)
    page.get_by_label("Adresse (numéro et voie)").fill(PAYLOADS[3])
    page.get_by_label("Site web").fill(URL_PAYLOAD)
    page.get_by_label("LinkedIn").fill(URL_PAYLOAD.replace("exemple.org", "linkedin.com"))
    page.get_by_label("X / Twitter").fill(URL_PAYLOAD.replace("exemple.org", "x.com"))
    page.get_by_label("Facebook").fill(URL_PAYLOAD.replace("exemple.org", "facebook.com"))
    page.get_by_label("Forme juridique").fill(PAYLOADS[4])
    page.get_by_label("Votre nom").fill(PAYLOADS[1])
    page.get_by_label("Votre adresse e-mail").fill("alex@exemple.org")
    page.get_by_label("Un mot pour l'équipe de modération").fill(HOSTILE)


def send(page) -> None:
    widget = page.locator("altcha-widget")
    expect(widget.locator("[data-state='verified']")).to_have_count(1, timeout=30_000)
    not_duplicate = page.get_by_label("Ma proposition ne correspond à aucune de ces fiches")
    if not_duplicate.is_visible():
        not_duplicate.check()
    page.get_by_role("button", name=re.compile("Envoyer")).click()
    expect(page).to_have_url(re.compile(r"/contribuer/merci/"))


def test_payloads_through_the_contribution_forms_never_run(unguarded, live_server, atlas):
    page = unguarded
    # A new structure, proposed with a payload in every text field.
    page.goto(live_server.url + "/contribuer/")
    fill_every_text_field(page, name=NEW_NAME)
    page.get_by_label("Type principal").select_option(label="Fablab / makerspace")
    page.get_by_label("Code postal").fill("44000")
    page.get_by_label("Commune").fill("Nantes")
    page.get_by_label("Mobilité", exact=True).check()
    assert_inert(page, "/contribuer/ (duplicate hints)")
    send(page)
    # A correction of a published structure, the same way.
    fabrique = Structure.objects.get(slug="la-fabrique-des-communs")
    page.goto(live_server.url + f"/structures/{fabrique.slug}/corriger/")
    fill_every_text_field(page, name=CORRECTED_NAME)
    send(page)
    new, correction = Proposal.objects.order_by("pk")
    assert new.payload["description"] == HOSTILE  # stored as typed, shown as text
    assert correction.payload["name"] == CORRECTED_NAME
    before = edition_publish(title="Avant les propositions")

    # A moderator reviews the queue and each comparison, and accepts.
    moderator = make_user("moderatrice@maillage.test", role=MODERATORS)
    session = Client()
    session.force_login(moderator)
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    visit(page, live_server, "/admin/contributions/proposal/")
    expect(page.get_by_text("Atelier " + PAYLOADS[0]).first).to_be_visible()
    for proposal in (new, correction):
        visit(page, live_server, f"/admin/contributions/proposal/{proposal.pk}/moderer/")
        page.get_by_role("button", name="Accepter et publier").click()
        expect(page).to_have_url(re.compile(r"/admin/contributions/proposal/$"))
        assert_inert(page, "accepted")
    new.refresh_from_db()
    created = new.structure
    fabrique.refresh_from_db()
    assert created.name == NEW_NAME
    assert created.status == Structure.Status.PUBLISHED
    assert fabrique.name == CORRECTED_NAME
    assert fabrique.description == HOSTILE
    after = edition_publish(title="Après les propositions")
    for revision in StructureRevision.objects.all():
        visit(page, live_server, f"/admin/contributions/structurerevision/{revision.pk}/change/")
    assert Edition.objects.count() == 2
    visit(page, live_server, f"/editions/comparer/?de={before.slug}&a={after.slug}")
    expect(page.get_by_text("Atelier " + PAYLOADS[0]).first).to_be_visible()

    # Every public place that shows them.
    for structure in (created, fabrique):
        visit(page, live_server, structure.get_absolute_url())
        heading = page.get_by_role("heading", level=1).inner_text()
        assert PAYLOADS[0] in heading  # shown as text, for people to see and fix
        visit(page, live_server, f"/carte/?structure={structure.uid}")
        card = page.locator(f"[data-structure-card='{structure.uid}']")
        expect(card.locator("[data-card-title]")).to_contain_text(PAYLOADS[0] + PAYLOADS[1])
        visit(page, live_server, f"/api/v1/structures/{structure.uid}")
    for path in ("/", "/recherche/?q=atelier", "/api/v1/structures?q=atelier", "/enseignements/"):
        visit(page, live_server, path)
    # The exports are downloads, never pages: not HTML, not sniffed, the values as data.
    for export in ("json", "csv", "geojson", "xlsx"):
        response = page.request.get(f"{live_server.url}/api/v1/exports/{export}")
        assert response.ok
        assert "html" not in response.headers["content-type"], export
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-disposition"].startswith("attachment"), export
    exported = page.request.get(f"{live_server.url}/api/v1/exports/json").json()
    records = exported if isinstance(exported, list) else exported.get("structures", exported)
    assert HOSTILE in json.dumps(records, ensure_ascii=False).replace('\\"', '"')
    csv = page.request.get(f"{live_server.url}/api/v1/exports/csv").text()
    assert "Atelier " + PAYLOADS[0] in csv


def test_payloads_in_the_guide_are_text_in_html_and_pdf(unguarded, live_server, atlas):
    structure = Structure.objects.get(slug="la-fabrique-des-communs")
    structure.name = "Atelier " + PAYLOADS[0]
    structure.save()
    ResilienceInitiative.objects.create(structure=structure, title=PAYLOADS[1])
    ResilienceInitiative.objects.create(structure=structure, title=PAYLOADS[2])

    visit(unguarded, live_server, "/enseignements/guide.html")
    text = unguarded.locator("body").inner_text()
    for shown in ("Atelier " + PAYLOADS[0], PAYLOADS[1], PAYLOADS[2]):
        assert shown in text

    # WeasyPrint lays out the whole guide: far longer than a page on a busy machine.
    response = unguarded.request.get(f"{live_server.url}/enseignements/guide.pdf", timeout=300_000)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf_text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(response.body())).pages
    )
    flat = re.sub(r"\s+", "", pdf_text)
    for shown in ("Atelier " + PAYLOADS[0], PAYLOADS[1], PAYLOADS[2]):
        assert re.sub(r"\s+", "", shown) in flat, shown
