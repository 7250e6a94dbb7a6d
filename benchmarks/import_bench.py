"""The import alone: the synthetic CSV imported into fresh databases, timed, several runs.

    .venv/bin/python benchmarks/import_bench.py --sizes 10000 100000 --backends sqlite postgres
    .venv/bin/python benchmarks/import_bench.py --sizes 10000 --profile   # cProfile, top 40
    .venv/bin/python benchmarks/import_bench.py --sizes 100000 --bare     # no stage timers

Each run copies a template database (schema, vocabularies, referential, the synthetic
source; made once), imports `var/bench/synthetic-N.csv` with the product's pipeline
(`run_import`: parsing, validation, commune resolution, placement, identity, duplicate
detection, writing, revisions, search index) in a child process, and prints the seconds
with the machine's load average beside them (the figure is only as quiet as the machine).
PostgreSQL databases are named after --pg-prefix, so that several checkouts can run it at
once on one server.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic  # noqa: E402

PG_SERVER = "postgres://postgres@127.0.0.1:5432"

_IMPORT = """
import json, time, cProfile, pstats, io
from django.db import connection, connections
profile = {profile}
stages = {{}}
active = []  # the stages running, innermost last: where the process beside is waited for


def timed(owner, name, label):
    original = getattr(owner, name, None)
    if original is None or {bare}:  # an older version of the code, to compare with
        return

    def wrapper(*args, **kwargs):
        cpu, wall = time.process_time(), time.perf_counter()
        active.append(label.strip())
        try:
            return original(*args, **kwargs)
        finally:
            active.pop()
            spent = stages.setdefault(label, [0.0, 0.0])
            spent[0] += time.process_time() - cpu
            spent[1] += time.perf_counter() - wall

    setattr(owner, name, wrapper)


import maillage.imports.pipeline as pipeline
import maillage.imports.apply as apply_stage
import maillage.contributions.records as records
import maillage.contributions.services as contributions
import maillage.structures.services as services
for owner, name, label in [
    (pipeline, "parse_file", "parse"),
    (pipeline, "validate_row", "validate"),
    (pipeline, "default_resolver", "resolver (referential index)"),
    (pipeline, "resolve_commune", "commune resolution"),
    (pipeline.Placer, "place", "placement"),
    (pipeline, "reject_repeated", "repeated rows"),
    (pipeline, "match_existing", "identity (existing)"),
    (pipeline, "find_duplicates", "duplicates"),
    (apply_stage, "plan", "plan"),
    (apply_stage, "_write_beside", "write, with the process beside"),
    (apply_stage, "structures_write", "write"),
    (services._Keys, "search_documents", "  search columns"),
    (services, "instances_insert", "  insert structures"),
    (services, "_write_relations", "  relations"),
    (services, "rows_insert", "  insert structures' rows"),
    (services, "_insert_links", "  insert links"),
    (services, "_write_nested", "  nested rows"),
    (apply_stage, "creation_prepared", "  structures' rows (with their search columns)"),
    (apply_stage, "created_revision_json", "  revision JSON"),
    (records.CreatedRecords, "record", "  created records"),
    (apply_stage, "snapshots_of_created", "records of created structures"),
    (apply_stage, "revisions_record_bulk", "revisions"),
    (records, "snapshots", "  snapshots"),
    (contributions, "values_insert", "  insert revisions"),
    (pipeline, "structures_analyze", "analyze"),
    (type(connections["default"]), "commit", "commit"),
]:
    timed(owner, name, label)
# Time this process waits for the results of the process beside (maillage.imports.beside),
# whose own work is not in this process's CPU time nor in the stages above.
try:
    import maillage.imports.beside as beside

    def waited(items):
        def wrapper(self):
            iterator = items(self)
            while True:
                cpu, wall = time.process_time(), time.perf_counter()
                try:
                    item = next(iterator)
                except StopIteration:
                    return
                finally:
                    where = active[-1] if active else "run_import"
                    spent = stages.setdefault(f"waiting beside (in {{where}})", [0.0, 0.0])
                    spent[0] += time.process_time() - cpu
                    spent[1] += time.perf_counter() - wall
                yield item
        return wrapper

    beside.Beside.items = waited(beside.Beside.items)
    child = beside._child

    def child_with_stages(produce, *args):
        # The stages timed in the process beside (it inherits the wrappers), printed
        # before it reports its end, since its figures are not in this process's.
        def produce_timed():
            stages.clear()
            cpu = time.process_time()
            yield from produce()
            for label, (cpu_s, wall_s) in stages.items():
                sys.stderr.write(
                    f"  beside: {{label.strip():24}} cpu {{cpu_s:6.2f}} s"
                    f"  wall {{wall_s:6.2f}} s\\n"
                )
            sys.stderr.write(f"  beside: total cpu {{time.process_time() - cpu:6.2f}} s\\n")
            sys.stderr.flush()

        child(produce_timed, *args)

    beside._child = child_with_stages
except ImportError:  # an older version of the code, to compare with
    pass
# The search index's bulk insert (SQLite: FTS5's INSERT … SELECT when the block ends).
from contextlib import contextmanager

index_insert = services.search_index_bulk_insert


@contextmanager
def index_insert_timed(connection):
    manager = index_insert(connection)
    manager.__enter__()
    try:
        yield
    except BaseException:
        if not manager.__exit__(*sys.exc_info()):
            raise
    else:
        cpu, wall = time.process_time(), time.perf_counter()
        manager.__exit__(None, None, None)
        spent = stages.setdefault("  search index insert", [0.0, 0.0])
        spent[0] += time.process_time() - cpu
        spent[1] += time.perf_counter() - wall


services.search_index_bulk_insert = index_insert_timed
for setting in {settings!r}:  # --set module.NAME=value, for tuning
    target, value = setting.split("=", 1)
    module, name = target.rsplit(".", 1)
    setattr(__import__(module, fromlist=[name]), name, json.loads(value))
profiler = cProfile.Profile() if profile else None
started, cpu_started = time.perf_counter(), time.process_time()
if profiler:
    profiler.enable()
report = synthetic.import_csv(synthetic.csv_path({count}))
if profiler:
    profiler.disable()
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
if profiler:
    profiler.dump_stats(str(synthetic.BENCH_DIR / "import.prof"))  # for pstats' callers
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(90)
    out2 = io.StringIO()
    pstats.Stats(profiler, stream=out2).sort_stats("tottime").print_stats(70)
    sys.stderr.write(out.getvalue() + out2.getvalue())
for label, (cpu_s, wall_s) in stages.items():
    sys.stderr.write(f"{{label:32}} cpu {{cpu_s:6.2f}} s  wall {{wall_s:6.2f}} s\\n")
import resource
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({{"seconds": seconds, "cpu": cpu,
    "beside_cpu": children.ru_utime + children.ru_stime, "created": len(report.created),
    "rejected": len(report.rejected), "duplicates": len(report.duplicates)}}))
"""


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--backends", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"]
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one run, to stderr")
    parser.add_argument("--pg-prefix", default="maillage_import_bench")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="MODULE.NAME=JSON",
        help="set a module's constant in the import's process (tuning), e.g. "
        "maillage.imports.apply._HERE_SHARE=0.1",
    )
    parser.add_argument(
        "--bare",
        action="store_true",
        help="no stage timers (their clock reads, per row for some, add seconds of CPU)",
    )
    args = parser.parse_args()

    synthetic.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    sqlite_template = synthetic.BENCH_DIR / "import-template.sqlite3"
    code = "synthetic.prepare_schema()\n" + "".join(
        f"synthetic.ensure_csv({count})\n" for count in args.sizes
    )
    synthetic.run_python(code, synthetic.sqlite_url(sqlite_template))
    pg_template = f"{args.pg_prefix}_template"
    if "postgres" in args.backends:
        if not synthetic.postgres_database_exists(pg_template, PG_SERVER):
            synthetic.create_postgres_database(pg_template, PG_SERVER)
        synthetic.run_python(
            "synthetic.prepare_schema()\n", synthetic.postgres_url(pg_template, PG_SERVER)
        )

    results = {}
    for count in args.sizes:
        for backend in args.backends:
            timings = []
            for run in range(1 if args.profile else args.runs):
                if backend == "sqlite":
                    url = synthetic.fresh_sqlite(
                        sqlite_template, synthetic.BENCH_DIR / f"import-{count}.sqlite3"
                    )
                else:
                    url = synthetic.fresh_postgres(
                        pg_template, f"{args.pg_prefix}_{count}", PG_SERVER
                    )
                before = load()
                out = synthetic.run_python(
                    _IMPORT.format(
                        count=count, profile=args.profile, bare=args.bare, settings=args.set
                    ),
                    url,
                )
                figures = json.loads(out.splitlines()[-1])
                timings.append(figures["seconds"])
                print(
                    f"{backend:8} {count:>7,} rows  run {run + 1}: {figures['seconds']:7.1f} s"
                    f" (this process's CPU {figures['cpu']:.1f} s,"
                    f" beside {figures.get('beside_cpu', 0):.1f} s)"
                    f"  (created {figures['created']:,}, rejected {figures['rejected']:,},"
                    f" duplicate pairs {figures['duplicates']:,}; load before {before},"
                    f" after {load()})",
                    flush=True,
                )
            results[f"{backend}-{count}"] = statistics.median(timings)
    print()
    for key, median in results.items():
        print(f"{key:20} median {median:7.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
