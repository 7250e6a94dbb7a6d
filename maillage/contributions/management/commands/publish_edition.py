"""Publish a dated edition of the published data from the command line."""

from django.core.management.base import BaseCommand

from maillage.contributions.editions import edition_publish


class Command(BaseCommand):
    help = "Freeze the published data now as a dated edition."

    def add_arguments(self, parser):
        parser.add_argument("title", help="title of the edition")
        parser.add_argument("--note", default="", help="publication note")

    def handle(self, *args, title, note, **options):
        edition = edition_publish(title=title, note=note)
        self.stdout.write(
            f"Edition {edition.slug}: {edition.structure_count} structures, "
            f"{edition.size} bytes of JSON (sha256 {edition.sha256})."
        )
