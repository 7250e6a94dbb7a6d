"""/carte/ serves the payload kept on disk (maillage.structures.map_kept): after a change of
the data, the previous version, said to be so, while a thread writes the new one; then the
new one. The selection over an older payload applies the filters to the current data."""

import base64
import gzip
import json

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from maillage.structures import map_kept
from maillage.structures.map_data import map_data_version
from maillage.structures.models import Structure
from tests.background_work import writer_fresh, writer_join
from tests.web.builders import build_atlas, load_vocabularies, make_structure
from tests.web.test_map_data import PUBLISHED_NAMES, uids

STALE = "elles ont changé depuis."
WRITING = "La carte est mise à jour en ce moment"
FAILED = "Sa mise à jour n'a pas abouti, elle sera relancée dans une minute."


@pytest.fixture(autouse=True)
def _fresh_writer(monkeypatch):
    writer_fresh(map_kept._writer)
    monkeypatch.setattr(map_kept, "START_DELAY", 0)
    yield
    _join_writer()


def _join_writer() -> None:
    writer_join(map_kept._writer)


def _page(client, path: str = "/carte/"):
    response = client.get(path)
    assert response.status_code == 200
    return response, response.context["config"]


def _payload(client, url: str) -> dict:
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200, response.status_code
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    return json.loads(gzip.decompress(response.getvalue()))


def _selection(client, query: str, version: str) -> dict:
    return client.get(f"/carte/selection/?{query}&version={version}").json()


def _drawn(payload: dict, selection: dict) -> set[str]:
    """The uids of the payload's points the selection draws."""
    if selection["matches"] is None:
        return set(uids(payload))
    bits = base64.b64decode(selection["matches"])
    return {uid for i, uid in enumerate(uids(payload)) if bits[i >> 3] >> (i & 7) & 1}


def _change_the_data(atlas):
    """A structure added (placed), one withdrawn (closed)."""
    make_structure(
        uid="mlg-0100",
        slug="atelier-neuf",
        name="Atelier neuf",
        main_type=atlas["fabrique"].main_type,
        commune=atlas["fabrique"].commune,
        latitude=47.2,
        longitude=-1.55,
    )
    Structure.objects.filter(uid="mlg-0002").update(status=Structure.Status.CLOSED)


@pytest.mark.django_db(transaction=True)
def test_after_a_change_the_map_serves_the_previous_version_then_the_new_one(client, settings):
    atlas = build_atlas(load_vocabularies())
    settings.MAP_IN_BACKGROUND = True

    # Nothing kept yet: the page names the current data's payload, whose URL writes it
    # (or waits for the writer the page started).
    _response, config = _page(client)
    first = config["version"]
    assert first == map_data_version()
    before = _payload(client, config["urls"]["data"])
    _join_writer()
    assert {*before["name"]} == PUBLISHED_NAMES
    assert (map_kept.kept_root() / first / "payload.json.gz").is_file()

    _change_the_data(atlas)
    assert map_data_version() != first
    # The writer held elsewhere while the stale answers are read: a writer started by the
    # first of them could otherwise finish (small data) before the next is asked.
    with map_kept._lock(wait=False) as acquired:
        assert acquired
        stale, config = _page(client)
        # The previous payload, said to be so, and not kept by the page cache.
        assert config["version"] == first
        assert config["urls"]["data"] == reverse("map:data", args=[first])
        assertContains(stale, STALE)
        assertContains(stale, WRITING)
        assert "no-cache" in stale["Cache-Control"]
        embed, _config = _page(client, "/carte/embed/")
        assertContains(embed, STALE)
        assert _payload(client, config["urls"]["data"]) == before
        # With no filter, the map is the data as of its payload (the page says so): the
        # selection kept with it.
        everything = _selection(client, "", first)
        assert everything["version"] == first and everything["current"] is False
        assert everything["count"] == everything["placed"] == 7
        assert everything["matches"] is None
        assert everything["facets"]["type"]["tiers-lieu"] == 2
        # Filters run on the current data, the bits over the previous payload's points:
        # the new structure is counted, not drawn; the closed one is neither.
        fablabs = _selection(client, "type=fablab", first)
        assert fablabs["current"] is False
        assert fablabs["count"] == 2 and fablabs["placed"] == 1
        assert _drawn(before, fablabs) == {"mlg-0001"}
        tiers_lieux = _selection(client, "type=tiers-lieu", first)
        assert tiers_lieux["count"] == tiers_lieux["placed"] == 1
        assert _drawn(before, tiers_lieux) == {"mlg-0001"}  # not the closed Hangar

    _page(client)  # starts the writer
    _join_writer()
    fresh, config = _page(client)
    second = config["version"]
    assert second == map_data_version() != first
    assertNotContains(fresh, "data-map-stale")
    assert "no-cache" not in fresh.get("Cache-Control", "")
    after = _payload(client, config["urls"]["data"])
    assert "Atelier neuf" in after["name"] and "Le Hangar, tiers-lieu rural" not in after["name"]
    fablabs = _selection(client, "type=fablab", second)
    assert fablabs["current"] is True and fablabs["count"] == fablabs["placed"] == 2
    everything = _selection(client, "", second)
    assert everything["current"] is True and everything["count"] == 7
    assert everything["facets"]["type"]["tiers-lieu"] == 1
    assert _drawn(after, fablabs) == {"mlg-0001", "mlg-0100"}
    # A page loaded before the switch still finds its payload (the two newest are kept).
    assert _payload(client, reverse("map:data", args=[first])) == before

    # Two changes later, the first version is gone: its URL leads to the one served now,
    # and a selection asked over it answers over that one.
    Structure.objects.filter(uid="mlg-0003").update(name="Énergies Ouest")
    _page(client)
    _join_writer()
    third = _page(client)[1]["version"]
    assert third not in (first, second)
    assert not (map_kept.kept_root() / first).exists()
    gone = client.get(reverse("map:data", args=[first]))
    assert gone.status_code == 302
    assert gone["Location"] == reverse("map:data", args=[third])
    assert gone["Cache-Control"] == "no-cache"
    assert _selection(client, "", first)["version"] == third


@pytest.mark.django_db(transaction=True)
def test_a_failed_writer_leaves_the_previous_version_served(client, settings, monkeypatch):
    atlas = build_atlas(load_vocabularies())
    settings.MAP_IN_BACKGROUND = True
    first = _page(client)[1]["version"]
    _payload(client, reverse("map:data", args=[first]))
    _join_writer()

    def broken(**kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(map_kept, "map_payload", broken)
    _change_the_data(atlas)
    assertContains(_page(client)[0], WRITING)
    _join_writer()
    failed, config = _page(client)
    assert config["version"] == first
    assertContains(failed, FAILED)
    assert _selection(client, "type=fablab", first)["count"] == 2

    # A request a minute later starts it again.
    monkeypatch.undo()
    map_kept._writer.started_at -= map_kept.RETRY_SECONDS
    assertContains(_page(client)[0], WRITING)
    _join_writer()
    assert _page(client)[1]["version"] == map_data_version()


@pytest.mark.django_db
@pytest.mark.parametrize("answer_cache", [True, False])
def test_without_the_background_the_first_request_writes_it(client, settings, answer_cache):
    """The tests' setting (and MAILLAGE_ANSWER_CACHE=0): the current payload is written by
    the request that needs it, once, and served from its file afterwards."""
    settings.ANSWER_CACHE = answer_cache
    build_atlas(load_vocabularies())
    response, config = _page(client)
    assertNotContains(response, "data-map-stale")
    version = config["version"]
    assert version == map_data_version()
    assert not (map_kept.kept_root() / version).exists()
    selection = _selection(client, "type=fablab", version)
    assert selection["version"] == version and selection["count"] == selection["placed"] == 1
    assert (map_kept.kept_root() / version / "order.int64").is_file()
    payload = _payload(client, config["urls"]["data"])
    assert {*payload["name"]} == PUBLISHED_NAMES
    assert _drawn(payload, selection) == {"mlg-0001"}
    plain = client.get(config["urls"]["data"])
    assert json.loads(plain.getvalue()) == payload


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["0123abcd", "..", "abc.def"])
def test_an_unknown_version_leads_to_the_one_served(client, version):
    build_atlas(load_vocabularies())
    response = client.get(reverse("map:data", args=[version]))
    assert response.status_code == 302
    assert response["Location"] == reverse("map:data", args=[map_data_version()])
    assert response["Cache-Control"] == "no-cache"


@pytest.mark.django_db
def test_a_selection_while_the_data_keeps_changing_asks_to_retry(client, monkeypatch):
    build_atlas(load_vocabularies())
    # Each payload looked for is gone by the time it is read (two changes in a row).
    monkeypatch.setattr(map_kept, "map_order", lambda version, now=None: None)

    response = client.get("/carte/selection/?theme=mobilite")

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json()["detail"] == "La carte est mise à jour : réessayez dans un instant."


@pytest.mark.django_db(transaction=True)
def test_a_moderator_s_edit_starts_writing_the_map_and_the_insights(client, settings):
    """Once the edit is committed, the writers run before anyone visits the map or the
    insights: the next visit finds them current."""
    from maillage.analyses import kept
    from maillage.contributions.roles import MODERATORS
    from maillage.contributions.services import structure_edit
    from tests.contributions.conftest import make_user

    atlas = build_atlas(load_vocabularies())
    settings.MAP_IN_BACKGROUND = settings.INSIGHTS_IN_BACKGROUND = True
    _page(client)
    _join_writer()
    first = map_data_version()
    structure = atlas["fabrique"]
    structure_edit(
        structure=structure,
        payload={"name": "La Fabrique des communs de Nantes"},
        base_updated_at=structure.updated_at,
        user=make_user("moderatrice@maillage.test", role=MODERATORS),
    )
    assert map_data_version() != first
    _join_writer()
    writer_join(kept._writer)
    assert (map_kept.kept_root() / map_data_version()).is_dir()
    response, config = _page(client)
    assertNotContains(response, "data-map-stale")
    assert "La Fabrique des communs de Nantes" in _payload(client, config["urls"]["data"])["name"]
    assert kept.insights_kept().current
