"""The read targets measured on a first request, over HTTP (gunicorn, answer cache off), as
benchmarks/run.py takes them: facets (type + region under each of its themes) and search
(its six searches), median of RUNS requests cycling over their URLs. Quicker than run.py
--database-url, which measures everything; several code versions can be compared on their
own databases in the same minutes (PYTHONPATH picks the code the server runs).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/first_request.py DATABASE_URL [--runs 60]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import map_bench  # noqa: E402
import run  # noqa: E402

MEASURES = {
    "facets": [f"/api/v1/facets?theme={theme}&facet=type&facet=region" for theme in run.THEMES],
    "search": [f"/api/v1/structures?q={quote(query)}&limit=20" for query in run.SEARCHES],
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=12)
    args = parser.parse_args()
    env = {**run.SERVER_ENV, "MAILLAGE_ANSWER_CACHE": "0"}
    server, base = map_bench.start_maillage(args.database_url, workers=run.WORKERS, extra_env=env)
    try:
        client = run.Client(base)
        for name, paths in MEASURES.items():
            before = os.getloadavg()
            ms = run.median_ms(client, paths, args.runs, args.warmup)
            print(
                f"{name} median {ms:.1f} ms"
                f" (load before {before[0]:.2f}, after {os.getloadavg()[0]:.2f})",
                flush=True,
            )
    finally:
        run.stop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
