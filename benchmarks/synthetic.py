"""Seeded synthetic structures for the benchmarks: a CSV in Maillage's import format, a
Maillage database loaded through the real import pipeline, and the same records as a
Datasette database.

Everything here is clearly synthetic and never mixed with real data: the source is
"synthetique", every name starts with "[Synthétique]", websites are on the reserved
example.org domain, and the files live under var/bench/ (git-ignored), never in the
project's database.

Records are placed in real communes of the bundled referential (weighted by population,
jittered around the town hall), use every vocabulary (types, themes, formats, audiences,
partner kinds), and carry French names and descriptions built from the study's vocabulary.
The same seed and count give the same records, byte for byte.
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
SOURCE_SLUG = "synthetique"
NAME_PREFIX = "[Synthétique]"
SEED = 20201001
VOCABULARIES = ROOT / "data" / "vocabularies" / "vocabularies.json"

WORDS = (
    "Atelier Fabrique Labo Ruche Station Maison Forge Comptoir Usine Cité Hub Campus "
    "Plateforme Réseau Collectif Pépinière Grange Halle Moulin Quai Serre Chantier Archipel "
    "Carrefour Escale Nid Phare Relais Tremplin Verger"
).split()
QUALIFIERS = (
    "des communs, numérique, solidaire, des transitions, partagé, du littoral, des possibles, "
    "créative, rurale, du territoire, des savoirs, d'innovation, ouverte, des métiers, "
    "des makers, citoyenne, agricole, des mobilités, de l'énergie, des aînés, du patrimoine, "
    "des entrepreneurs, coopérative, connectée"
).split(", ")
PEOPLE = (
    "Marie Curie, Olympe de Gouges, Jules Verne, Simone Veil, Victor Hugo, George Sand, "
    "Louise Michel, Jean Jaurès, Colette, Gustave Eiffel, Marie Marvingt, Aimé Césaire, "
    "Rosa Bonheur, Blaise Pascal, Émilie du Châtelet, Pierre-Gilles de Gennes"
).split(", ")
OPENINGS = (
    "accompagne les porteurs de projets",
    "réunit entreprises, chercheurs et habitants",
    "met à disposition des machines et des espaces de travail partagés",
    "expérimente en conditions réelles avec les collectivités",
    "anime une communauté d'entrepreneurs et de bénévoles",
    "fabrique des prototypes avec des imprimantes 3D et des découpeuses laser",
    "organise des hackathons et des appels à projets",
    "héberge des jeunes pousses en incubation",
)
LEGAL_FORMS = ("Association loi 1901", "SCIC", "SAS", "SARL", "Établissement public", "GIP")


def vocabulary() -> dict[str, list[dict]]:
    """{kind: [terms]} from the bundled vocabularies (what the benchmark database loads)."""
    content = json.loads(VOCABULARIES.read_text(encoding="utf-8"))
    return {kind: terms for kind, terms in content.items() if isinstance(terms, list)}


def generate_records(communes: list[tuple], count: int, *, seed: int = SEED) -> list[dict]:
    """count records as import rows (column → text).

    communes: (code, name, latitude, longitude, population, department code, department
    name, region code, region name) of the referential's placed communes. The department
    and region columns are ones the import ignores (it derives them from the commune); the
    Datasette table keeps them for its facets.
    """
    rng = random.Random(seed)
    terms = vocabulary()
    types, themes = terms["type"], terms["theme"]
    formats, actors = terms["format"], terms["actor"]
    weights = [max(commune[4] or 0, 50) ** 0.8 for commune in communes]
    picks = rng.choices(communes, weights=weights, k=count)
    records = []
    for n, commune in enumerate(picks):
        code, commune_name, lat, lon, _pop, dep_code, dep_name, reg_code, reg_name = commune
        main_type = rng.choice(types)
        chosen_themes = rng.sample(themes, rng.randint(1, 3))
        chosen_formats = rng.sample(formats, rng.randint(1, 3))
        audiences = rng.sample(actors, rng.randint(1, 3))
        partners = rng.sample(actors, rng.randint(0, 3))
        secondary = [t for t in rng.sample(types, rng.choice((0, 0, 0, 1))) if t != main_type]
        name = (
            f"{NAME_PREFIX} {rng.choice(WORDS)} {rng.choice(QUALIFIERS)} "
            f"{rng.choice(PEOPLE)} de {commune_name}"
        )
        theme_text = ", ".join(t["fr"].lower() for t in chosen_themes)
        format_text = ", ".join(f["fr"].lower() for f in chosen_formats)
        short = f"{main_type['fr']} à {commune_name} : {theme_text}."
        description = (
            f"Structure fictive générée pour les bancs d'essai. Ce lieu {rng.choice(OPENINGS)} "
            f"autour de : {theme_text}. Activités : {format_text}. Il travaille avec "
            f"{', '.join(a['fr'].lower() for a in audiences)} dans le département "
            f"{dep_name} ({reg_name}), et {rng.choice(OPENINGS)}."
        )
        records.append(
            {
                "name": name,
                "main_type": main_type["slug"],
                "secondary_types": "|".join(t["slug"] for t in secondary),
                "themes": "|".join(t["slug"] for t in chosen_themes),
                "formats": "|".join(t["slug"] for t in chosen_formats),
                "audiences": "|".join(t["slug"] for t in audiences),
                "partner_kinds": "|".join(t["slug"] for t in partners),
                "short_description": short,
                "description": description,
                "address": f"{rng.randint(1, 120)} rue {rng.choice(PEOPLE)}",
                "commune_code": code,
                "latitude": f"{lat + rng.gauss(0, 0.01):.6f}",
                "longitude": f"{lon + rng.gauss(0, 0.014):.6f}",
                "geo_precision": "street",
                "website": f"https://synthetique-{n}.example.org/",
                "year_founded": str(rng.randint(1985, 2024)),
                "legal_form": rng.choice(LEGAL_FORMS),
                "status": "published",
                "source": SOURCE_SLUG,
                "source_record_id": f"synth-{n}",
                # Ignored by the import (derived from the commune); kept for Datasette.
                "commune_name": commune_name,
                "department_code": dep_code,
                "department_name": dep_name,
                "region_code": reg_code,
                "region_name": reg_name,
            }
        )
    return records


def write_csv(records: list[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    return path


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def write_datasette_db(records: list[dict], path: Path) -> Path:
    """The same records as one flat table for Datasette, with an FTS index on name and
    description (sqlite-utils: FTS5, triggers kept; no stemming). Multi-valued columns are
    JSON arrays, so Datasette filters them with `__arraycontains` and facets them with
    `_facet_array`."""
    import sqlite_utils

    if path.exists():
        path.unlink()
    db = sqlite_utils.Database(path)
    multi = ("secondary_types", "themes", "formats", "audiences", "partner_kinds")
    rows = (
        {
            "id": n + 1,
            **{k: v for k, v in record.items() if k not in multi},
            **{k: json.dumps(record[k].split("|") if record[k] else []) for k in multi},
            "latitude": float(record["latitude"]),
            "longitude": float(record["longitude"]),
        }
        for n, record in enumerate(records)
    )
    db["structures"].insert_all(rows, pk="id", batch_size=5000)
    db["structures"].enable_fts(["name", "description"], fts_version="FTS5", create_triggers=True)
    for column in ("main_type", "region_code", "department_code", "commune_code"):
        db["structures"].create_index([column])
    db.vacuum()
    return path


# -- the Maillage database ------------------------------------------------------------------


# The 100,000-row CSV weighs about 90 MB, above the default limit of a single import.
IMPORT_MAX_BYTES = "200000000"


def configure_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["MAILLAGE_IMPORT_MAX_BYTES"] = IMPORT_MAX_BYTES
    os.environ.setdefault("MAILLAGE_DATA_DIR", str(BENCH_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maillage.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare_schema(*, referential: bool = True) -> bool:
    """Migrate, load vocabularies, the referential (once) and the synthetic source.
    True when placed communes exist."""
    from django.core.management import call_command

    from maillage.referential.models import Commune
    from maillage.structures.models import Source
    from maillage.structures.vocabularies import vocabularies_load

    call_command("migrate", verbosity=0, interactive=False)
    vocabularies_load()
    if referential and not Commune.objects.exists():
        from maillage.referential.loading import referential_load

        started = time.perf_counter()
        try:
            referential_load()
            print(f"referential loaded in {time.perf_counter() - started:.1f} s", flush=True)
        except FileNotFoundError as error:
            print(f"referential not loaded ({error})", flush=True)
    Source.objects.get_or_create(
        slug=SOURCE_SLUG,
        defaults={
            "name": "Données synthétiques (banc d'essai, à ne jamais publier)",
            "description": "Structures inventées par benchmarks/synthetic.py.",
        },
    )
    return Commune.objects.filter(latitude__isnull=False).exists()


def placed_communes() -> list[tuple]:
    from maillage.referential.models import Commune

    return list(
        Commune.objects.filter(latitude__isnull=False)
        .order_by("code")
        .values_list(
            "code",
            "name",
            "latitude",
            "longitude",
            "population",
            "department_id",
            "department__name",
            "department__region_id",
            "department__region__name",
        )
    )


def csv_path(count: int) -> Path:
    return BENCH_DIR / f"synthetic-{count}.csv"


def ensure_csv(count: int) -> Path:
    """The CSV of count records (written once; needs Django configured with communes)."""
    path = csv_path(count)
    if not path.exists():
        write_csv(generate_records(placed_communes(), count), path)
    return path


def import_csv(path: Path):
    """Import the CSV with the product's pipeline; returns its report."""
    from maillage.imports.pipeline import run_import

    return run_import(path=path)


def synthetic_count() -> int:
    from maillage.structures.models import Structure

    return Structure.objects.filter(source__slug=SOURCE_SLUG).count()


def ensure_structures(count: int) -> None:
    """Make the configured database hold exactly count synthetic structures (imported)."""
    from maillage.structures.models import Structure

    if synthetic_count() == count:
        print(f"{count} synthetic structures already in the benchmark database", flush=True)
        return
    Structure.objects.filter(source__slug=SOURCE_SLUG).delete()
    path = ensure_csv(count)
    started = time.perf_counter()
    report = import_csv(path)
    print(
        f"imported {len(report.created)} synthetic structures in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )


# -- fresh databases from a template ----------------------------------------------------------


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def postgres_url(name: str, server: str = "postgres://postgres@127.0.0.1:5432") -> str:
    return f"{server}/{name}"


def run_python(code: str, database_url: str) -> str:
    """Run code in a child Python with Django set up on database_url; returns its stdout."""
    env = {**os.environ, "DATABASE_URL": database_url, "MAILLAGE_DATA_DIR": str(BENCH_DIR)}
    prelude = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
        f"import synthetic; synthetic.configure_django({database_url!r})\n"
    )
    done = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-c", prelude + code],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return done.stdout


def fresh_sqlite(template: Path, target: Path) -> str:
    """A copy of the template database (schema, vocabularies, referential, no structures)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, target)
    return sqlite_url(target)


def fresh_postgres(template: str, target: str, server: str) -> str:
    """CREATE DATABASE target TEMPLATE template (dropping target first)."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [target],
        )
        connection.execute(f'DROP DATABASE IF EXISTS "{target}"')
        connection.execute(f'CREATE DATABASE "{target}" TEMPLATE "{template}"')
    return postgres_url(target, server)


def postgres_database_exists(name: str, server: str) -> bool:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def create_postgres_database(name: str, server: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
