"""Feeds and digests at scale: time to serve the Atom feeds and to send the digests over N
synthetic structures (benchmarks/synthetic.py: clearly labelled, never published).

    .venv/bin/python benchmarks/following_bench.py --count 10000
    .venv/bin/python benchmarks/following_bench.py --count 10000 --database-url postgres://…

Prints the median time of each feed URL (Django test client, in-process, warm) and the time
of one `send_digest` run for --subscriptions confirmed subscribers. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic  # noqa: E402


def median_ms(client, path: str, runs: int) -> float:
    client.get(path)  # warm-up
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--subscriptions", type=int, default=200)
    args = parser.parse_args()

    url = args.database_url or synthetic.sqlite_url(
        synthetic.BENCH_DIR / f"following-{args.count}.sqlite3"
    )
    synthetic.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    synthetic.configure_django(url)
    synthetic.prepare_schema()
    synthetic.ensure_structures(args.count)

    from django.core import mail
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from maillage.following import services
    from maillage.following.models import Subscription
    from maillage.structures.models import Structure

    setup_test_environment()  # locmem e-mail: nothing leaves the machine
    client = Client(HTTP_HOST="127.0.0.1")
    region = (
        Structure.objects.published()
        .values_list("commune__department__region_id", flat=True)
        .first()
    )
    paths = [
        "/flux/structures.atom",
        "/flux/tout.atom",
        f"/flux/structures.atom?region={region}&theme=mobilite&type=fablab",
        "/flux/tout.atom?theme=mobilite,sante",
    ]
    print(f"{connection.vendor}, {Structure.objects.count()} structures")
    for path in paths:
        print(f"{median_ms(client, path, args.runs):8.1f} ms  GET {path}")

    Subscription.objects.filter(email__endswith="@bench.example.org").delete()
    since = timezone.now() - dt.timedelta(days=3650)
    themes = ["mobilite", "sante", "tourisme", "economie-circulaire"]
    Subscription.objects.bulk_create(
        Subscription(
            email=f"abonne-{n}@bench.example.org",
            filters={"region": [region], "theme": [themes[n % len(themes)]]},
            frequency="daily",
            confirmed_at=since,
            items_since=since,
        )
        for n in range(args.subscriptions)
    )
    started = time.perf_counter()
    # As the next daily run would see them: the structures were just imported, and a run
    # considers items up to half an hour before it.
    report = services.digests_send(now=timezone.now() + dt.timedelta(hours=1))
    seconds = time.perf_counter() - started
    print(
        f"{seconds * 1000:8.1f} ms  send_digest: {report.sent} digests sent "
        f"({len(mail.outbox)} e-mails), {report.nothing_new} with nothing new"
    )
    Subscription.objects.filter(email__endswith="@bench.example.org").delete()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
