"""« Structures similaires » on a structure page, from the page's own test atlas."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.web.builders import build_atlas, make_structure

pytestmark = pytest.mark.django_db


@pytest.fixture
def atlas(vocab):
    """The structure page's own test atlas (tests/web/builders.py)."""
    return build_atlas(vocab)


def section(response, start: str, end: str = "</section>") -> str:
    return response.content.decode().split(start, 1)[1].split(end, 1)[0]


def test_similar_structures_near_and_far_with_why(client, atlas):
    # La Fabrique (Nantes) works on renewable energy, mobility and digital inclusion.
    # Near (≤ 50 km): Pôle Mer et mobilités, in Nantes, shares Mobilité.
    # Far: Énergies Ouest Accélérateur, in Rennes (~100 km), shares the renewable energy
    # theme. The closed and pending structures of Nantes are not suggested.
    page = client.get(reverse("web:structure_detail", args=["la-fabrique-des-communs"]))
    # The page itself does not wait for the ranking: it links to it, and its script puts
    # the block in place of the link.
    placeholder = section(page, 'id="similar-title"')
    assert 'href="/structures/la-fabrique-des-communs/similaires/"' in placeholder
    assert "Pôle Mer et mobilités" not in placeholder
    assertContains(
        page, 'data-similar="/structures/la-fabrique-des-communs/similaires/?fragment=1"'
    )
    response = client.get("/structures/la-fabrique-des-communs/similaires/?fragment=1")
    assert not response.content.decode().lstrip().startswith("<!DOCTYPE")
    block = section(response, 'id="similar-title"')
    near, far = block.split("Ailleurs en France", 1)
    assert "Pôle Mer et mobilités" in near
    assert "Partage le thème Mobilité · à " in near
    assert "Énergies Ouest Accélérateur" in far
    assert "Partage le thème Énergies renouvelables et habitat économe en énergie · à 10" in far
    assert "Ancien coworking du port" not in block and "Projet en modération" not in block
    # Each suggestion links to its page and to its contact section.
    assert 'href="/structures/pole-mer-et-mobilites/#contact"' in near
    # And a partner search on the same themes and formats, from here.
    assert "/partenaires/?theme=energie-renouvelable&amp;theme=mobilite" in block


def test_words_of_the_description_alone_find_similar_structures(client, atlas):
    # The Hangar has no theme: its description ("Coworking et atelier partagé…") shares
    # "coworking" and "atelier" with La Fabrique's text, 490 km away.
    # Without JavaScript, the page of similar structures.
    response = client.get(reverse("matchmaking:similar", args=["le-hangar-tiers-lieu"]))
    assertContains(response, "<h1>Structures similaires à Le Hangar")
    far = section(response, "Ailleurs en France")
    assert "La Fabrique des communs" in far
    assert "Sa description correspond · à 4" in far


def test_a_structure_with_nothing_to_compare_has_no_block(client, atlas, django_assert_num_queries):
    bare = make_structure(name="Fiche vide", commune=atlas["fabrique"].commune)
    with django_assert_num_queries(8):  # as any structure page (tests/web)
        response = client.get(bare.get_absolute_url())
    assertNotContains(response, "Structures similaires")
    response = client.get(reverse("matchmaking:similar", args=[bare.slug]))
    assertContains(response, "Aucune structure semblable pour l'instant.")


def test_contact_section_anchor_follows_the_consent_rules(client, atlas):
    # With a contact who consented, #contact is the published contacts; the one who did not
    # stays hidden. Without any, #contact is where the relay form's button is.
    fabrique = client.get(reverse("web:structure_detail", args=["la-fabrique-des-communs"]))
    contacts = section(fabrique, 'id="contact"')
    assert "Camille Martin" in contacts
    assertNotContains(fabrique, "Dominique Secret")
    hangar = client.get(reverse("web:structure_detail", args=["le-hangar-tiers-lieu"]))
    relay = section(hangar, 'id="contact"', "</p>")
    assert reverse("contributions:contact", args=["le-hangar-tiers-lieu"]) in relay


def test_in_english(client, atlas, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("web:structure_detail", args=["la-fabrique-des-communs"]))
    assertContains(page, "See similar structures, nearby and elsewhere in France")
    response = client.get(reverse("matchmaking:similar", args=["la-fabrique-des-communs"]))
    assertContains(response, "Structures similar to La Fabrique des communs")
    assertContains(response, "Elsewhere in France")
    assertContains(response, "Shares the theme Mobility · ")
