"""Load test: simulated visitors browsing Maillage on 127.0.0.1 for a fixed time (`make loadtest`).

    .venv/bin/python benchmarks/loadtest.py                 # 200 clients, 60 s, default data
    .venv/bin/python benchmarks/loadtest.py --clients 50 --duration 20
    .venv/bin/python benchmarks/loadtest.py --database-url sqlite:///var/bench/maillage-10000.sqlite3
    .venv/bin/python benchmarks/loadtest.py --think 0        # no pause: saturation (closed loop)

Starts gunicorn (`maillage serve`, the product's settings and worker count) on a free
loopback port over its own database (by default `var/loadtest/maillage.sqlite3`, migrated
and filled with the default data on first use: the referential, the 1,512 tiers-lieux of
the 2019 census and the curated list), then runs locust in this process: --clients
visitors, each pausing --think seconds (uniform range) between requests, on a mix of the
home page, the map page and its data, structure pages, search, the API's list, detail and
facets. It only ever loads 127.0.0.1: any other host is refused.

Prints p50/p95/p99 and errors per kind of request and overall, the server's own time per
kind of request (from its JSON request log), the machine's load (`uptime`) before and
after, and keeps everything in benchmarks/results/loadtest-<date>.json (git-ignored).
Exits with 1 when the overall p99 is at or above --p99-ms (300) or when any request
failed (a 5xx, another error status, or a connection error).

One setting differs from a default start: the API's rate limit per client address is
raised (MAILLAGE_API_RATE_LIMIT), since every simulated visitor comes from 127.0.0.1.
"""

# ruff: noqa: I001  (locust first: it patches the standard library with gevent on import)
from __future__ import annotations

import locust
from locust import FastHttpUser, between, constant, task
from locust.env import Environment

import argparse
import collections
import datetime
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import gevent

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "benchmarks" / "results"
LOADTEST_DIR = ROOT / "var" / "loadtest"
LOOPBACK = "127.0.0.1"
SEARCHES = ("fablab", "coworking", "tiers lieu", "atelier", "numerique", "nantes", "lyon")
SERVER_ENV = {"MAILLAGE_API_RATE_LIMIT": "1000000000"}


def loopback_only(url: str) -> str:
    host = urlsplit(url).hostname
    if host != LOOPBACK:
        raise SystemExit(f"loadtest: refused: {url} is not on {LOOPBACK} (loopback only)")
    return url.rstrip("/")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def get_json(url: str) -> dict:
    with urllib.request.urlopen(loopback_only(url), timeout=60) as response:  # noqa: S310
        return json.load(response)


def get_text(url: str) -> str:
    with urllib.request.urlopen(loopback_only(url), timeout=60) as response:  # noqa: S310
        return response.read().decode()


# -- the server ---------------------------------------------------------------------------------


def prepare_database(env: dict) -> None:
    maillage = str(ROOT / ".venv/bin/maillage")
    for command in (["migrate", "--no-input"], ["load_default_data"]):
        print(f"  maillage {' '.join(command)}…", flush=True)
        subprocess.run([maillage, *command], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([maillage, "collectstatic", "--no-input", "-v", "0"], env=env, check=True)


def start_server(env: dict, workers: int | None, log_path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [str(ROOT / ".venv/bin/maillage"), "serve", "--host", LOOPBACK, "--port", str(port)]
    if workers:
        command += ["--workers", str(workers)]
    log = log_path.open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"loadtest: the server stopped at start, see {log_path}")
        try:
            socket.create_connection((LOOPBACK, port), timeout=0.2).close()
            return server, f"http://{LOOPBACK}:{port}"
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"loadtest: nothing listens on {LOOPBACK}:{port} after 60 s")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by pid and its child processes (the workers)."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(child) for child in children.read_text().split()]
    ticks = 0
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)


# -- what visitors ask for ------------------------------------------------------------------------


class Sample:
    """Real addresses of the served database: structures, vocabularies, map data version."""

    def __init__(self, base: str):
        listing = get_json(f"{base}/api/v1/structures?limit=200")
        if not listing["results"]:
            raise SystemExit("loadtest: the database has no published structure")
        self.uids = [item["id"] for item in listing["results"]]
        self.pages = [item["url"] for item in listing["results"]]
        vocabularies = get_json(f"{base}/api/v1/vocabularies")["vocabularies"]
        self.types = [term["slug"] for term in vocabularies.get("type", [])]
        self.themes = [term["slug"] for term in vocabularies.get("theme", [])]
        regions = get_json(f"{base}/api/v1/territories/regions")["results"]
        self.regions = [row["code"] for row in regions if row["structures"]]
        if not (self.types and self.themes and self.regions):
            raise SystemExit("loadtest: no vocabulary or region to filter on")
        found = re.search(r"/carte/donnees/([0-9a-f]+)\.json", get_text(f"{base}/carte/"))
        if not found:
            raise SystemExit("loadtest: /carte/ names no map data file")
        self.map_data = f"/carte/donnees/{found.group(1)}.json"


def make_visitor(sample: Sample, think: tuple[float, float]):
    class Visitor(FastHttpUser):
        """Someone browsing: pages, the map and its data, search, and the API."""

        wait_time = between(*think) if think[1] > 0 else constant(0)

        def get(self, path: str, name: str, **params):
            query = f"?{urlencode(params, doseq=True)}" if params else ""
            self.client.get(path + query, name=name, headers={"Accept-Encoding": "gzip"})

        @task(10)
        def home(self):
            self.get("/", "home")

        @task(4)
        def map_page(self):
            self.get("/carte/", "map page")

        @task(10)
        def map_data(self):
            self.get(sample.map_data, "map data")

        @task(20)
        def structure_page(self):
            self.get(random.choice(sample.pages), "structure page")

        @task(10)
        def search(self):
            self.get("/recherche/", "search page", q=random.choice(SEARCHES))

        @task(10)
        def api_list(self):
            filters = random.choice(
                [
                    {"type": random.choice(sample.types)},
                    {"theme": random.choice(sample.themes)},
                    {"region": random.choice(sample.regions)},
                    {"q": random.choice(SEARCHES)},
                ]
            )
            self.get("/api/v1/structures", "api list", limit=20, **filters)

        @task(15)
        def api_detail(self):
            self.get(f"/api/v1/structures/{random.choice(sample.uids)}", "api detail")

        @task(10)
        def facets(self):
            self.get(
                "/api/v1/facets",
                "api facets",
                theme=random.choice(sample.themes),
                facet=["type", "region"],
            )

    return Visitor


# -- the run --------------------------------------------------------------------------------------


def run_locust(base: str, visitor, clients: int, spawn_rate: float, duration: int) -> dict:
    statuses: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    env = Environment(user_classes=[visitor], host=base, events=locust.events)

    def count(request_type, name, response_time, response_length, response, exception, **kw):
        status = getattr(response, "status_code", 0) or 0
        statuses[name][f"{status // 100}xx" if status else "connection"] += 1

    env.events.request.add_listener(count)
    runner = env.create_local_runner()
    runner.start(clients, spawn_rate=spawn_rate)
    gevent.spawn_later(duration, runner.quit)
    runner.greenlet.join()

    def figures(entry) -> dict:
        return {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.50),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
            "max_ms": entry.max_response_time,
            "rps": entry.total_rps,
        }

    by_name = {name: figures(entry) for (name, _method), entry in env.stats.entries.items()}
    for name, counts in statuses.items():
        by_name.setdefault(name, {})["statuses"] = dict(counts)
    total = figures(env.stats.total)
    total["statuses"] = dict(sum(statuses.values(), collections.Counter()))
    errors = {str(error.error)[:200]: error.occurrences for error in env.stats.errors.values()}
    return {"by_name": by_name, "total": total, "errors": errors}


CATEGORIES = (
    ("map data", re.compile(r"^/carte/donnees/")),
    ("map page", re.compile(r"^/carte/$")),
    ("structure page", re.compile(r"^/structures/")),
    ("search page", re.compile(r"^/recherche/")),
    ("api list", re.compile(r"^/api/v1/structures$")),
    ("api detail", re.compile(r"^/api/v1/structures/")),
    ("api facets", re.compile(r"^/api/v1/facets")),
    ("home", re.compile(r"^/$")),
)


def server_times(log_path: Path, since: float) -> dict:
    """The server's own duration per kind of request, from its JSON request log (queueing
    before a worker thread takes the request is not in it; the client's figure has it)."""
    durations: dict[str, list[float]] = collections.defaultdict(list)
    for line in log_path.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        if record.get("event") != "http.request":
            continue
        stamp = datetime.datetime.fromisoformat(record["time"]).timestamp()
        if stamp < since:
            continue
        category = next((n for n, p in CATEGORIES if p.match(record["path"])), "other")
        durations[category].append(record["duration_ms"])
    durations["**all**"] = [value for values in durations.values() for value in values]
    result = {}
    for category, values in sorted(durations.items()):
        if not values:
            continue
        values.sort()
        result[category] = {
            "requests": len(values),
            "p50_ms": statistics.median(values),
            "p99_ms": values[min(len(values) - 1, int(len(values) * 0.99))],
        }
    return result


def table(result: dict, server: dict) -> str:
    lines = [
        "| requests | count | failures | p50 ms | p95 ms | p99 ms | max ms | server p50 | "
        "server p99 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    rows = sorted(result["by_name"].items()) + [("**all**", result["total"])]
    for name, row in rows:
        mine = server.get(name, {})
        lines.append(
            f"| {name} | {row.get('requests', 0):,} | {row.get('failures', 0)} | "
            f"{row.get('p50_ms', 0):.0f} | {row.get('p95_ms', 0):.0f} | "
            f"{row.get('p99_ms', 0):.0f} | {row.get('max_ms', 0) or 0:.0f} | "
            f"{mine.get('p50_ms', 0):.1f} | {mine.get('p99_ms', 0):.1f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=LOOPBACK, help="must be 127.0.0.1")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--spawn-rate", type=float, default=50, help="clients started per s")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 3.0),
        metavar=("MIN", "MAX"),
        help="seconds each client pauses between requests (0 0: none)",
    )
    parser.add_argument("--database-url", help="default: var/loadtest/maillage.sqlite3")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the product's)")
    parser.add_argument("--p99-ms", type=float, default=300.0, help="fail at or above")
    args = parser.parse_args()
    loopback_only(f"http://{args.host}/")
    if args.duration <= 0 or args.clients <= 0:
        raise SystemExit("loadtest: --duration and --clients must be positive")

    LOADTEST_DIR.mkdir(parents=True, exist_ok=True)
    database_url = args.database_url or f"sqlite:///{LOADTEST_DIR / 'maillage.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MAILLAGE_DATA_DIR": str(LOADTEST_DIR),
        "MAILLAGE_LOG_FORMAT": "json",
        **SERVER_ENV,
    }
    print(f"database {database_url}", flush=True)
    prepare_database(env)
    log_path = LOADTEST_DIR / "server.log"
    server, base = start_server(env, args.workers, log_path)
    load_before = uptime()
    try:
        sample = Sample(base)
        print(
            f"{args.clients} clients for {args.duration} s on {base}, pauses "
            f"{args.think[0]:g}–{args.think[1]:g} s; {load_before}",
            flush=True,
        )
        started = time.time()
        visitor = make_visitor(sample, tuple(args.think))
        server_cpu, client_cpu = cpu_seconds(server.pid), time.process_time()
        result = run_locust(base, visitor, args.clients, args.spawn_rate, args.duration)
        server_cpu = cpu_seconds(server.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
    finally:
        stop(server)
    load_after = uptime()
    server_side = server_times(log_path, started)
    total = result["total"]
    statuses = total.get("statuses", {})
    failures = total["failures"]
    error_rate = failures / total["requests"] if total["requests"] else 1.0
    passed = total["p99_ms"] < args.p99_ms and failures == 0 and total["requests"] > 0

    print()
    print(table(result, server_side))
    print()
    print(f"requests: {total['requests']:,} ({total['rps']:.1f}/s); statuses: {statuses}")
    print(f"error rate: {error_rate:.2%} ({failures} failed; 5xx: {statuses.get('5xx', 0)})")
    for error, occurrences in result["errors"].items():
        print(f"  {occurrences} × {error}")
    print(
        f"p50 {total['p50_ms']:.0f} ms, p95 {total['p95_ms']:.0f} ms, p99 {total['p99_ms']:.0f} ms"
    )
    cpu_per_request = server_cpu * 1000 / total["requests"] if total["requests"] else 0
    print(
        f"server CPU: {server_cpu:.1f} s ({cpu_per_request:.1f} ms per request: at most "
        f"{1000 / cpu_per_request if cpu_per_request else 0:.0f} requests/s per free core); "
        f"load generator CPU: {client_cpu:.1f} s"
    )
    print(f"load before: {load_before}")
    print(f"load after:  {load_after}")
    verdict = "PASS" if passed else "FAIL"
    print(f"{verdict}: p99 {total['p99_ms']:.0f} ms (must be < {args.p99_ms:g}), {failures} errors")

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y-%m-%dT%H-%M")
    output = RESULTS_DIR / f"loadtest-{stamp}.json"
    output.write_text(
        json.dumps(
            {
                "arguments": {**vars(args), "database_url": database_url},
                "load_before": load_before,
                "load_after": load_after,
                "client": result,
                "server": server_side,
                "server_cpu_s": server_cpu,
                "server_cpu_ms_per_request": cpu_per_request,
                "client_cpu_s": client_cpu,
                "error_rate": error_rate,
                "passed": passed,
            },
            indent=1,
            default=str,
        )
    )
    print(f"kept in {output.relative_to(ROOT)}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
