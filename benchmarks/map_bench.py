"""Benchmark of the map (/carte/) on synthetic structures: payload size and time to interactive.

    .venv/bin/python benchmarks/map_bench.py                  # 100,000 structures, SQLite
    .venv/bin/python benchmarks/map_bench.py --count 20000
    .venv/bin/python benchmarks/map_bench.py --database-url postgres://postgres@127.0.0.1:5432/bench

The structures come from benchmarks/synthetic.py (source "synthetique", names starting with
"[Synthétique]", placed in real communes of the bundled referential) and are loaded through
the import pipeline into their own database (by default var/bench/map-bench.sqlite3, never
the project's database), once, then reused. benchmarks/run.py runs every measurement; this
script is the map's alone, with the browser's cold and warm visits.

Prints the payload's size (raw and gzipped, as served), the server's time to build it and to
answer a selection, and, in headless Chromium against gunicorn, the time from navigation to
the map drawn with every point (`data-map-ready`), cold (first visit: nothing cached) and
warm (payload in the browser's cache). Timings are figures to read, never asserted.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import (  # noqa: E402  (the generator beside this script)
    BENCH_DIR,
    ROOT,
    configure_django,
    ensure_structures,
    prepare_schema,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def server_figures() -> dict:
    from django.core.cache import cache

    from maillage.structures.filters import StructureFilters
    from maillage.structures.map_data import map_data_version, map_payload, map_selection

    cache.clear()
    started = time.perf_counter()
    version = map_data_version()
    version_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    payload, order = map_payload(version=version)
    build_s = time.perf_counter() - started
    timings = {}
    for label, query in (("no filter", {}), ("type=fablab", {"type": ["fablab"]})):
        started = time.perf_counter()
        map_selection(filters=StructureFilters.parse(query), version=version, order=order)
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


# The server renders the common pages before it listens (maillage.web.warmup): over a
# minute at 100,000 structures on a slow or busy machine.
def wait_for_port(port: int, *, seconds: float = 180.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds:.0f} s")


def start_maillage(database_url: str, *, workers: int = 2, extra_env: dict | None = None):
    """gunicorn (`maillage serve`) on a free loopback port: (process, base URL)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MAILLAGE_DATA_DIR": str(BENCH_DIR),
        **(extra_env or {}),
    }
    maillage = str(ROOT / ".venv/bin/maillage")
    subprocess.run([maillage, "collectstatic", "--no-input", "-v", "0"], env=env, check=True)
    port = free_port()
    server = subprocess.Popen(
        [maillage, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return server, f"http://127.0.0.1:{port}"


def map_in_browser(base: str, runs: int) -> list[tuple[str, float, int]]:
    """(label, ms from navigation to the drawn map, payload bytes transferred) per visit of
    base + /carte/ in headless Chromium; the first visit is cold."""
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        for run in range(runs):
            label = "cold (server and browser caches empty)" if run == 0 else "warm"
            page.goto(f"{base}/carte/")
            page.wait_for_selector("[data-map-ready]", state="attached", timeout=120_000)
            ready = page.evaluate("performance.getEntriesByName('maillage:map-ready')[0].startTime")
            transferred = page.evaluate(
                """() => performance.getEntriesByType('resource')
                     .filter(e => e.name.includes('/carte/donnees/'))
                     .map(e => e.transferSize)[0] || 0"""
            )
            results.append((label, ready, transferred))
        browser.close()
    return results


def datasette_map_in_browser(base: str, table: str, runs: int) -> list[tuple[str, float]]:
    """(label, ms from navigation to every point on the map) per visit of Datasette's table
    page with datasette-cluster-map, in the same browser as map_in_browser; the first visit
    is cold.

    The plugin draws the first 1,000 rows, then offers "load all": the visit clicks it at
    once (no human delay counted) and ends when the last page of rows is on the map (the
    progress line is emptied). Requests to other hosts (its OpenStreetMap tiles) are
    aborted at once, as they would fail here anyway.
    """
    from playwright.sync_api import sync_playwright

    columns = "_col=name&_col=main_type&_col=latitude&_col=longitude"
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route(
            lambda url: not url.startswith(base),
            lambda route: route.abort(),
        )
        page = context.new_page()
        for run in range(runs):
            label = "cold (server and browser caches empty)" if run == 0 else "warm"
            page.goto(f"{base}{table}?{columns}")
            page.click("button.cluster-map-button", timeout=120_000)
            page.wait_for_function(
                """() => !document.querySelector('button.cluster-map-button')
                     && document.querySelectorAll('.leaflet-marker-icon').length > 0""",
                timeout=600_000,
                polling=100,
            )
            results.append((label, page.evaluate("performance.now()")))
        browser.close()
    return results


def browser_figures(database_url: str, runs: int) -> list[tuple[str, float, int]]:
    """map_in_browser against a gunicorn of its own (2 workers)."""
    server, base = start_maillage(database_url)
    try:
        return map_in_browser(base, runs)
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        default=f"sqlite:///{BENCH_DIR / 'map-bench.sqlite3'}",
        help="a database of its own (default: var/bench/map-bench.sqlite3)",
    )
    parser.add_argument("--runs", type=int, default=3, help="browser visits (first is cold)")
    parser.add_argument("--no-browser", action="store_true")
    arguments = parser.parse_args()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    configure_django(arguments.database_url)
    if not prepare_schema():
        print("the referential is needed to place synthetic structures")
        return 1
    ensure_structures(arguments.count)

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
