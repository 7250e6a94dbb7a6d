"""What the API keeps in the process per data version (vocabularies, names of regions, the
data's last change: maillage.structures.version_cache) follows every change at once, and
spares the requests after the first their queries."""

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from maillage.referential.models import Region
from maillage.structures import version_cache
from maillage.structures.models import Structure, Term
from tests.factories import TermFactory

pytestmark = pytest.mark.django_db

FACETS = "/api/v1/facets?theme=mobilite&facet=type&facet=region"


@pytest.fixture(autouse=True)
def answers_computed(settings):
    # Every answer computed: what is kept is then only what this file is about.
    settings.ANSWER_CACHE = False


def _labels(client, url=FACETS):
    facets = client.get(url).json()["facets"]
    return {
        (parameter, item["value"]): (item["label_fr"], item["label_en"])
        for parameter, items in facets.items()
        for item in items
    }


def test_after_a_first_request_a_facets_request_is_the_version_and_its_counts(client, atlas):
    client.get("/api/v1/facets?theme=sante&facet=type&facet=region")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(FACETS)
    assert response.status_code == 200
    assert len(queries) == 2, [query["sql"] for query in queries]
    assert "structures_dataversion" in queries[0]["sql"]


def test_a_label_changed_shows_at_once(client, atlas):
    assert _labels(client)["type", "fablab"][0] == "Fablab"
    Term.objects.filter(slug="fablab").update(label_fr="Atelier de fabrication")
    assert _labels(client)["type", "fablab"][0] == "Atelier de fabrication"


def test_a_region_renamed_shows_at_once(client, atlas):
    assert _labels(client)["region", "52"][0] == "Pays de la Loire"
    Region.objects.filter(code="52").update(name="Pays-de-la-Loire")
    assert _labels(client)["region", "52"][0] == "Pays-de-la-Loire"


def test_a_new_term_can_be_filtered_on_at_once(client, atlas):
    url = "/api/v1/structures?theme=velo"
    assert client.get(url).status_code == 422  # unknown theme
    velo = TermFactory(slug="velo", label_fr="Vélo")
    atlas["a"].themes.add(velo)
    response = client.get(url)
    assert response.status_code == 200
    assert [item["name"] for item in response.json()["results"]] == ["A"]


def test_a_rolled_back_change_is_not_served(client, atlas):
    assert _labels(client)["type", "fablab"][0] == "Fablab"
    with pytest.raises(RuntimeError), transaction.atomic():
        Term.objects.filter(slug="fablab").update(label_fr="Jamais validé")
        assert _labels(client)["type", "fablab"][0] == "Jamais validé"
        raise RuntimeError
    assert _labels(client)["type", "fablab"][0] == "Fablab"


def test_the_last_change_header_follows_an_edit(client, atlas):
    url = f"/api/v1/structures/{atlas['a'].uid}"
    before = client.get(url)["X-Data-Updated"]
    atlas["b"].name = "B renommée"
    atlas["b"].save()
    after = client.get(url)["X-Data-Updated"]
    assert after > before
    assert after == Structure.objects.get(pk=atlas["b"].pk).updated_at.isoformat()


def test_one_version_is_kept_at_a_time_and_threads_share_it(db):
    loads = []

    def load():
        loads.append(1)
        return len(loads)

    for version in ("v1", "v2", "v3"):
        version_cache.kept(version, "n", load)
    assert len(version_cache._kept) == 1
    assert version_cache.kept("v3", "n", load) == 3  # kept
    assert version_cache.kept("v1", "n", load) == 4  # dropped when v2 came: loaded again

    results = []
    barrier = threading.Barrier(8)

    def read():
        barrier.wait()
        results.append(version_cache.kept("v4", "shared", lambda: object()))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Threads that ask together may each load it once; what is kept then is one of theirs.
    assert len(results) == 8
    assert version_cache.kept("v4", "shared", object) in results


def test_without_a_version_nothing_is_kept(db):
    assert version_cache.kept(None, "n", lambda: 1) == 1
    assert version_cache.kept(None, "n", lambda: 2) == 2
    assert version_cache.kept("0", "n", lambda: 3) == 3
    assert version_cache.kept("0", "n", lambda: 4) == 4
