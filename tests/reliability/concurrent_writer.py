"""One writer process of the SQLite concurrency test: 100 edits, each its own transaction.

Run as `python -m tests.reliability.concurrent_writer WORKER` with DATABASE_URL set.
"""

import sys

import django


def main(worker: int, edits: int) -> None:
    django.setup()
    from django.db import transaction
    from django.db.models import F

    from maillage.structures.models import Term

    for edit in range(edits):
        with transaction.atomic():
            Term.objects.create(
                kind=Term.Kind.THEME,
                slug=f"w{worker}-e{edit}",
                label_fr=f"Écrivain {worker}, modification {edit}",
                label_en=f"Writer {worker}, edit {edit}",
            )
            # A row every writer updates: the hardest case for locks.
            Term.objects.filter(kind=Term.Kind.THEME, slug="counter").update(
                position=F("position") + 1
            )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
