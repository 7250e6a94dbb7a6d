"""Partner matchmaking at national scale, on the seeded synthetic structures.

    .venv/bin/python benchmarks/matchmaking_bench.py                      # SQLite, 100,000
    .venv/bin/python benchmarks/matchmaking_bench.py --backend postgres --count 10000

The database (var/bench/matchmaking-N.sqlite3, or the PostgreSQL database
maillage_matchmaking_bench) is filled once through the product's import pipeline with
benchmarks/synthetic.py's clearly synthetic records, then each measured call is timed
--runs times (median, after one warm-up). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic  # noqa: E402


def timed(function, runs: int) -> tuple[float, object]:
    result = function()  # warm-up (and the communes' index for the page)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    synthetic.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if args.backend == "sqlite":
        url = synthetic.sqlite_url(synthetic.BENCH_DIR / f"matchmaking-{args.count}.sqlite3")
    else:
        name = "maillage_matchmaking_bench"
        server = "postgres://postgres@127.0.0.1:5432"
        if not synthetic.postgres_database_exists(name, server):
            synthetic.create_postgres_database(name, server)
        url = synthetic.postgres_url(name, server)
    synthetic.configure_django(url)
    synthetic.prepare_schema()
    synthetic.ensure_structures(args.count)

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from maillage.matchmaking import selectors
    from maillage.referential.models import Commune
    from maillage.structures import selectors as structure_selectors
    from maillage.structures.models import Structure, Term

    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    terms = {(t.kind, t.slug): t for t in Term.objects.all()}
    nantes = Commune.objects.get(code="44109")
    origin = selectors.commune_point(nantes)
    published = Structure.objects.published().count()
    print(f"{args.backend}: {published} published structures", flush=True)

    needs = {
        "2 themes, from Nantes": selectors.need_build(
            themes=[terms["theme", "mobilite"], terms["theme", "sante"]], origin=origin
        ),
        "1 theme + 2 formats + who, from Nantes": selectors.need_build(
            themes=[terms["theme", "economie-circulaire"]],
            formats=[terms["format", "hackathons"], terms["format", "prototypage"]],
            audiences=[terms["actor", "startups"]],
            partner_kinds=[terms["actor", "startups"]],
            origin=origin,
        ),
        "keywords only, from Nantes": selectors.need_build(
            text="imprimantes 3D solidaire", origin=origin
        ),
        "1 theme, no commune": selectors.need_build(themes=[terms["theme", "tourisme"]]),
    }
    rows = []
    for label, need in needs.items():
        with CaptureQueriesContext(connection) as queries:
            ranked = selectors.structures_rank(need, limit=12)
        milliseconds, _ = timed(
            lambda need=need: selectors.structures_rank(need, limit=12), args.runs
        )
        rows.append((f"rank: {label}", milliseconds, len(queries), len(ranked)))

    sample = list(
        Structure.objects.published()
        .exclude(themes=None)
        .order_by("pk")
        .values_list("slug", flat=True)[:: max(1, published // 10)][:10]
    )
    similar_times = []
    for slug in sample:
        structure = structure_selectors.structure_get(key=slug)
        milliseconds, _ = timed(lambda s=structure: selectors.similar_structures(s), args.runs)
        similar_times.append(milliseconds)
    rows.append(("similar structures (median of 10 pages)", statistics.median(similar_times), 2, 6))

    client = Client()
    pages = {
        "/partenaires/ 2 themes from Nantes": (
            "/partenaires/?who=collectivite&commune=44109&theme=mobilite&theme=sante"
        ),
        "/partenaires/ typed commune « nantes »": "/partenaires/?commune=nantes&theme=mobilite",
        f"structure page ({sample[0]})": f"/structures/{sample[0]}/",
        "/api/v1/partners": "/api/v1/partners?commune=44109&theme=mobilite&limit=20",
        "/api/v1/territories/communes/search?q=sai": "/api/v1/territories/communes/search?q=sai",
    }
    for label, url in pages.items():
        with CaptureQueriesContext(connection) as queries:
            status = client.get(url).status_code
        milliseconds, _ = timed(lambda url=url: client.get(url), args.runs)
        rows.append((f"{label} [{status}]", milliseconds, len(queries), None))

    print(f"\n{'measure':62} {'ms':>8} {'queries':>8} {'results':>8}")
    for label, milliseconds, queries, results in rows:
        shown = "" if results is None else results
        print(f"{label:62} {milliseconds:8.1f} {queries:8} {shown!s:>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
