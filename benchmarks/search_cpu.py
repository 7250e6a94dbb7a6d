"""In-process cost of the benchmark's searches: `GET /api/v1/structures?q=Q&limit=20` through
django.test.Client with the answer cache off, median wall and CPU time per query.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/search_cpu.py DATABASE_URL [--runs 11]
    ... --profile fabricat   # cProfile of that query's requests, top functions
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

SEARCHES = ("fabricat", "mobilit", "numeriques", "energie renouvel", "solidaire", "patrimoin")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--profile", default=None, help="a query to profile (cProfile)")
    parser.add_argument("--queries", nargs="+", default=list(SEARCHES))
    args = parser.parse_args()
    os.environ["MAILLAGE_ANSWER_CACHE"] = "0"
    os.environ["MAILLAGE_API_RATE_LIMIT"] = "1000000000"
    import synthetic

    synthetic.configure_django(args.database_url)
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    for query in args.queries:  # warm: the connection, imports, the OS cache
        assert client.get(f"/api/v1/structures?q={quote(query)}&limit=20").status_code == 200
    if args.profile:
        import cProfile
        import pstats

        url = f"/api/v1/structures?q={quote(args.profile)}&limit=20"
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.runs):
            client.get(url)
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        return 0
    walls, cpus = {}, {}
    for _ in range(args.runs):
        for query in args.queries:
            url = f"/api/v1/structures?q={quote(query)}&limit=20"
            cpu, wall = time.process_time(), time.perf_counter()
            response = client.get(url)
            walls.setdefault(query, []).append((time.perf_counter() - wall) * 1000)
            cpus.setdefault(query, []).append((time.process_time() - cpu) * 1000)
            assert response.status_code == 200
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    for query in args.queries:
        print(
            f"{query:18} wall {statistics.median(walls[query]):6.1f} ms"
            f"  cpu {statistics.median(cpus[query]):6.1f} ms"
        )
    all_walls = [statistics.median(walls[q]) for q in args.queries]
    all_cpus = [statistics.median(cpus[q]) for q in args.queries]
    print(
        f"{'median':18} wall {statistics.median(all_walls):6.1f} ms"
        f"  cpu {statistics.median(all_cpus):6.1f} ms   (load {load})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
