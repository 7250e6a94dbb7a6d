"""`maillage load_default_data`: vocabularies, sources, referential and the bundled structures.

Runs at every start (`make run`) and returns at once when everything is loaded; --force
runs every step again, which changes nothing when nothing changed.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.exports.published import published_files_write
from maillage.imports.pipeline import run_import
from maillage.imports.records import ImportFileError
from maillage.imports.sources import sources_load
from maillage.referential.models import Commune
from maillage.structures.models import Structure
from maillage.structures.vocabularies import vocabularies_load


def default_datasets() -> list[tuple[Path, str]]:
    """(file, source slug) of the structures shipped with Maillage, in loading order."""
    data = Path(settings.BUNDLED_DATA_DIR)
    return [
        (data / "tiers-lieux-cget-2019" / "tiers-lieux-2019.csv", "cget-tiers-lieux-2019"),
        (data / "curated" / "structures-nationales.csv", "curated-2026"),
    ]


class Command(BaseCommand):
    help = _("Charge les vocabulaires, les sources, le référentiel et les données fournies.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help=_("Tout recharger (sans rien dupliquer).")
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        force = options["force"]
        added_terms = vocabularies_load()
        added_sources = sources_load()
        if added_terms or added_sources:
            self.stdout.write(
                _("%(terms)s termes et %(sources)s sources ajoutés.")
                % {"terms": added_terms, "sources": added_sources}
            )
        if force or not Commune.objects.exists():
            from maillage.referential.loading import referential_load

            counts = referential_load()
            self.stdout.write(_("Référentiel chargé : %s communes.") % counts["communes"])
        for path, source in default_datasets():
            if not force and Structure.objects.filter(source__slug=source).exists():
                continue
            if not path.exists():
                self.stderr.write(_("Fichier absent, ignoré : %s") % path)
                continue
            try:
                report = run_import(path=path, source=source)
            except ImportFileError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(report.summary())
            if report.has_errors:
                for line in report.lines()[1:]:
                    self.stderr.write(line)
                raise CommandError(_("Les données fournies %s contiennent des erreurs.") % path)
        # The downloads of /donnees/ for this version of the data, so that the first visitor
        # finds them (a no-op when they are already written).
        published_files_write()
        self.stdout.write(_("Données par défaut prêtes (%.1f s).") % (time.monotonic() - started))
