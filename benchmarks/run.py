"""Every benchmark of Maillage at national scale, side by side with Datasette.

    .venv/bin/python benchmarks/run.py     # 10,000 and 100,000; SQLite and PostgreSQL
    .venv/bin/python benchmarks/run.py --sizes 10000 --backends sqlite --no-browser

For each size, the seeded synthetic records of benchmarks/synthetic.py are written once as a
CSV in Maillage's import format and as a Datasette database (same records). For each backend
a fresh database is made from a template (schema, vocabularies, referential), the CSV is
imported with the product's pipeline (timed), then gunicorn (`maillage serve`) and Datasette
(with datasette-cluster-map, FTS on name and description, `--setting suggest_facets off`) are
measured over HTTP on 127.0.0.1 with the same requests. Every timing is the median of
--runs requests after --warmup ones; the load test (wrk) is bounded by --duration seconds.
Results: a table on stdout and benchmarks/results/<date>.json (git-ignored).

Settings that differ from a default start, both for a fair load test: the API's rate limit
per client address is raised (MAILLAGE_API_RATE_LIMIT), or wrk would measure 429 answers; the
import's file size limit is raised for the 90 MB CSV (MAILLAGE_IMPORT_MAX_BYTES).

Answers are kept under the data version (maillage/api/cache.py, the map's payload and
selections), and the benchmark repeats its URLs: by default most figures are those of a
cached answer. --no-answer-cache starts the server with MAILLAGE_ANSWER_CACHE=0, so every
request computes its answer (the first request after a data change); --answer-cache both
measures the HTTP figures twice, cached then uncached (keys suffixed "_uncached").
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import map_bench  # noqa: E402
import synthetic  # noqa: E402

ROOT = synthetic.ROOT
BENCH_DIR = synthetic.BENCH_DIR
RESULTS_DIR = ROOT / "benchmarks" / "results"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_TEMPLATE = "maillage_bench_template"
SERVER_ENV = {"MAILLAGE_API_RATE_LIMIT": "1000000000"}
WORKERS = 2
# Queries typed into a search box: stems and prefixes ("fabricat" finds "fabrication",
# "mobilit" "mobilités"; "numeriques" finds "numérique" only with stemming).
SEARCHES = ("fabricat", "mobilit", "numeriques", "energie renouvel", "solidaire", "patrimoin")
THEMES = ("mobilite", "sante", "economie-circulaire", "inclusion-numerique", "energie-renouvelable")


# -- HTTP ------------------------------------------------------------------------------------


class Client:
    """One keep-alive connection to a loopback server; times whole responses."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        assert parts.hostname == "127.0.0.1", "benchmarks load loopback addresses only"
        self.port = parts.port
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def get(self, path: str, *, gzip_ok: bool = False) -> tuple[float, int, bytes, dict]:
        headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
        started = time.perf_counter()
        try:
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status >= 400:
            raise RuntimeError(f"GET {path}: HTTP {response.status}: {body[:300]!r}")
        return elapsed, response.status, body, dict(response.getheaders())


def median_ms(client: Client, paths: list[str], runs: int, warmup: int, **options) -> float:
    """Median time of runs requests cycling through paths, after warmup requests."""
    for index in range(warmup):
        client.get(paths[index % len(paths)], **options)
    return statistics.median(
        client.get(paths[index % len(paths)], **options)[0] for index in range(runs)
    )


def wrk_rps(url: str, duration: int) -> float | None:
    """Requests per second of wrk (2 threads, 16 connections, bounded in time)."""
    if not shutil.which("wrk"):
        return None
    assert urlsplit(url).hostname == "127.0.0.1"
    done = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{duration}s", "--timeout", "10s", url],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        timeout=duration + 60,
    )
    match = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    if errors:
        raise RuntimeError(f"wrk {url}: {errors.group(1)} error responses")
    return float(match.group(1)) if match else None


def rss_mb(pid: int) -> tuple[float, float, float]:
    """(largest process's RSS, whole tree's RSS, whole tree's PSS) in MB, of pid and its
    children. Summed RSS counts the pages gunicorn's workers share with the master (forked
    after the warm-up) once per process; PSS shares each page among the processes that map
    it, so the tree's PSS is the memory the server takes."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    sizes, proportional = [], []
    for one in pids:
        rollup = Path(f"/proc/{one}/smaps_rollup").read_text()
        sizes.append(int(re.search(r"^Rss:\s+(\d+)", rollup, re.M).group(1)) / 1024)
        proportional.append(int(re.search(r"^Pss:\s+(\d+)", rollup, re.M).group(1)) / 1024)
    return max(sizes), sum(sizes), sum(proportional)


def machine_speed(rounds: int = 5) -> dict[str, float]:
    """Milliseconds of two fixed workloads on one core (median of rounds), printed and kept
    with the results: figures of runs on different machines compare through them (the
    machines this benchmark ran on differed by a factor of two from one session to the next).

    python: pure-Python loops, dictionaries and string formatting, what the import and the
    request handling spend most of their time in; sqlite: 200,000 rows inserted into an
    in-memory database with an index, then grouped.
    """
    import sqlite3

    def python() -> None:
        counts: dict[str, int] = {}
        for i in range(300_000):
            key = f"k{i % 997}"
            counts[key] = counts.get(key, 0) + i * i % 7

    def sqlite() -> None:
        db = sqlite3.connect(":memory:")
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, kind INTEGER, name TEXT)")
        db.execute("CREATE INDEX t_kind ON t (kind, name)")
        db.executemany(
            "INSERT INTO t VALUES (?, ?, ?)", ((i, i % 13, f"n{i}") for i in range(200_000))
        )
        db.execute("SELECT kind, COUNT(*) FROM t GROUP BY kind").fetchall()
        db.close()

    figures = {}
    for name, work in (("python", python), ("sqlite", sqlite)):
        timings = []
        for _ in range(rounds):
            started = time.process_time()
            work()
            timings.append((time.process_time() - started) * 1000)
        figures[f"{name}_ms"] = round(statistics.median(timings), 1)
    return figures


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


# -- Maillage ----------------------------------------------------------------------------------


_IMPORT = """
import json, time
started = time.perf_counter()
report = synthetic.import_csv(synthetic.csv_path({count}))
seconds = time.perf_counter() - started
from maillage.structures.models import Structure
sample = list(
    Structure.objects.filter(source__slug=synthetic.SOURCE_SLUG)
    .order_by("pk").values_list("uid", "slug", "source_record_id")[:: max({count} // 60, 1)]
)
print(json.dumps({{"seconds": seconds, "created": len(report.created),
    "rejected": len(report.rejected), "duplicates": len(report.duplicates), "sample": sample}}))
"""


def prepare_templates(backends: list[str], sizes: list[int]) -> dict[str, str]:
    """Template databases (schema, vocabularies, referential, synthetic source) and CSVs."""
    templates = {}
    sqlite_template = BENCH_DIR / "template.sqlite3"
    code = "synthetic.prepare_schema()\n" + "".join(
        f"synthetic.ensure_csv({count})\n" for count in sizes
    )
    synthetic.run_python(code, synthetic.sqlite_url(sqlite_template))
    templates["sqlite"] = str(sqlite_template)
    if "postgres" in backends:
        if not synthetic.postgres_database_exists(PG_TEMPLATE, PG_SERVER):
            synthetic.create_postgres_database(PG_TEMPLATE, PG_SERVER)
        synthetic.run_python(
            "synthetic.prepare_schema()\n", synthetic.postgres_url(PG_TEMPLATE, PG_SERVER)
        )
        templates["postgres"] = PG_TEMPLATE
    return templates


def fresh_database(backend: str, templates: dict, count: int) -> str:
    if backend == "sqlite":
        return synthetic.fresh_sqlite(
            Path(templates["sqlite"]), BENCH_DIR / f"maillage-{count}.sqlite3"
        )
    return synthetic.fresh_postgres(templates["postgres"], f"maillage_bench_{count}", PG_SERVER)


def measure_maillage(url: str, count: int, args) -> dict:
    print(f"  import of {count:,} rows…", flush=True)
    imported = json.loads(synthetic.run_python(_IMPORT.format(count=count), url).splitlines()[-1])
    print(f"    {imported['seconds']:.1f} s", flush=True)
    figures = measure_endpoints(url, imported["sample"], args)
    return {"import_s": imported["seconds"], "import": imported, **figures}


_SAMPLE = """
import json
from maillage.structures.models import Structure
rows = Structure.objects.filter(source__slug=synthetic.SOURCE_SLUG).order_by("pk")
count = rows.count()
print(json.dumps(list(rows.values_list("uid", "slug", "source_record_id")[:: max(count // 60, 1)])))
"""


def loaded_sample(url: str) -> list:
    """The same sample of structures as after an import, from an already loaded database."""
    return json.loads(synthetic.run_python(_SAMPLE, url).splitlines()[-1])


def measure_endpoints(url: str, sample: list, args) -> dict:
    """Every HTTP figure of Maillage serving the database at url (already loaded); with
    --answer-cache both, the figures without the answer cache follow, suffixed _uncached."""
    if args.answer_cache != "both":
        return _measure_endpoints(url, sample, args, cached=args.answer_cache == "on")
    figures = _measure_endpoints(url, sample, args, cached=True)
    uncached = _measure_endpoints(url, sample, args, cached=False)
    return {**figures, **{f"{key}_uncached": value for key, value in uncached.items()}}


def _measure_endpoints(url: str, sample: list, args, *, cached: bool) -> dict:
    env = {**SERVER_ENV, "MAILLAGE_ANSWER_CACHE": "1" if cached else "0"}
    server, base = map_bench.start_maillage(url, workers=WORKERS, extra_env=env)
    figures: dict = {"answer_cache": cached, "load_average": os.getloadavg()}
    try:
        client = Client(base)
        # The map: the page names the current data version.
        _ms, _status, page, _headers = client.get("/carte/")
        version = re.search(rb"/carte/donnees/([0-9a-f]+)\.json", page).group(1).decode()
        data = f"/carte/donnees/{version}.json"
        _ms, _status, body, headers = client.get(data, gzip_ok=True)
        figures["map_bytes"] = len(body)
        figures["map_raw_bytes"] = len(gzip.decompress(body))
        figures["map_ms"] = median_ms(client, [data], args.runs, args.warmup, gzip_ok=True)
        figures["facets_ms"] = median_ms(
            client,
            [f"/api/v1/facets?theme={theme}&facet=type&facet=region" for theme in THEMES],
            args.runs,
            args.warmup,
        )
        figures["search_ms"] = median_ms(
            client,
            [f"/api/v1/structures?q={quote(query)}&limit=20" for query in SEARCHES],
            args.runs,
            args.warmup,
        )
        figures["selection_ms"] = median_ms(
            client,
            [f"/carte/selection/?theme={theme}" for theme in THEMES],
            args.runs,
            args.warmup,
        )
        figures["page_ms"] = median_ms(
            client, [f"/structures/{slug}/" for _uid, slug, _key in sample], args.runs, 5
        )
        figures["detail_ms"] = median_ms(
            client, [f"/api/v1/structures/{uid}" for uid, _slug, _key in sample], args.runs, 5
        )
        client.connection.close()
        figures["rps"] = wrk_rps(f"{base}/api/v1/structures/{sample[1][0]}", args.duration)
        if not args.no_browser:
            visits = map_bench.map_in_browser(base, args.browser_runs)
            warm = [ms for label, ms, _bytes in visits if label == "warm"]
            figures["browser_cold_ms"] = visits[0][1]
            figures["browser_warm_ms"] = statistics.median(warm) if warm else None
        figures["rss_max_mb"], figures["rss_total_mb"], figures["pss_total_mb"] = rss_mb(server.pid)
    finally:
        stop(server)
    return figures


# -- Datasette ---------------------------------------------------------------------------------


def datasette_database(count: int) -> Path:
    path = BENCH_DIR / f"datasette-{count}.db"
    source = synthetic.csv_path(count)
    if not path.exists() or path.stat().st_mtime < source.stat().st_mtime:
        started = time.perf_counter()
        synthetic.write_datasette_db(synthetic.read_csv(source), path)
        print(f"  Datasette database built in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def measure_datasette(count: int, args) -> dict:
    path = datasette_database(count)
    started = time.perf_counter()
    synthetic.write_datasette_db(synthetic.read_csv(synthetic.csv_path(count)), path)
    load_s = time.perf_counter() - started
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/datasette"),
            "serve",
            str(path),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--setting",
            "suggest_facets",
            "off",
            "--setting",
            "sql_time_limit_ms",
            "20000",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    figures: dict = {"import_s": load_s}
    try:
        map_bench.wait_for_port(port)
        client = Client(f"http://127.0.0.1:{port}")
        table = f"/{path.stem}/structures"
        # What datasette-cluster-map does: page through the table, 1,000 rows a time; only
        # the columns the map shows (name, type, position), as Maillage's payload.
        first = (
            f"{table}.json?_size=max&_shape=objects&_col=name&_col=main_type"
            "&_col=latitude&_col=longitude"
        )

        def all_points() -> tuple[float, int, int]:
            total_ms, raw, compressed, url = 0.0, 0, 0, first
            for _page in range(count // 1000 + 2):
                elapsed, _status, body, _headers = client.get(url)
                total_ms += elapsed
                raw += len(body)
                compressed += len(gzip.compress(body, compresslevel=6))
                following = json.loads(body).get("next_url")
                if not following:
                    break
                url = following[following.index(table) :]
            return total_ms, raw, compressed

        all_points()  # warm-up
        runs = [all_points() for _ in range(3)]
        figures["map_ms"] = statistics.median(run[0] for run in runs)
        figures["map_raw_bytes"] = runs[0][1]
        figures["map_bytes"] = runs[0][1]  # served uncompressed
        figures["map_gzip_bytes"] = runs[0][2]
        figures["facets_ms"] = median_ms(
            client,
            [
                f"{table}.json?themes__arraycontains={theme}&_facet=main_type"
                f"&_facet=region_name&_size=0"
                for theme in THEMES
            ],
            args.runs,
            args.warmup,
        )
        figures["search_ms"] = median_ms(
            client,
            [
                f"{table}.json?_search={quote(' '.join(w + '*' for w in query.split()))}"
                f"&_searchmode=raw&_size=20"
                for query in SEARCHES
            ],
            args.runs,
            args.warmup,
        )
        ids = [str(1 + n * max(count // 60, 1)) for n in range(60)]
        figures["page_ms"] = median_ms(
            client, [f"{table}/{row}" for row in ids], args.runs, args.warmup
        )
        figures["detail_ms"] = median_ms(
            client, [f"{table}/{row}.json" for row in ids], args.runs, args.warmup
        )
        client.connection.close()
        figures["rps"] = wrk_rps(f"http://127.0.0.1:{port}{table}/{ids[1]}.json", args.duration)
        if not args.no_browser:
            visits = map_bench.datasette_map_in_browser(
                f"http://127.0.0.1:{port}", table, args.browser_runs
            )
            warm = [milliseconds for _label, milliseconds in visits[1:]]
            figures["browser_cold_ms"] = visits[0][1]
            figures["browser_warm_ms"] = statistics.median(warm) if warm else None
        figures["rss_max_mb"], figures["rss_total_mb"], figures["pss_total_mb"] = rss_mb(server.pid)
    finally:
        stop(server)
    return figures


# -- the table ---------------------------------------------------------------------------------

MEASURES = (
    # key, label, unit, target (None: no target), lower is better
    ("import_s", "import of the CSV (Datasette: sqlite-utils insert + FTS)", "s", 30, True),
    ("map_bytes", "all points for the map, as transferred", "MB", 2, True),
    ("map_ms", "map data response, warm", "ms", 20, True),
    ("facets_ms", "facets type + region under a theme filter", "ms", 10, True),
    ("search_ms", "full-text search (stemming, prefix), 20 results", "ms", 5, True),
    ("selection_ms", "map selection (/carte/selection/) under a theme filter", "ms", None, True),
    ("page_ms", "a structure's page (HTML)", "ms", 20, True),
    ("detail_ms", "a structure's API detail (JSON)", "ms", None, True),
    ("rps", "API detail, requests/s (wrk, 16 connections)", "req/s", None, False),
    (
        "browser_warm_ms",
        "browser: /carte/ drawn with all points, warm (Datasette: cluster map, load all)",
        "ms",
        1500,
        True,
    ),
    ("browser_cold_ms", "browser: /carte/ drawn with all points, cold", "ms", None, True),
    ("rss_max_mb", "server memory (RSS), largest process", "MB", 400, True),
    ("rss_total_mb", "server memory (RSS), all processes", "MB", None, True),
    ("pss_total_mb", "server memory (PSS: shared pages counted once), all", "MB", None, True),
)


def shown(key: str, value) -> str:
    if value is None:
        return "—"
    if key.endswith("bytes"):
        return f"{value / 1e6:.2f}"
    if key == "rps":
        return f"{value:,.0f}"
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def ratio(key: str, ours, theirs) -> str:
    if not ours or not theirs or key == "import_s":  # Datasette's load checks nothing
        return "—"
    better = theirs / ours if key != "rps" else ours / theirs
    return f"{better:.1f}×"


def table(results: dict) -> str:
    lines = []
    for count, by_system in results.items():
        systems = [name for name in ("sqlite", "postgres") if name in by_system]
        header = ["measure", "unit", "target"]
        header += [f"Maillage {name}" for name in systems]
        header += ["Datasette", *[f"ratio ({name})" for name in systems]]
        lines += [f"\n{int(count):,} structures\n", "| " + " | ".join(header) + " |"]
        lines.append("|" + "---|" * len(header))
        datasette = by_system.get("datasette", {})
        for key, label, unit, target, lower in MEASURES:
            unit_key = "map_bytes" if key == "map_bytes" else key
            target_text = "—" if target is None else (f"≤ {target}" if lower else f"≥ {target}")
            if key == "rps":
                target_text = "≥ 2× Datasette"
            row = [label, unit, target_text]
            row += [shown(unit_key, by_system[name].get(key)) for name in systems]
            row.append(shown(unit_key, datasette.get(key)))
            row += [ratio(key, by_system[name].get(key), datasette.get(key)) for name in systems]
            lines.append("| " + " | ".join(row) + " |")
            uncached = f"{key}_uncached"
            if any(uncached in by_system[name] for name in systems):
                row = [f"{label}, answer cache off", unit, target_text]
                row += [shown(unit_key, by_system[name].get(uncached)) for name in systems]
                row += ["—"] + [
                    ratio(key, by_system[name].get(uncached), datasette.get(key))
                    for name in systems
                ]
                lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def growth(results: dict) -> str:
    sizes = sorted(results, key=int)
    if len(sizes) < 2:
        return ""
    small, large = sizes[0], sizes[-1]
    factor = int(large) / int(small)
    lines = [f"\ngrowth from {int(small):,} to {int(large):,} structures (data ×{factor:g})\n"]
    lines.append("| measure | " + " | ".join(results[large]) + " |")
    lines.append("|---|" + "---|" * len(results[large]))
    for key, label, *_rest in MEASURES:
        cells = []
        for system in results[large]:
            a = results[small].get(system, {}).get(key)
            b = results[large].get(system, {}).get(key)
            cells.append(f"×{b / a:.1f}" if a and b else "—")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--backends", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"]
    )
    parser.add_argument("--runs", type=int, default=30, help="timed requests per measure")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--duration", type=int, default=5, help="seconds of each load test")
    parser.add_argument("--browser-runs", type=int, default=4, help="visits (first is cold)")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--no-datasette", action="store_true")
    parser.add_argument(
        "--answer-cache",
        choices=["on", "off", "both"],
        default="on",
        help="serve answers kept under the data version (on, the product's default), compute "
        "every answer (off: the first request after a data change), or measure both",
    )
    parser.add_argument(
        "--no-answer-cache",
        dest="answer_cache",
        action="store_const",
        const="off",
        help="the same as --answer-cache off",
    )
    parser.add_argument(
        "--database-url",
        action="append",
        default=[],
        help="measure the HTTP figures of these already loaded databases only (no import, "
        "no Datasette); repeatable",
    )
    args = parser.parse_args()
    if args.database_url:
        for url in args.database_url:
            print(url, flush=True)
            figures = measure_endpoints(url, loaded_sample(url), args)
            print(json.dumps(figures, indent=1, default=str), flush=True)
        return 0
    machine = machine_speed()
    print(f"machine speed (one core, CPU time, lower is faster): {machine}", flush=True)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["MAILLAGE_IMPORT_MAX_BYTES"] = synthetic.IMPORT_MAX_BYTES
    print("templates and synthetic CSVs…", flush=True)
    templates = prepare_templates(args.backends, args.sizes)
    results: dict[str, dict] = {}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y-%m-%dT%H-%M")
    output = RESULTS_DIR / f"{stamp}.json"
    for count in args.sizes:
        results[str(count)] = {}
        for backend in args.backends:
            print(f"{count:,} structures, Maillage on {backend}", flush=True)
            url = fresh_database(backend, templates, count)
            results[str(count)][backend] = measure_maillage(url, count, args)
            # Kept as it goes.
            output.write_text(json.dumps({"machine": machine, **results}, indent=1, default=str))
        if not args.no_datasette:
            print(f"{count:,} structures, Datasette", flush=True)
            results[str(count)]["datasette"] = measure_datasette(count, args)
    output.write_text(json.dumps({"machine": machine, **results}, indent=1, default=str))
    print(table(results))
    print(growth(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
