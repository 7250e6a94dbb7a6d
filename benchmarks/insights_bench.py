"""/enseignements/ on a first request after a change of the data, two versions of the code
in the same minutes: the version each server runs is the PYTHONPATH given (a checkout).

    .venv/bin/python benchmarks/insights_bench.py DATABASE_URL --before ../base --after . \
        [--rounds 2] [--filtered]

Each round, for each version in turn (interleaved): the data version's token is replaced
(what any write of public data does, maillage.structures.data_version), `maillage serve`
(gunicorn, 2 workers, the product's settings) starts on its own data folder, and
/enseignements/ is asked once, timed. The version that keeps the analyses (maillage.analyses.
kept) is then asked every second until its page serves figures of the current data: the
time of the background computation, from the server's log ("insights.kept"). Workers' RSS
(now and peak) are read from /proc at the end of each round. With --filtered, a
region-filtered and a theme-filtered view are timed too (computed in the request in both).
The first round of the version that keeps finds nothing kept (the page says it computes);
later rounds find the previous data's figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import map_bench  # noqa: E402
import run  # noqa: E402
import synthetic  # noqa: E402

FILTERED = ("/enseignements/?region=84", "/enseignements/?theme=mobilite")


def bump_data_version(database_url: str) -> None:
    """A new token, as a write of public data leaves (nothing else changes)."""
    token = secrets.token_hex(8)
    parts = urlsplit(database_url)
    if parts.scheme.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(parts.path) as db:
            db.execute("UPDATE structures_dataversion SET token = ? WHERE id = 1", (token,))
    else:
        import psycopg

        with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as db:
            db.execute("UPDATE structures_dataversion SET token = %s WHERE id = 1", (token,))


def start(database_url: str, code: Path, data_dir: Path, log: Path):
    env = {
        **os.environ,
        **run.SERVER_ENV,
        "DATABASE_URL": database_url,
        "MAILLAGE_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(code),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    maillage = str(synthetic.ROOT / ".venv/bin/maillage")
    data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([maillage, "collectstatic", "--no-input", "-v", "0"], env=env, check=True)
    port = run.free_port()
    server = subprocess.Popen(
        [maillage, "serve", "--port", str(port), "--workers", str(run.WORKERS)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "w"),  # noqa: SIM115
    )
    map_bench.wait_for_port(port)
    return server, port


def get(port: int, path: str, timeout: float = 180) -> tuple[float, int, str]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read().decode(errors="replace")
        status = response.status
    except (http.client.RemoteDisconnected, ConnectionError, TimeoutError) as error:
        body, status = repr(error), 0
    finally:
        connection.close()
    return time.perf_counter() - started, status, body


def state(body: str) -> str:
    if "data-insights-computing" in body:
        return "computing (no figures yet)"
    if "data-recomputing" in body:
        return "previous figures, recomputing"
    if "data-computed-at" in body:
        return "kept figures of the current data"
    if 'data-figure="structures"' in body:
        return "computed in the request"
    return "no page"


def rss(server: subprocess.Popen) -> str:
    """Each gunicorn process's RSS now and its peak (VmHWM), MB."""
    pids = [server.pid]
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    figures = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        now = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) // 1024
        peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) // 1024
        figures.append(f"{now}/{peak}")
    return " ".join(figures) + " MB (now/peak; master first)"


def kept_seconds(log: Path) -> float | None:
    for line in log.read_text().splitlines():
        if '"insights.kept"' in line:
            return json.loads(line).get("seconds")
    return None


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--before", type=Path, required=True, help="checkout of the code before")
    parser.add_argument("--after", type=Path, required=True, help="checkout of the code after")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--filtered", action="store_true")
    args = parser.parse_args()
    out = synthetic.BENCH_DIR / "insights"
    shutil.rmtree(out / "after" / "insights", ignore_errors=True)
    for round_ in range(1, args.rounds + 1):
        for name, code in (("before", args.before), ("after", args.after)):
            bump_data_version(args.database_url)
            data_dir = out / name
            log = out / f"{name}-{round_}.log"
            data_dir.mkdir(parents=True, exist_ok=True)
            server, port = start(args.database_url, code.resolve(), data_dir, log)
            try:
                before = load()
                seconds, status, body = get(port, "/enseignements/")
                print(
                    f"round {round_} {name:6}: first /enseignements/ {seconds:6.2f} s,"
                    f" HTTP {status}, {state(body)} (load {before} → {load()})",
                    flush=True,
                )
                if name == "after" and state(body) != "kept figures of the current data":
                    started = time.perf_counter()
                    while time.perf_counter() - started < 600:
                        time.sleep(1)
                        _s, _status, body = get(port, "/enseignements/")
                        if state(body) == "kept figures of the current data":
                            break
                    print(
                        f"  background computation: {kept_seconds(log)} s in the writer,"
                        f" figures served {time.perf_counter() - started + seconds:.1f} s"
                        f" after the first request (load {load()})",
                        flush=True,
                    )
                    seconds, status, body = get(port, "/enseignements/donnees.json")
                    print(f"  JSON then: {seconds * 1000:.0f} ms, HTTP {status}", flush=True)
                if args.filtered:
                    for path in FILTERED:
                        before = load()
                        seconds, status, body = get(port, path)
                        print(
                            f"  {path}: {seconds:6.2f} s, HTTP {status}, {state(body)}"
                            f" (load {before} → {load()})",
                            flush=True,
                        )
                print(f"  RSS {rss(server)}", flush=True)
            finally:
                run.stop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
