"""The national address API client, against a local fake server, and its fallback."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from maillage.imports.geocoding import BanGeocoder, GeocoderUnavailable
from maillage.imports.pipeline import run_import
from maillage.structures.models import Structure


class FakeBan(BaseHTTPRequestHandler):
    queries: list = []

    def do_GET(self):  # noqa: N802
        query = parse_qs(urlsplit(self.path).query)
        FakeBan.queries.append(query)
        if query["q"][0].startswith("nowhere"):
            features = []
        else:
            features = [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [-1.5541, 47.2129]},
                    "properties": {
                        "score": 0.93,
                        "type": "housenumber",
                        "citycode": "44109",
                        "label": "2 Rue de la Paix 44000 Nantes",
                    },
                }
            ]
        body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_ban():
    server = HTTPServer(("127.0.0.1", 0), FakeBan)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeBan.queries = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_client_reads_the_best_match(fake_ban):
    result = BanGeocoder(url=fake_ban).geocode(query="2 rue de la Paix", citycode="44109")
    assert (result.latitude, result.longitude, result.precision) == (
        47.2129,
        -1.5541,
        "housenumber",
    )
    assert FakeBan.queries[0]["citycode"] == ["44109"]
    assert BanGeocoder(url=fake_ban).geocode(query="nowhere") is None


def test_client_raises_when_the_service_is_down():
    with pytest.raises(GeocoderUnavailable):
        BanGeocoder(url="http://127.0.0.1:9", timeout=0.5).geocode(query="x")


def test_import_geocodes_addresses_without_coordinates(loaded, write, settings, fake_ban):
    settings.MAILLAGE_GEOCODER_URL = fake_ban
    run_import(
        path=write(
            "a.csv", "name,main_type,address,commune_code\nA,fablab,2 rue de la Paix,44109\n"
        ),
        source="maillage",
    )
    structure = Structure.objects.get()
    assert (structure.latitude, structure.geo_precision) == (47.2129, "housenumber")
    assert structure.geo_source == "Base Adresse Nationale (score 0.93)"


def test_unreachable_geocoder_gives_one_warning_and_commune_centres(loaded, write, settings):
    settings.MAILLAGE_GEOCODER_URL = "http://127.0.0.1:9"
    settings.MAILLAGE_GEOCODER_TIMEOUT = 0.5
    report = run_import(
        path=write(
            "a.csv",
            "name,main_type,address,commune_code\nA,fablab,1 rue A,44109\nB,fablab,2 rue B,44109\n",
        ),
        source="maillage",
    )
    assert len(report.warnings) == 1 and "ne répond pas" in report.warnings[0]
    assert set(Structure.objects.values_list("geo_precision", flat=True)) == {"commune"}


def test_a_large_import_geocodes_as_a_small_one(loaded, write, settings, fake_ban, monkeypatch):
    """From VALIDATE_BESIDE_FROM rows, communes are resolved beside the validation; the
    addresses are still geocoded here, after it, with the same results and warnings."""
    from maillage.imports import pipeline

    settings.MAILLAGE_GEOCODER_URL = fake_ban
    path = write(
        "a.csv",
        "name,main_type,address,commune_code\n"
        "A,fablab,2 rue de la Paix,44109\nB,fablab,nowhere,44109\nC,fablab,,44109\n",
    )
    results = []
    for threshold in (10**9, 1):
        monkeypatch.setattr(pipeline, "VALIDATE_BESIDE_FROM", threshold)
        report = run_import(path=path, source="maillage")
        results.append(
            (
                report.warnings,
                report.notes,
                sorted(
                    Structure.objects.values_list(
                        "name", "latitude", "longitude", "geo_precision", "geo_source"
                    )
                ),
            )
        )
        Structure.objects.all().delete()
    assert results[0] == results[1]
    assert results[0][2][0][3] == "housenumber"
