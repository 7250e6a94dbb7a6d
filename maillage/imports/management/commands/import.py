"""`maillage import FILE`: import structures from a CSV, XLSX, GeoJSON or JSON file."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.imports.pipeline import run_import
from maillage.imports.records import ImportFileError


class Command(BaseCommand):
    help = _(
        "Importe des structures depuis un fichier CSV, XLSX, GeoJSON ou JSON (voir docs/import.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=_("Fichier à importer."))
        parser.add_argument("--profile", help=_("Profil de correspondance des colonnes."))
        parser.add_argument(
            "--mapping", type=Path, help=_("Fichier JSON de correspondance des colonnes.")
        )
        parser.add_argument("--source", help=_("Source des fiches (identifiant)."))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Vérifier et rendre compte sans rien enregistrer."),
        )
        parser.add_argument(
            "--accept-valid-rows",
            action="store_true",
            help=_("Enregistrer les lignes valides même si d'autres sont rejetées."),
        )

    def handle(self, *args, **options):
        try:
            report = run_import(
                path=options["file"],
                profile=options["profile"],
                mapping_file=options["mapping"],
                dry_run=options["dry_run"],
                accept_valid_rows=options["accept_valid_rows"],
                progress=sys.stdout.isatty(),
                source=options["source"],
            )
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        for line in report.lines(verbose=options["verbosity"] >= 2):
            self.stdout.write(line)
        if report.has_errors and not (options["accept_valid_rows"] and not options["dry_run"]):
            raise CommandError(
                _("%d enregistrement(s) rejeté(s) : voir le détail ci-dessus.")
                % len(report.rejected)
            )
