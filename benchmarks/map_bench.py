"""Benchmark of the map (/carte/) on synthetic structures: payload size and time to interactive.

    .venv/bin/python benchmarks/map_bench.py                  # 100,000 structures, SQLite
    .venv/bin/python benchmarks/map_bench.py --count 20000
    .venv/bin/python benchmarks/map_bench.py --database-url postgres://postgres@127.0.0.1:5432/bench

The structures are synthetic and marked as such: source "synthetique", names starting with
"[Synthétique]". They live in their own database (by default var/bench/map-bench.sqlite3,
never the project's database), generated once and reused. When the bundled referential can
be loaded they are placed in real communes (weighted by population, jittered around the
town hall); otherwise at random points in metropolitan France.

Prints the payload's size (raw and gzipped, as served), the server's time to build it and to
answer a selection, and, in headless Chromium against gunicorn, the time from navigation to
the map drawn with every point (`data-map-ready`), cold (first visit: nothing cached) and
warm (payload in the browser's cache). Timings are figures to read, never asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
SOURCE_SLUG = "synthetique"
NAME_PREFIX = "[Synthétique]"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Metropolitan France, roughly (west, south, east, north).
METROPOLE = (-4.7, 42.4, 8.2, 51.0)
WORDS = (
    "Atelier Fabrique Labo Ruche Station Maison Forge Comptoir Usine Cité Hub Campus "
    "Plateforme Réseau Collectif Pépinière Grange Halle Moulin Quai"
).split()
QUALIFIERS = (
    "des communs, numérique, solidaire, des transitions, partagé, du littoral, des possibles, "
    "créative, rurale, du territoire, des savoirs, d'innovation, ouverte, des métiers"
).split(", ")


def configure_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("MAILLAGE_DATA_DIR", str(BENCH_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maillage.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_schema_and_vocabularies(*, referential: bool) -> bool:
    """Migrate, load vocabularies (and the referential if asked). True when communes exist."""
    from django.core.management import call_command

    from maillage.referential.models import Commune
    from maillage.structures.vocabularies import vocabularies_load

    call_command("migrate", verbosity=0, interactive=False)
    vocabularies_load()
    if referential and not Commune.objects.exists():
        from maillage.referential.loading import referential_load

        started = time.perf_counter()
        try:
            referential_load()
            print(f"referential loaded in {time.perf_counter() - started:.1f} s")
        except FileNotFoundError as error:
            print(f"referential not loaded ({error}); random points instead")
    return Commune.objects.filter(latitude__isnull=False).exists()


def generate(count: int, *, seed: int = 20201001) -> None:
    """Create `count` synthetic structures, unless that many exist already."""
    from django.db import transaction

    from maillage.referential.models import Commune
    from maillage.structures.models import Source, Structure, Term
    from maillage.structures.services import structure_uid
    from maillage.structures.text_search import document

    source, _ = Source.objects.get_or_create(
        slug=SOURCE_SLUG,
        defaults={
            "name": "Données synthétiques (banc d'essai, à ne jamais publier)",
            "description": "Structures inventées par benchmarks/map_bench.py.",
        },
    )
    existing = Structure.objects.filter(source=source).count()
    if existing == count:
        print(f"{count} synthetic structures already in the benchmark database")
        return
    Structure.objects.filter(source=source).delete()
    rng = random.Random(seed)
    types = list(Term.objects.filter(kind=Term.Kind.TYPE))
    themes = list(Term.objects.filter(kind=Term.Kind.THEME))
    communes = list(
        Commune.objects.filter(latitude__isnull=False).values_list(
            "code", "name", "latitude", "longitude", "population"
        )
    )
    weights = [max(population, 50) ** 0.8 for *_, population in communes]
    started = time.perf_counter()
    structures = []
    picks = rng.choices(communes, weights=weights, k=count) if communes else [None] * count
    for n, commune in enumerate(picks):
        main_type = rng.choice(types)
        name = f"{NAME_PREFIX} {rng.choice(WORDS)} {rng.choice(QUALIFIERS)}"
        if commune:
            code, commune_name, lat, lon, _population = commune
            lat += rng.gauss(0, 0.01)
            lon += rng.gauss(0, 0.014)
            name = f"{name} de {commune_name}"
        else:
            code, commune_name = None, ""
            west, south, east, north = METROPOLE
            lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        search_document = document(name, main_type.label_fr, main_type.label_en, commune_name)
        structures.append(
            Structure(
                uid=structure_uid(source=SOURCE_SLUG, key=str(n)),
                slug=f"synthetique-{n}",
                name=name,
                main_type=main_type,
                commune_id=code,
                latitude=round(lat, 6),
                longitude=round(lon, 6),
                geo_precision=Structure.GeoPrecision.STREET,
                status=Structure.Status.PUBLISHED,
                source=source,
                source_record_id=f"synth-{n}",
                search_document=search_document,
                search_name=f" {document(name)} ",
            )
        )
    with transaction.atomic():
        Structure.objects.bulk_create(structures, batch_size=2000)
        ids = list(Structure.objects.filter(source=source).values_list("pk", flat=True))
        through = Structure.themes.through
        links = [
            through(structure_id=pk, term_id=term.pk)
            for pk in ids
            for term in rng.sample(themes, rng.randint(0, 3))
        ]
        through.objects.bulk_create(links, batch_size=5000)
    print(f"generated {count} synthetic structures in {time.perf_counter() - started:.1f} s")


def server_figures() -> dict:
    from django.core.cache import cache

    from maillage.structures.filters import StructureFilters
    from maillage.structures.map_data import map_data_version, map_payload, map_selection

    cache.clear()
    started = time.perf_counter()
    version = map_data_version()
    version_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    payload = map_payload(version=version)
    build_s = time.perf_counter() - started
    timings = {}
    for label, query in (("no filter", {}), ("type=fablab", {"type": ["fablab"]})):
        started = time.perf_counter()
        map_selection(filters=StructureFilters.parse(query), version=version)
        timings[label] = time.perf_counter() - started
    return {
        "points": payload.count,
        "raw": len(payload.body),
        "gzip": len(payload.gzipped),
        "version_ms": version_ms,
        "build_s": build_s,
        "selection_s": timings,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def browser_figures(database_url: str, runs: int) -> list[tuple[str, float, int]]:
    """(label, ms from navigation to the drawn map, payload bytes transferred) per visit."""
    from playwright.sync_api import sync_playwright

    env = {**os.environ, "DATABASE_URL": database_url, "MAILLAGE_DATA_DIR": str(BENCH_DIR)}
    maillage = str(ROOT / ".venv/bin/maillage")
    subprocess.run([maillage, "collectstatic", "--no-input", "-v", "0"], env=env, check=True)
    port = free_port()
    server = subprocess.Popen(
        [maillage, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    results = []
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            for run in range(runs):
                label = "cold (server and browser caches empty)" if run == 0 else "warm"
                page.goto(f"{base}/carte/")
                page.wait_for_selector("[data-map-ready]", state="attached", timeout=120_000)
                ready = page.evaluate(
                    "performance.getEntriesByName('maillage:map-ready')[0].startTime"
                )
                transferred = page.evaluate(
                    """() => performance.getEntriesByType('resource')
                         .filter(e => e.name.includes('/carte/donnees/'))
                         .map(e => e.transferSize)[0] || 0"""
                )
                results.append((label, ready, transferred))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        default=f"sqlite:///{BENCH_DIR / 'map-bench.sqlite3'}",
        help="a database of its own (default: var/bench/map-bench.sqlite3)",
    )
    parser.add_argument("--no-referential", action="store_true", help="random points only")
    parser.add_argument("--runs", type=int, default=3, help="browser visits (first is cold)")
    parser.add_argument("--no-browser", action="store_true")
    arguments = parser.parse_args()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    configure_django(arguments.database_url)
    ensure_schema_and_vocabularies(referential=not arguments.no_referential)
    generate(arguments.count)

    figures = server_figures()
    print(f"\nmap payload: {figures['points']:,} points")
    print(f"  size: {figures['raw'] / 1e6:.2f} MB raw, {figures['gzip'] / 1e6:.2f} MB gzipped")
    print(
        f"  data version: {figures['version_ms']:.0f} ms; payload build: {figures['build_s']:.2f} s"
    )
    for label, seconds in figures["selection_s"].items():
        print(f"  selection with facet counts ({label}): {seconds * 1000:.0f} ms")
    if arguments.no_browser:
        return 0
    print("\nheadless Chromium, 1280×900, gunicorn (2 workers), navigation → map drawn:")
    for label, milliseconds, transferred in browser_figures(arguments.database_url, arguments.runs):
        print(f"  {label}: {milliseconds:.0f} ms (payload transferred: {transferred / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
