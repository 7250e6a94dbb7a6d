"""Search page: French full-text search over published structures, filters and states."""

import pytest
from django.db import connection
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from maillage.structures import selectors
from tests.web.builders import make_structure

pytestmark = pytest.mark.django_db

SEARCH = reverse("web:search")


def names(response):
    return [structure.name for structure in response.context["page"].object_list]


@pytest.fixture
def corpus(vocabularies):
    types, themes = vocabularies["type"], vocabularies["theme"]
    return {
        "energie": make_structure(
            name="Coopérative Soleil",
            main_type=types["incubateur-ess"],
            description="Accompagne les projets d'énergie renouvelable citoyenne.",
        ),
        "tiers_lieu": make_structure(
            name="Le Tiers-Lieu de la Gare", main_type=types["tiers-lieu"]
        ),
        "theme_only": make_structure(
            name="Atelier Mobile", main_type=types["fablab"], themes=[themes["mobilite"]]
        ),
        "pending": make_structure(
            name="Énergie en attente", main_type=types["fablab"], status="pending"
        ),
        "closed": make_structure(name="Énergie fermée", main_type=types["fablab"], status="closed"),
    }


@pytest.mark.parametrize(
    "query",
    ["energie", "ÉNERGIE", "Energie", "ener", "énergies renouvelables", "renouvelable energie"],
)
def test_accents_case_prefix_and_stemming(client, corpus, query):
    response = client.get(SEARCH, {"q": query})
    assert names(response) == ["Coopérative Soleil"]


@pytest.mark.parametrize("query", ["tiers lieu", "tiers-lieu", "TIERS-LIEU", "tierslieu gare"])
def test_hyphens_do_not_matter(client, corpus, query):
    expected = [] if query == "tierslieu gare" else ["Le Tiers-Lieu de la Gare"]
    assert names(client.get(SEARCH, {"q": query})) == expected


def test_vocabulary_labels_are_searchable_in_both_languages(client, corpus):
    assert "Atelier Mobile" in names(client.get(SEARCH, {"q": "mobilité"}))
    assert "Atelier Mobile" in names(client.get(SEARCH, {"q": "mobility"}))


def test_a_name_match_ranks_first(client, vocabularies):
    fablab = vocabularies["type"]["fablab"]
    make_structure(name="Atelier du quartier", main_type=fablab, description="Un lieu de mobilité.")
    make_structure(name="Mobilité Lab", main_type=fablab)
    assert names(client.get(SEARCH, {"q": "mobilite"})) == ["Mobilité Lab", "Atelier du quartier"]


def test_pending_and_closed_structures_are_not_found(client, corpus):
    response = client.get(SEARCH, {"q": "énergie"})
    assertNotContains(response, "Énergie en attente")
    assertNotContains(response, "Énergie fermée")


def test_type_filter(client, corpus):
    response = client.get(SEARCH, {"q": "atelier tiers coop", "type": "fablab"})
    assert names(response) == []
    response = client.get(SEARCH, {"type": "tiers-lieu"})
    assert names(response) == ["Le Tiers-Lieu de la Gare"]
    assertContains(response, '<option value="tiers-lieu" selected>', html=False)
    assertContains(response, "1 structure de type « Tiers-lieu / coworking »")


def test_unknown_type_is_ignored(client, corpus):
    response = client.get(SEARCH, {"q": "soleil", "type": "nope"})
    assert names(response) == ["Coopérative Soleil"]
    assert response.context["selected_type"] is None


def test_empty_query_asks_for_words(client, corpus):
    response = client.get(SEARCH, {"q": "   "})
    assert response.status_code == 200
    assertContains(response, "Que cherchez-vous ?")
    assertNotContains(response, 'role="status"')


def test_no_result_state(client, corpus):
    response = client.get(SEARCH, {"q": "xylophone", "type": "fablab"})
    assertContains(response, "0 structures de type « Fablab / makerspace » pour « xylophone »")
    assertContains(response, "Aucune structure trouvée")
    assertContains(response, "Chercher parmi tous les types de structures")


def test_the_query_is_escaped(client, corpus):
    response = client.get(SEARCH, {"q": "<script>alert(1)</script>"})
    assertNotContains(response, "<script>alert(1)</script>")
    assertContains(response, "&lt;script&gt;")


def test_pagination_keeps_the_query(client, vocabularies):
    for number in range(23):
        make_structure(name=f"Fablab numéro {number:02d}", main_type=vocabularies["type"]["fablab"])
    first = client.get(SEARCH, {"q": "fablab"})
    assert len(names(first)) == 20
    assertContains(first, "23 structures pour « fablab »")
    assertContains(first, "Page 1 sur 2")
    assertContains(first, 'href="?q=fablab&amp;page=2"', html=False)
    second = client.get(SEARCH, {"q": "fablab", "page": 2})
    assert len(names(second)) == 3
    assert client.get(SEARCH, {"q": "fablab", "page": "abc"}).status_code == 200


def test_query_count_does_not_grow_with_the_data(client, vocabularies, django_assert_num_queries):
    for number in range(25):
        make_structure(name=f"Fablab numéro {number:02d}", main_type=vocabularies["type"]["fablab"])
    # The data version (page cache), types for the filter, the count, the page (with type
    # and place joined); on SQLite, the page's keys by tiers (those with the query in their
    # name fill it here), then its rows (maillage.structures.text_search.RankedSearch).
    with django_assert_num_queries(5 if connection.vendor == "sqlite" else 4):
        client.get(SEARCH, {"q": "fablab", "type": "fablab"})
    with django_assert_num_queries(2):  # the data version (page cache), the types
        client.get(SEARCH)


def test_selector_without_query_or_type_matches_nothing(corpus):
    assert list(selectors.structure_search(query="")) == []
    assert list(selectors.structure_search(query="le la les")) == []
