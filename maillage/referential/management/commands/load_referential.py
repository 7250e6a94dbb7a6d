"""`maillage load_referential`: load the bundled French territorial referential."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand

from maillage.referential.loading import default_data_dir, referential_load


class Command(BaseCommand):
    help = "Load (or update) regions, departments, EPCI, communes and their aliases."

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=None,
            help=f"Folder with the referential files (default: {default_data_dir()}).",
        )

    def handle(self, *args, data_dir: Path | None = None, **options):
        started = time.perf_counter()
        counts = referential_load(data_dir=data_dir)
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{name}: {count}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Referential loaded in {elapsed:.1f} s ({summary})."))
