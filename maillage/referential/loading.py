"""Loads the bundled referential (data/referential/) into the database.

The files are written by scripts/build_referential.py; data/referential/SOURCES.md says where
they come from. Loading upserts by official code, so it is safe to run again after a rebuild:
rows whose code disappeared are deleted when nothing protects them (communes referenced by a
structure stay, and the count of such stale rows is reported).
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Model, ProtectedError

from maillage.referential.models import Commune, CommuneAlias, Department, Epci, Region

BATCH_SIZE = 2_000


def default_data_dir() -> Path:
    return Path(settings.BUNDLED_DATA_DIR) / "referential"


def referential_load(*, data_dir: Path | None = None) -> dict[str, int]:
    """Create or update regions, departments, EPCI, communes and aliases from `data_dir`.

    Returns the number of rows loaded per kind (`regions`, `departments`, `epci`,
    `communes`, `aliases`) plus `stale`, the rows no longer in the files that could not be
    deleted because other data refers to them, and `structures_relocated`, the structures
    whose commune changed department or region (their copies of the codes are updated).
    Runs in one transaction: a malformed file leaves the database as it was. Raises
    FileNotFoundError when a file is missing.
    """
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    regions = [Region(code=r["code"], name=r["name"]) for r in _rows(data_dir / "regions.csv")]
    departments = [
        Department(code=d["code"], name=d["name"], region_id=d["region"])
        for d in _rows(data_dir / "departments.csv")
    ]
    epcis = [
        Epci(code=e["code"], name=e["name"], kind=e["kind"]) for e in _rows(data_dir / "epci.csv")
    ]
    communes = [_commune(row) for row in _rows(data_dir / "communes.csv.gz")]
    aliases = [
        CommuneAlias(code=a["code"], name=a["name"], kind=a["kind"], commune_id=a["commune"])
        for a in _rows(data_dir / "aliases.csv.gz")
    ]

    # Imported here: structures depend on the referential, not the other way round.
    from maillage.structures.services import structures_territory_refresh

    stale = 0
    with transaction.atomic():
        _upsert(Region, regions, ["name"])
        _upsert(Department, departments, ["name", "region"])
        _upsert(Epci, epcis, ["name", "kind"])
        _upsert(
            Commune,
            communes,
            [
                "name",
                "department",
                "epci",
                "population",
                "size_class",
                "postcodes",
                "latitude",
                "longitude",
            ],
        )
        # Aliases have no natural key of their own: replacing them all is simplest and fast.
        CommuneAlias.objects.all().delete()
        CommuneAlias.objects.bulk_create(aliases, batch_size=BATCH_SIZE)
        for model, rows in (
            (Commune, communes),
            (Epci, epcis),
            (Department, departments),
            (Region, regions),
        ):
            stale += _delete_missing(model, {row.pk for row in rows})
        # A commune may have moved to another department or region.
        relocated = structures_territory_refresh()

    return {
        "regions": len(regions),
        "departments": len(departments),
        "epci": len(epcis),
        "communes": len(communes),
        "aliases": len(aliases),
        "stale": stale,
        "structures_relocated": relocated,
    }


def _commune(row: dict[str, str]) -> Commune:
    population = int(row["population"] or 0)
    return Commune(
        code=row["code"],
        name=row["name"],
        department_id=row["department"],
        epci_id=row["epci"] or None,
        population=population,
        size_class=Commune.size_class_for(population),
        postcodes=row["postcodes"],
        latitude=float(row["latitude"]) if row["latitude"] else None,
        longitude=float(row["longitude"]) if row["longitude"] else None,
    )


def _upsert(model: type[Model], objects: list[Model], fields: list[str]) -> None:
    model.objects.bulk_create(
        objects,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=[model._meta.pk.name],
        update_fields=fields,
    )


def _delete_missing(model: type[Model], kept: set[str]) -> int:
    """Delete rows whose code is not in `kept`; return how many had to stay."""
    missing = set(model.objects.values_list("pk", flat=True)) - kept
    stale = 0
    for pk in missing:
        try:
            with transaction.atomic():
                model.objects.filter(pk=pk).delete()
        except ProtectedError:
            stale += 1
    return stale


def _rows(path: Path) -> Iterator[dict[str, str]]:
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)
    else:
        with open(path, encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)
