"""The number of queries of each main page and API endpoint is pinned, and does not grow
with the data: every endpoint is counted on the test atlas, then again after adding fully
described structures (types, themes, formats, audiences, partners, contacts, initiatives).
An N+1 regression changes the second count and fails here.

Other pins live beside their pages (tests/web/test_home.py, test_search.py,
test_structure_page.py, test_data_page.py); this file covers every endpoint in one place.
"""

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from maillage.structures import version_cache
from maillage.structures.map_data import map_data_version
from maillage.structures.models import (
    Contact,
    NamedPartner,
    ResilienceInitiative,
    Structure,
    ValueExample,
)
from tests.web.builders import build_atlas, load_vocabularies, make_structure

# Endpoint → queries, whatever the number of structures. The map's data is counted as the
# request that writes its file, the selection after it; /donnees/ once its files are
# written (the first visit after a change writes them).
# API endpoints read the data version first (one primary-key lookup): it is what lets the
# same request, until the data changes, be answered with that one query (API_REPEATED).
PINNED = {
    # A page's count starts with the data version, read by the page cache
    # (maillage.web.page_cache) before it renders the page; the pages are rendered here.
    "home": 6,  # the data version twice, then 4 (kept in the cache until the data changes)
    # SQLite reads a search by tiers (maillage.structures.text_search.RankedSearch): the
    # matches with the query in their name, those without, the rows; PostgreSQL ranks them
    # in one sorted query.
    "search": 6 if connection.vendor == "sqlite" else 4,
    # The data version, the structure with its places and source, its five vocabularies'
    # terms in one query, its four lists and its practice sheets (similar structures come
    # after).
    "structure page": 8,
    "map page": 8,  # +1: the feeds of the map's theme (autodiscovery, maillage.following)
    # The request that writes the payload (maillage.structures.map_kept): the data version,
    # then in the writer's snapshot (a savepoint here, inside the test's transaction) the
    # data version again, the communes (read once instead of joined to each structure),
    # the structures, and the selection with no filter kept beside (the vocabularies, the
    # facet counts and the count: as "api facets"). Once written, the payload is served
    # from its file with no query.
    "map data": 20,
    "map selection": 12,  # the payload's order read from its file (written by "map data")
    "api list": 5,  # the vocabulary slugs with each structure's row, not five prefetches
    # The data version, the structure with its slugs and nested records in one query
    # (maillage.exports.serialize.published_structure), the data's last change (kept per
    # data version afterwards).
    "api detail": 3,
    # The terms' keys and labels are one query, kept in the process per data version with
    # the regions' names and the data's last change (maillage.structures.version_cache):
    # counted here as the first request after a change reads them; after it, a facets
    # request is the data version and its counts (tests/api/test_version_cache.py).
    "api facets": 14,  # an unfiltered vocabulary: all its links less the unpublished ones
    "api facets, two": 5,  # one query of structures_themefacet for both
    "api vocabularies": 3,
    "api regions": 5,
    "api departments": 5,
    "api epci": 5,
    "api communes": 4,
    "data page": 4,
}
# A repeated API request or page, with nothing written in between: the data version only.
API_REPEATED = 1
PAGES_REPEATED = {"home", "search", "structure page", "map page", "data page"}


def _urls(atlas) -> dict[str, str]:
    fabrique = atlas["fabrique"]
    return {
        "home": reverse("web:home"),
        "search": reverse("web:search") + "?q=fablab&type=fablab",
        "structure page": reverse("web:structure_detail", args=[fabrique.slug]),
        "map page": reverse("map:map") + "?theme=mobilite",
        "map data": reverse("map:data", args=[map_data_version()]),
        "map selection": reverse("map:selection") + "?theme=mobilite&q=atelier",
        "api list": "/api/v1/structures?theme=mobilite&limit=100",
        "api detail": f"/api/v1/structures/{fabrique.uid}",
        "api facets": "/api/v1/facets?theme=mobilite",
        "api facets, two": "/api/v1/facets?theme=mobilite&facet=type&facet=region",
        "api vocabularies": "/api/v1/vocabularies",
        "api regions": "/api/v1/territories/regions",
        "api departments": "/api/v1/territories/departments",
        "api epci": "/api/v1/territories/epci",
        "api communes": "/api/v1/territories/communes?department=44",
        "data page": reverse("web:data"),
    }


def _add_described_structures(atlas, vocabularies, count: int) -> None:
    """count structures described in full, in the atlas's communes."""
    types, themes = vocabularies["type"], vocabularies["theme"]
    formats, actors = vocabularies["format"], vocabularies["actor"]
    fabrique = atlas["fabrique"]
    for n in range(count):
        structure = make_structure(
            name=f"Atelier de test {n}",
            main_type=types["fablab"],
            secondary_types=[types["tiers-lieu"]],
            commune=fabrique.commune,
            themes=[themes["mobilite"], themes["sante"]],
            formats=list(formats.values())[:2],
            audiences=list(actors.values())[:2],
            partner_kinds=list(actors.values())[2:4],
            last_verified_at=timezone.now() if n % 2 else None,
        )
        NamedPartner.objects.create(structure=structure, name="Partenaire", kind=actors["pme"])
        NamedPartner.objects.create(structure=structure, name="Atlas", partner_structure=fabrique)
        ValueExample.objects.create(structure=structure, title="Un exemple")
        Contact.objects.create(structure=structure, name="Camille", publication_consent=True)
        ResilienceInitiative.objects.create(structure=structure, title="Visières imprimées")
        # The structure the pages show gains relations too.
        NamedPartner.objects.create(structure=fabrique, name=f"Partenaire {n}")
        ValueExample.objects.create(structure=fabrique, title=f"Exemple {n}")
        Contact.objects.create(structure=fabrique, name=f"Contact {n}", publication_consent=True)
        ResilienceInitiative.objects.create(structure=fabrique, title=f"Initiative {n}")


def _count(client, url: str) -> int:
    cache.clear()
    caches["pages"].clear()
    version_cache.clear()  # the vocabularies, as the first request after a change reads them
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.mark.django_db
def test_query_counts_are_pinned_and_do_not_grow(client, data_dir):
    vocabularies = load_vocabularies()
    atlas = build_atlas(vocabularies)
    counts = {}
    for added in (0, 5, 20):
        _add_described_structures(atlas, vocabularies, added)
        total = Structure.objects.count()
        client.get(reverse("web:data"))  # writes the files of the new data version
        counts[total] = {name: _count(client, url) for name, url in _urls(atlas).items()}
    assert len(counts) == 3
    for total, measured in counts.items():
        assert measured == PINNED, f"with {total} structures"
    for name, url in _urls(atlas).items():
        if name.startswith("api "):
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            assert len(queries) == API_REPEATED, name
        if name in PAGES_REPEATED:
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            assert len(queries) == 1, name
