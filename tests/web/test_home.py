"""Home page: counts, links to filtered searches, recent structures, origin of the project."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from maillage.structures import selectors
from maillage.structures.models import Structure

pytestmark = pytest.mark.django_db

HOME = reverse("web:home")


def test_counts_only_published_structures(client, atlas):
    response = client.get(HOME)
    assert response.status_code == 200
    # Seven published; the closed and the pending ones are not counted.
    assert response.context["published_count"] == 7
    assertContains(
        response, '<strong class="hero__number">7</strong> structures publiées', html=False
    )
    assertContains(response, "dans 4 régions")


def test_type_counts_link_to_a_filtered_search_with_the_type_colour(client, atlas):
    response = client.get(HOME)
    counts = {item.term.slug: item.count for item in response.context["type_counts"]}
    assert counts["tiers-lieu"] == 1  # the closed one is not counted
    assert counts["fablab"] == 1  # the pending one is not counted
    assert counts["technopole"] == 0
    assert list(counts)[:3] == ["accelerateur", "technopole", "pole-competitivite"]
    assertContains(response, f'href="{reverse("web:search")}?type=tiers-lieu"')
    assertContains(response, "--type-color: #6741d9")


def test_region_table(client, atlas):
    response = client.get(HOME)
    regions = [(r.name, r.count) for r in response.context["region_counts"]]
    assert regions[0] == ("Auvergne-Rhône-Alpes", 2)
    assert ("Occitanie", 1) in regions
    assert [name for name, _ in regions if name == "Pays de la Loire"]
    assertContains(response, '<th scope="row">Occitanie</th>', html=False)


def test_search_box_and_recent_structures(client, atlas):
    response = client.get(HOME)
    assertContains(response, f'action="{reverse("web:search")}"')
    assertContains(response, '<label class="search-box__label" for="home-q">', html=False)
    recent = list(response.context["recent_structures"])
    assert len(recent) == 6
    assert all(s.status == "published" for s in recent)
    assertNotContains(response, "Projet en modération")


def test_explains_the_origin_of_the_project(client, db):
    response = client.get(HOME)
    assertContains(response, "Banque des Territoires")
    assertContains(response, "OpenCitiz")
    assertContains(response, "160 structures")
    assertContains(response, "Aucune structure publiée pour l'instant.")


def test_footer_licences_and_skip_link(client, db):
    response = client.get(HOME)
    assertContains(response, "AGPL-3.0-or-later")
    assertContains(response, "Licence Ouverte 2.0")
    assertContains(response, "CGET (aujourd'hui ANCT), 2019")
    assertContains(
        response, '<a class="skip-link" href="#contenu">Aller au contenu</a>', html=False
    )
    assertContains(response, '<main id="contenu"', html=False)


def test_query_count_does_not_grow_with_the_data(client, atlas, django_assert_num_queries):
    cache.clear()
    # The data version (read by the page cache, then by the figures), then the figures.
    with django_assert_num_queries(6):
        client.get(HOME)
    # Until the data changes, the page comes from the cache.
    with django_assert_num_queries(1):
        client.get(HOME)


def test_figures_follow_a_change_of_the_data(client, atlas):
    cache.clear()
    before = client.get(HOME).context["published_count"]
    Structure.objects.filter(pk=atlas["fabrique"].pk).update(status=Structure.Status.CLOSED)
    assert client.get(HOME).context["published_count"] == before - 1


def test_recent_structures_limit(atlas):
    assert len(selectors.recent_structures(limit=2)) == 2
