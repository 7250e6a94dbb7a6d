"""An import records each structure it creates in the history, with the record the
structure has once written: built from the values written, it must be what reading the
structure back gives (snapshots(), itself held to the export's nested object)."""

import json

from maillage.contributions.models import StructureRevision
from maillage.contributions.records import snapshots
from maillage.imports.pipeline import run_import
from maillage.structures.models import Structure

FULL = {
    "name": "  Fabrique\x07 des Communs  ",
    "acronym": "FdC",
    "siret": "123 456 789 00012",
    "main_type": "fablab",
    "secondary_types": ["tiers-lieu", "tiers-lieu"],
    "short_description": "Atelier partagé.",
    "description": "Un lieu de fabrication numérique ouvert à tous.",
    "address": "12 rue de la Fabrique",
    "postcode": "44000",
    "commune_code": "44109",
    "latitude": 47,
    "longitude": -1.5,
    "website": "fabrique.example.org",
    "year_founded": "2015",
    "legal_form": "Association",
    "themes": ["sante", "mobilite"],
    "formats": ["evenements"],
    "audiences": ["startups", "collectivites"],
    "partner_kinds": ["pme"],
    "status": "published",
    "source_record_id": "fdc-1",
    "last_verified_at": "2025-03-31",
    "verified_by": "Équipe Maillage",
    "provenance_note": "Saisie de test",
    "partners": [{"name": "Université de Nantes", "kind": "recherche"}],
    "value_examples": [
        {"title": "Visières", "description": "Imprimées en 3D."},
        {"title": "Ateliers", "description": ""},
    ],
    "contacts": [
        {"name": "Camille Martin", "role": "Animatrice", "publication_consent": True},
        {"name": "Alex Dupont", "email": "alex@example.org", "publication_consent": True},
    ],
    "resilience_initiatives": [
        {"title": "Masques", "category": "equipements-protection", "started_on": "2020-03-20"}
    ],
}
BARE = {"name": "Atelier nu", "main_type": "tiers-lieu", "commune_code": "75056"}
# Nested records that the database orders (by name, by date then title): read back.
ORDERED = {
    "name": "Hub ordonné",
    "main_type": "fablab",
    "commune_code": "44109",
    "partners": [{"name": "Zoé"}, {"name": "école des Mines", "kind": "recherche"}],
    "resilience_initiatives": [
        {"title": "Sans date"},
        {"title": "Plus récente", "started_on": "2024-01-02"},
        {"title": "Ancienne", "started_on": "2020-01-02"},
    ],
}


def test_the_records_of_created_structures_are_what_reading_them_back_gives(loaded, write):
    path = write("lot.json", json.dumps([FULL, BARE, ORDERED]))
    report = run_import(path=path, source="curated-2026")
    assert not report.rejected and len(report.created) == 3
    revisions = {r.structure_id: r for r in StructureRevision.objects.filter(origin="import")}
    read_back = snapshots(list(revisions))
    assert len(read_back) == 3
    for pk, revision in revisions.items():
        assert revision.before is None
        assert revision.after == read_back[pk], pk  # (PostgreSQL's jsonb orders the keys)
    full = Structure.objects.get(source_record_id="fdc-1")
    after = revisions[full.pk].after
    assert after["name"] == "Fabrique des Communs" and after["latitude"] == 47.0
    assert after["secondary_types"] == ["tiers-lieu"]
    assert [c["name"] for c in after["contacts"]] == ["Alex Dupont", "Camille Martin"]
    assert after["resilience_initiatives"][0]["category"] == "equipements-protection"
