"""The benchmark's search measure alone, over HTTP (gunicorn, answer cache off), as
benchmarks/run.py takes it: median of RUNS requests cycling over its six searches.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/search_http.py DATABASE_URL [--runs 60]
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import map_bench  # noqa: E402
import run  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=12)
    args = parser.parse_args()
    env = {**run.SERVER_ENV, "MAILLAGE_ANSWER_CACHE": "0"}
    # The server's warm-up takes more than map_bench's 30 s on a loaded machine.
    map_bench.wait_for_port = functools.partial(map_bench.wait_for_port, seconds=240)
    server, base = map_bench.start_maillage(args.database_url, workers=run.WORKERS, extra_env=env)
    try:
        client = run.Client(base)
        paths = [f"/api/v1/structures?q={quote(query)}&limit=20" for query in run.SEARCHES]
        before = os.getloadavg()
        ms = run.median_ms(client, paths, args.runs, args.warmup)
        print(
            f"search median {ms:.1f} ms"
            f" (load before {before[0]:.2f}, after {os.getloadavg()[0]:.2f})"
        )
    finally:
        run.stop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
