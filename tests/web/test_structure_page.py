"""Structure page: everything known about a structure, and nothing that must stay private."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from maillage.structures import selectors
from maillage.structures.models import Structure

pytestmark = pytest.mark.django_db


def url(key):
    return reverse("web:structure_detail", args=[key])


@pytest.fixture
def fabrique_page(client, atlas):
    return client.get(url("la-fabrique-des-communs"))


@pytest.mark.parametrize(
    "text",
    [
        "La Fabrique des communs",
        "(FDC)",
        "Fablab associatif et tiers-lieu de fabrication numérique",
        "Atelier ouvert de prototypage",
        "12 rue des Ateliers",
        "44200",
        "code INSEE 44109",
        "Nantes Métropole",
        "Métropole",
        "Loire-Atlantique (44)",
        "Pays de la Loire",
        "47,20631, -1,56342",
        "Précision : adresse (numéro)",
        "source : Base Adresse Nationale",
        "fabrique-des-communs.example",
        "2014",
        "Association loi 1901",
        "12345678900017",
        "Mobilité",
        "Prototypage et fabrication",
        "Citoyens et associations",
        "Grandes entreprises",
        "Ville de Nantes",
        "Des vélos cargos fabriqués localement",
        "Visières imprimées en 3D pour les soignants",
        "De mars 2020 à juin 2020",
        "Équipements de protection",
        "Camille Martin",
        "Coordinatrice",
        "mailto:camille@fabrique-des-communs.example",
        "Étude Banque des Territoires / OpenCitiz (2020)",
        "Licence Ouverte 2.0",
        "Banque des Territoires, OpenCitiz",
        "BDT-042",
        "Vérifiée le 14 mars 2026 par Équipe Maillage",
        "mlg-0001",
    ],
)
def test_shows_every_known_field(fabrique_page, text):
    assertContains(fabrique_page, text)


def test_type_badges_carry_the_type_colours(fabrique_page):
    assertContains(fabrique_page, 'style="--type-color: #e67700" data-type="fablab"', html=False)
    assertContains(fabrique_page, 'data-type="living-lab"', html=False)
    assertContains(fabrique_page, 'data-type="tiers-lieu"', html=False)


def test_contacts_without_consent_are_never_shown(fabrique_page):
    assertNotContains(fabrique_page, "Dominique Secret")
    assertNotContains(fabrique_page, "secret@example.org")


def test_external_links_are_safe(fabrique_page):
    assertContains(
        fabrique_page,
        '<a href="https://www.fabrique-des-communs.example/" rel="noopener nofollow">',
        html=False,
    )
    # The import left a javascript: URL in the twitter field: it is not rendered at all.
    assertNotContains(fabrique_page, "javascript:")
    assertNotContains(fabrique_page, "X / Twitter")


def test_named_partners_link_only_to_public_structures(fabrique_page):
    assertContains(
        fabrique_page,
        f'<a href="{url("energies-ouest-accelerateur")}">Énergies Ouest Accélérateur</a>',
        html=False,
    )
    assertContains(fabrique_page, "Projet en modération")
    assertNotContains(fabrique_page, url("projet-en-moderation"))


def test_verified_structure_has_no_unverified_notice(fabrique_page):
    assertNotContains(fabrique_page, "Non vérifiée")


def test_unverified_notice(client, atlas):
    response = client.get(url("le-hangar-tiers-lieu"))
    assertContains(response, '<p class="notice__title">Non vérifiée</p>', html=False)
    assertContains(response, "Recensement national des tiers-lieux (CGET, 2019)")
    assertContains(response, "TL-0815")
    assertContains(response, "Adresse du recensement de 2019, non confirmée depuis.")
    assertContains(response, "Précision : centre de la commune")
    assertContains(response, "Grand-Figeac")
    assertContains(response, "Communauté de communes")


def test_closed_structure_is_shown_as_closed(client, atlas):
    response = client.get(url("ancien-coworking-du-port"))
    assert response.status_code == 200
    assertContains(response, "Structure fermée")


def test_uid_redirects_permanently_to_the_slug(client, atlas):
    response = client.get(url("mlg-0001"))
    assert response.status_code == 301
    assert response["Location"] == url("la-fabrique-des-communs")


@pytest.mark.parametrize("key", ["projet-en-moderation", "mlg-0009", "nobody-here"])
def test_pending_and_unknown_structures_are_404(client, atlas, key):
    response = client.get(url(key))
    assert response.status_code == 404
    assertContains(response, "Page introuvable", status_code=404)
    assertContains(response, 'class="site-header"', status_code=404)
    assertNotContains(response, "Projet en modération", status_code=404)


def test_minimal_structure_renders(client, structure_factory, vocabularies):
    structure = structure_factory(
        main_type=vocabularies["type"]["technopole"],
        commune=None,
        latitude=None,
        longitude=None,
        geo_precision=Structure.GeoPrecision.NONE,
    )
    response = client.get(structure.get_absolute_url())
    assert response.status_code == 200
    assertContains(response, "Non localisée")


def test_selector_prefers_a_slug_over_an_equal_uid(atlas, structure_factory, vocabularies):
    shadow = structure_factory(
        uid="la-fabrique-des-communs", slug="autre", main_type=vocabularies["type"]["fablab"]
    )
    assert selectors.structure_get(key="la-fabrique-des-communs") == atlas["fabrique"]
    assert selectors.structure_get(key="autre") == shadow


def test_query_count_is_constant(client, atlas, django_assert_num_queries):
    # The data version (page cache), the structure with its places and source, its terms
    # of five vocabularies in one query, then one query per list it shows (its practice
    # sheets included); « Structures similaires » are fetched after the page.
    with django_assert_num_queries(8):
        client.get(url("la-fabrique-des-communs"))
    with django_assert_num_queries(8):
        client.get(url("le-hangar-tiers-lieu"))
