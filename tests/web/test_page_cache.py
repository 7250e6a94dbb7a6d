"""Public pages kept for anonymous visitors until the data changes (maillage.web.page_cache),
and the warm-up that `maillage serve` runs before forking its workers."""

import gc
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from maillage.structures.models import Structure
from maillage.web.warmup import warm_up

pytestmark = pytest.mark.django_db

HOME = reverse("web:home")


def _get(client, url, **extra):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return response, len(queries)


def _nonces(response) -> tuple[str, set[str]]:
    """The nonce of the response's CSP header, and every nonce written in its page."""
    header = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", header).group(1)
    return nonce, set(re.findall(r'nonce="([^"]+)"', response.content.decode()))


def test_a_page_seen_again_is_read_back_with_a_new_nonce(client, atlas):
    page = reverse("map:map")  # a page with inline scripts, allowed by their nonce
    first, rendered = _get(client, page)
    second, read_back = _get(client, page)
    assert rendered > 1
    assert read_back == 1  # the data version, nothing else
    # Each answer has its own nonce, the same in its header and in its page.
    first_nonce, first_in_page = _nonces(first)
    second_nonce, second_in_page = _nonces(second)
    assert first_in_page == {first_nonce}
    assert second_in_page == {second_nonce}
    assert first_nonce != second_nonce
    # The same page, but for the nonces.
    assert first.content.replace(first_nonce.encode(), b"N") == second.content.replace(
        second_nonce.encode(), b"N"
    )


def test_a_change_of_the_data_shows_at_once(client, atlas):
    page = atlas["fabrique"].get_absolute_url()
    assertContains(client.get(page), "La Fabrique des communs")
    Structure.objects.filter(pk=atlas["fabrique"].pk).update(name="La Fabrique renommée")
    response = client.get(page)
    assertContains(response, "La Fabrique renommée")
    assertNotContains(response, "La Fabrique des communs")


def test_each_language_has_its_page(client, atlas):
    assertContains(client.get(HOME), '<html lang="fr">', html=False)
    english = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en")
    assertContains(english, '<html lang="en">', html=False)
    assertContains(client.get(HOME), '<html lang="fr">', html=False)


def test_a_signed_in_visitor_never_gets_an_anonymous_page_nor_leaves_theirs(client, atlas):
    assertContains(client.get(HOME), "Connexion")  # kept for anonymous visitors
    user = get_user_model().objects.create_user("membre@maillage.test", password="x" * 16)
    client.force_login(user)
    signed_in, queries = _get(client, HOME)
    assertContains(signed_in, "Mon compte")
    assert queries > 1
    anonymous = Client()
    assertContains(anonymous.get(HOME), "Connexion")
    assertNotContains(anonymous.get(HOME), "Mon compte")


def test_pages_with_a_form_that_posts_are_never_kept(client, atlas):
    url = reverse("contributions:correct", args=[atlas["fabrique"].slug])
    first, _ = _get(client, url)
    second, queries = _get(client, url)
    assert queries > 1
    token = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
    assert token.search(first.content) and token.search(second.content)


def test_the_language_switch_posts_without_a_token(atlas):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("set_language"), {"language": "en", "next": HOME})
    assert response.status_code == 302
    assertContains(client.get(HOME), '<html lang="en">', html=False)


def test_turned_off_every_page_is_rendered(client, atlas, settings):
    settings.ANSWER_CACHE = False
    page = atlas["fabrique"].get_absolute_url()
    _get(client, page)
    _, queries = _get(client, page)
    assert queries > 1


@pytest.mark.django_db(transaction=True)
def test_warm_up_renders_the_common_pages_and_keeps_their_answers(atlas):
    cache.clear()
    try:
        statuses = warm_up(get_wsgi_application(), host="testserver", port=80)
    finally:
        gc.unfreeze()
    assert statuses and set(statuses.values()) == {200}, statuses
    assert any(key.startswith("fr /carte/donnees/") for key in statuses)
    assert any(key.startswith("en /structures/") for key in statuses)
    # What it rendered is kept: the first visitor's home page costs the data version only.
    _, queries = _get(Client(), HOME)
    assert queries == 1


def test_a_hit_says_it_depends_on_the_cookies(client, atlas):
    client.get(HOME)
    _, queries = _get(client, HOME)
    assert queries == 1
    assert "Cookie" in client.get(HOME)["Vary"]


def test_a_page_holding_the_nonce_placeholder_is_never_kept(client, atlas):
    # Typed into the search box, the placeholder would otherwise receive the live nonce.
    url = reverse("web:search") + "?q=atelier%00maillage-csp-nonce%00"
    _get(client, url)
    _, queries = _get(client, url)
    assert queries > 1


def test_pages_of_a_secret_link_are_never_kept(client, atlas):
    from django.core import signing

    from maillage.following.services import UNSUBSCRIBE_SALT

    # A genuine link whose subscription is gone: a page, but one person's.
    token = signing.dumps({"id": 999_999, "n": "x"}, salt=UNSUBSCRIBE_SALT)
    url = reverse("following:unsubscribe", args=[token])
    _get(client, url)
    _, queries = _get(client, url)
    assert queries > 1
