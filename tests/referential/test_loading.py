import csv
import gzip
import json

import pytest

from maillage.referential.loading import default_data_dir, referential_load
from maillage.referential.models import Commune, CommuneAlias, Department, Epci, Region

pytestmark = pytest.mark.django_db


def test_counts_are_those_of_the_french_geography(referential):
    assert referential["regions"] == Region.objects.count() == 18
    assert referential["departments"] == Department.objects.count() == 101
    assert 1_200 <= Epci.objects.count() <= 1_300
    assert Commune.objects.count() > 34_000
    assert CommuneAlias.objects.filter(kind=CommuneAlias.Kind.ARRONDISSEMENT).count() == 45


def test_loading_twice_changes_nothing(referential):
    before = {
        "communes": list(Commune.objects.order_by("code").values_list()),
        "aliases": sorted(CommuneAlias.objects.values_list("code", "name", "kind", "commune")),
    }
    counts = referential_load()
    assert counts == referential
    assert list(Commune.objects.order_by("code").values_list()) == before["communes"]
    assert (
        sorted(CommuneAlias.objects.values_list("code", "name", "kind", "commune"))
        == before["aliases"]
    )


def test_a_commune_is_attached_to_its_territory(referential):
    nantes = Commune.objects.select_related("department__region", "epci").get(code="44109")
    assert nantes.name == "Nantes"
    assert nantes.department_id == "44"
    assert nantes.region.name == "Pays de la Loire"
    assert nantes.epci.name == "Nantes Métropole"
    assert nantes.epci.kind == Epci.Kind.METROPOLE
    assert nantes.size_class == Commune.SizeClass.OVER_100K
    assert "44000" in nantes.postcodes.split()
    assert nantes.latitude == pytest.approx(47.218, abs=0.02)
    assert nantes.longitude == pytest.approx(-1.553, abs=0.02)


def test_special_epci_kinds(referential):
    assert Epci.objects.get(name="Métropole de Lyon").kind == Epci.Kind.METROPOLE
    assert Commune.objects.get(code="75056").epci.name == "Métropole du Grand Paris"
    assert set(Epci.objects.values_list("kind", flat=True)) == {"ME", "CU", "CA", "CC"}
    # Islands without an intercommunality.
    assert Commune.objects.get(code="29155").epci is None


def test_overseas_departments_are_included(referential):
    assert Commune.objects.get(code="97411").name == "Saint-Denis"
    assert Department.objects.get(code="976").region.name == "Mayotte"


def test_stale_commune_used_by_nobody_is_removed(referential, tmp_path):
    Commune.objects.create(code="99999", name="Disparue", department_id="44", size_class="lt2k")
    counts = referential_load()
    assert counts["stale"] == 0
    assert not Commune.objects.filter(code="99999").exists()


def test_manifest_matches_the_bundled_files():
    manifest = json.loads((default_data_dir() / "manifest.json").read_text())
    with gzip.open(default_data_dir() / "communes.csv.gz", "rt", encoding="utf-8") as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == manifest["counts"]["communes"]
    sources = (default_data_dir() / "SOURCES.md").read_text()
    for checksum in manifest["inputs"].values():
        assert checksum in sources, "SOURCES.md must quote the inputs' checksums"


def test_a_structure_follows_its_commune_into_a_new_department(referential, client):
    """A new official geography moves a commune: its structures are found under the new
    department and region, in the filters and in the facets."""
    from tests.factories import StructureFactory

    # The commune as an older geography had it, and a structure written then.
    Commune.objects.filter(code="44109").update(department_id="35")
    structure = StructureFactory(commune_id="44109")
    assert (structure.department_code, structure.region_code) == ("35", "53")

    written_at = structure.updated_at

    counts = referential_load()  # the bundled geography: Nantes is in Loire-Atlantique (44)

    assert counts["structures_relocated"] == 1
    structure.refresh_from_db()
    assert (structure.department_code, structure.region_code) == ("44", "52")
    assert structure.updated_at > written_at  # seen by clients syncing by change time
    found = client.get("/api/v1/structures?department=44").json()
    assert [item["id"] for item in found["results"]] == [structure.uid]
    assert client.get("/api/v1/structures?department=35").json()["count"] == 0
    assert client.get("/api/v1/structures?region=53").json()["count"] == 0
    assert referential_load()["structures_relocated"] == 0
