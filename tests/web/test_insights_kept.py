"""/enseignements/ with no filter serves the analyses kept on disk (maillage.analyses.kept):
it says when they were computed, and after a change of the data that a new computation is
under way, while a thread computes it; its CSV and JSON say the same figures."""

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from maillage.analyses import kept
from tests.analyses.builders import build_known_atlas
from tests.background_work import writer_fresh, writer_join
from tests.web.builders import make_structure
from tests.web.test_insights_dashboard import figure

URL = "/enseignements/"
RECOMPUTING = "Les données ont changé depuis : un nouveau calcul est en cours."
FAILED = "Les données ont changé depuis : le nouveau calcul n'a pas abouti"


@pytest.fixture(autouse=True)
def _fresh_writer():
    writer_fresh(kept._writer)
    yield
    _join_writer()


def _join_writer() -> None:
    writer_join(kept._writer)


def _computed_at(response) -> dt.datetime:
    text = re.search(r'data-computed-at="([^"]+)"', response.content.decode()).group(1)
    return dt.datetime.fromisoformat(text)


def _csv_rows(client, key: str) -> list[list[str]]:
    response = client.get(f"/enseignements/donnees/{key}.csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def _add_a_fablab():
    from maillage.referential.models import Commune
    from maillage.structures.models import Term

    return make_structure(
        name="Fabrique F",
        slug="fabrique-f",
        main_type=Term.objects.get(kind=Term.Kind.TYPE, slug="fablab"),
        commune=Commune.objects.get(code="44109"),
        latitude=None,
        longitude=None,
    )


def test_the_whole_atlas_says_when_its_figures_were_computed(client, db):
    build_known_atlas()
    response = client.get(URL)
    assert response.status_code == 200
    assertContains(response, "Chiffres calculés le")
    assertNotContains(response, "data-recomputing")
    assertContains(response, "sont recalculés après chaque changement des données")
    assert figure(response, "structures") == "4"
    computed_at = _computed_at(response)
    data = client.get(reverse("insights:json")).json()
    assert dt.datetime.fromisoformat(data["generated_at"]) == computed_at
    assert data["current"] is True
    assert data["structures"] == 4
    assert ["fablab", "Fablab / makerspace", "2", "50"] in _csv_rows(client, "types")
    # A selection is computed for the request, as before.
    region = client.get(URL + "?region=53")
    assertNotContains(region, "Chiffres calculés le")
    assert figure(region, "structures") == "1"


def test_the_kept_figures_in_english(client, db):
    build_known_atlas()
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    response = client.get(URL)
    assertContains(response, "Figures computed on")
    rows = _csv_rows(client, "types")
    assert rows[0] == ["code", "Type", "Structures", "Share of structures"]
    assert ["fablab", "Fablab / makerspace", "2", "50"] in rows
    # Computed once for both languages.
    assert len(list((kept.kept_root()).glob("*.pickle"))) == 1


@pytest.mark.django_db(transaction=True)
def test_in_the_background_a_change_of_the_data_is_computed_off_the_request(client, settings):
    build_known_atlas()
    settings.INSIGHTS_IN_BACKGROUND = True
    json_url = reverse("insights:json")

    # Nothing kept yet, and the machine's writer busy: the page waits for it.
    with kept._lock(wait=False) as acquired:
        assert acquired
        waiting = client.get(URL)
        assert waiting.status_code == 200
        assertContains(waiting, "Les enseignements sont en cours de calcul")
        assertContains(waiting, 'http-equiv="refresh"')
        assertNotContains(waiting, 'data-figure="structures"')
        data = client.get(json_url)
        assert data.status_code == 503 and data["Retry-After"] == "30"
        assert "en cours de calcul" in data.json()["detail"]
        table = client.get("/enseignements/donnees/types.csv")
        assert table.status_code == 503 and table["Retry-After"] == "30"
        _join_writer()  # it found the lock taken and left the work to its holder

    client.get(URL)  # starts it again
    _join_writer()
    first = client.get(URL)
    assertContains(first, "Chiffres calculés le")
    assertNotContains(first, "data-recomputing")
    assert figure(first, "structures") == "4"

    _add_a_fablab()
    # The writer held elsewhere while the stale answers are read: a writer started by the
    # first of them could otherwise finish (small data) before the next is asked.
    with kept._lock(wait=False) as acquired:
        assert acquired
        stale = client.get(URL)
        # The figures computed before, said to be so, while the new ones are computed.
        assert figure(stale, "structures") == "4"
        assertContains(stale, RECOMPUTING)
        assert _computed_at(stale) == _computed_at(first)
        data = client.get(json_url).json()
        assert data["structures"] == 4 and data["current"] is False
    client.get(URL)  # starts the writer
    _join_writer()

    fresh = client.get(URL)
    assert figure(fresh, "structures") == "5"
    assertNotContains(fresh, "data-recomputing")
    assert _computed_at(fresh) > _computed_at(first)
    data = client.get(json_url).json()
    assert data["structures"] == 5 and data["current"] is True
    assert ["fablab", "Fablab / makerspace", "3", "60"] in _csv_rows(client, "types")


@pytest.mark.django_db(transaction=True)
def test_a_failed_computation_leaves_the_previous_figures_served(client, settings, monkeypatch):
    build_known_atlas()
    settings.INSIGHTS_IN_BACKGROUND = True
    client.get(URL)
    _join_writer()
    assert figure(client.get(URL), "structures") == "4"

    def broken(**kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(kept, "insights_build", broken)
    _add_a_fablab()
    assertContains(client.get(URL), RECOMPUTING)
    _join_writer()

    after = client.get(URL)
    assert figure(after, "structures") == "4"
    assertContains(after, FAILED)
    assert client.get(reverse("insights:json")).json()["structures"] == 4
    assert ["fablab", "Fablab / makerspace", "2", "50"] in _csv_rows(client, "types")

    # A visit a minute later starts it again.
    monkeypatch.undo()
    kept._writer.started_at -= kept.RETRY_SECONDS
    assertContains(client.get(URL), RECOMPUTING)
    _join_writer()
    assert figure(client.get(URL), "structures") == "5"
