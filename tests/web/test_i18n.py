"""The public pages in English, after switching language with Django's set_language view."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def test_default_language_is_french(client, atlas):
    response = client.get(reverse("web:home"))
    assertContains(response, '<html lang="fr">', html=False)
    assertContains(response, "Par type de structure")
    assertContains(response, '<button type="submit" name="language" value="en"', html=False)


def test_home_in_english(english, atlas):
    response = english.get(reverse("web:home"))
    assertContains(response, '<html lang="en">', html=False)
    assertContains(response, "By type of structure")
    assertContains(response, "7</strong> published structures", html=False)
    assertContains(response, "Third place / coworking")
    assertContains(response, "Skip to content")
    assertNotContains(response, "Par type de structure")


def test_search_in_english(english, atlas):
    response = english.get(reverse("web:search"), {"q": "hangar"})
    assertContains(response, "1 structure for “hangar”")
    response = english.get(reverse("web:search"), {"q": "xylophone"})
    assertContains(response, "No structure found")


def test_structure_page_in_english(english, atlas):
    response = english.get(reverse("web:structure_detail", args=["la-fabrique-des-communs"]))
    assertContains(response, "Verified on 14 March 2026 by Équipe Maillage")
    assertContains(response, "From March 2020 to June 2020")
    assertContains(response, "Precision: address (house number)")
    assertContains(response, "Metropolis")
    assertContains(response, "Renewable energy and energy-efficient housing")
    response = english.get(reverse("web:structure_detail", args=["le-hangar-tiers-lieu"]))
    assertContains(response, "Not verified")


def test_404_in_english(english, db):
    response = english.get("/nowhere/")
    assertContains(response, "Page not found", status_code=404)
