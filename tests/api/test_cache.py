"""The API's answers are kept until the data changes, and never served stale."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.structures.models import Structure, Term

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def test_a_repeated_request_is_answered_from_the_cache_with_one_query(client, atlas):
    url = "/api/v1/facets?theme=mobilite&facet=type&facet=region"
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert len(queries) == 1  # the data version


def test_an_edit_shows_at_once(client, atlas):
    url = f"/api/v1/structures/{atlas['a'].uid}"
    assert client.get(url).json()["name"] == "A"
    atlas["a"].name = "A renommée"
    atlas["a"].save()
    assert client.get(url).json()["name"] == "A renommée"


def test_links_written_without_the_orm_show_at_once(client, atlas):
    """An import writes many-to-many rows with raw SQL: the facets follow."""
    url = "/api/v1/facets?facet=theme"

    def health_count():
        counts = client.get(url).json()["facets"]["theme"]
        return next(item["count"] for item in counts if item["value"] == "sante")

    assert health_count() == 2
    through = Structure.themes.through
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {through._meta.db_table} (structure_id, term_id) VALUES (%s, %s)",
            [(atlas["a"].pk, Term.objects.get(slug="sante").pk)],
        )
    assert health_count() == 3


def test_every_request_is_still_counted_by_the_rate_limit(client, atlas, settings):
    settings.API_RATE_LIMIT = 2
    url = f"/api/v1/structures/{atlas['a'].uid}"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_a_structure_published_after_a_404_is_found(client, atlas):
    atlas["a"].status = Structure.Status.PENDING
    atlas["a"].save()
    url = f"/api/v1/structures/{atlas['a'].uid}"
    assert client.get(url).status_code == 404
    atlas["a"].status = Structure.Status.PUBLISHED
    atlas["a"].save()
    assert client.get(url).status_code == 200


def test_a_new_release_computes_its_answers_afresh(client, atlas, settings):
    """What the previous release kept in the shared cache is not served by the next one,
    even though the data did not change."""
    from maillage.release import release

    url = f"/api/v1/structures/{atlas['a'].uid}"
    map_data_url = client.get("/carte/").context["config"]["urls"]["data"]
    client.get(url)
    settings.RELEASE = "next-release"
    release.cache_clear()
    try:
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(url)
        assert answer.json()["name"] == "A"
        assert len(queries) > 1  # computed, not read from the cache
        # The map's payload is kept by browsers under its URL: a new URL.
        assert client.get("/carte/").context["config"]["urls"]["data"] != map_data_url
    finally:
        release.cache_clear()
