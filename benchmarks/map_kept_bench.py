"""/carte/ on the first requests after a change of the data, two versions of the code in the
same minutes: the version each server runs is the PYTHONPATH given (a checkout).

    .venv/bin/python benchmarks/map_kept_bench.py DATABASE_URL --before ../base --after . \
        [--rounds 3] [--visitors 4]

Both servers (`maillage serve`: gunicorn, 2 workers, the product's settings, each its own
data folder) run side by side. Each round, for each version in turn: the data version's
token is replaced (what any write of public data does), then, as a visitor's browser does,
/carte/ is asked, then the payload it names (gzip) and the selection with no filter, each
timed; then the payload and the selection four times more (gunicorn's two workers: with
Django's cache in each process's memory, each worker built its own). The version that
keeps the payload on disk (maillage.structures.map_kept) serves the previous one meanwhile:
/carte/ is then asked every half second until it names the current data's, and the
writer's time is read from the server's log ("map.kept"). With --visitors, that many
threads ask the home page and the API's first page in a loop meanwhile (cached answers: a
loaded server). Workers' RSS (now and peak) are read from /proc at the end.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402
import synthetic  # noqa: E402
from insights_bench import bump_data_version, get, load, rss, start  # noqa: E402

_PAYLOAD = re.compile(r"/carte/donnees/([0-9a-f]+)\.json")


def get_gzip(port: int, path: str) -> tuple[float, int, int]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=180)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        size = len(response.read())
        status = response.status
    finally:
        connection.close()
    return time.perf_counter() - started, status, size


def visitors(port: int, count: int, stop: threading.Event) -> list[threading.Thread]:
    def visit() -> None:
        while not stop.is_set():
            for path in ("/", "/api/v1/structures?limit=20"):
                get(port, path)

    threads = [threading.Thread(target=visit, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def kept_seconds(log: Path) -> list[float]:
    return [
        json.loads(line).get("seconds")
        for line in log.read_text().splitlines()
        if '"map.kept"' in line
    ]


def round_(name: str, port: int, log: Path, database_url: str) -> None:
    bump_data_version(database_url)
    before = load()
    seconds, status, page = get(port, "/carte/")
    version = _PAYLOAD.search(page).group(1)
    stale = "data-map-stale" in page
    payload_s, payload_status, size = get_gzip(port, f"/carte/donnees/{version}.json")
    selection_s, selection_status, _body = get(port, f"/carte/selection/?version={version}")
    print(
        f"  {name:6}: /carte/ {seconds * 1000:6.0f} ms HTTP {status}"
        f" ({'previous payload, said so' if stale else 'current payload'});"
        f" payload {payload_s * 1000:6.0f} ms HTTP {payload_status} {size / 1e6:.2f} MB;"
        f" selection {selection_s * 1000:6.0f} ms HTTP {selection_status}"
        f" (load {before} → {load()})",
        flush=True,
    )
    more = []
    for _ in range(4):
        more.append(get_gzip(port, f"/carte/donnees/{version}.json")[0] * 1000)
        more.append(get(port, f"/carte/selection/?version={version}")[0] * 1000)
    print(
        "          then payload, selection ×4: " + " ".join(f"{ms:.0f}" for ms in more) + " ms",
        flush=True,
    )
    if stale:
        started = time.perf_counter()
        while time.perf_counter() - started < 300:
            time.sleep(0.5)
            _s, _status, page = get(port, "/carte/")
            if "data-map-stale" not in page:
                break
        print(
            f"          the current payload named by /carte/ "
            f"{time.perf_counter() - started + seconds:.1f} s after the first request; "
            f"the writer: {kept_seconds(log)[-1:]} s (load {load()})",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--before", type=Path, required=True, help="checkout of the code before")
    parser.add_argument("--after", type=Path, required=True, help="checkout of the code after")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--visitors", type=int, default=0)
    args = parser.parse_args()
    out = synthetic.BENCH_DIR / "map-kept"
    servers = {}
    try:
        for name, code in (("before", args.before), ("after", args.after)):
            shutil.rmtree(out / name / "map", ignore_errors=True)
            log = out / f"{name}.log"
            out.mkdir(parents=True, exist_ok=True)
            server, port = start(args.database_url, code.resolve(), out / name, log)
            servers[name] = (server, port, log)
        stop = threading.Event()
        for number in range(1, args.rounds + 1):
            print(f"round {number}", flush=True)
            for name, (_server, port, log) in servers.items():
                threads = visitors(port, args.visitors, stop)
                try:
                    round_(name, port, log, args.database_url)
                finally:
                    stop.set()
                    for thread in threads:
                        thread.join()
                    stop.clear()
        for name, (server, _port, _log) in servers.items():
            print(f"{name} RSS {rss(server)}", flush=True)
    finally:
        for server, _port, _log in servers.values():
            run.stop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
