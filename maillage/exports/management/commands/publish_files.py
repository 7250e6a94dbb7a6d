"""`maillage publish_files`: write the downloads of /donnees/ for the current data now."""

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from maillage.exports.published import published_files_write


class Command(BaseCommand):
    help = _(
        "Écrit les fichiers téléchargeables de /donnees/ pour les données actuelles "
        "(rien si elles sont déjà écrites), par exemple depuis un planificateur."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        folder = published_files_write()
        self.stdout.write(
            _("Fichiers de la version %(version)s prêts (%(seconds).1f s) : %(folder)s")
            % {"version": folder.name, "seconds": time.monotonic() - started, "folder": folder}
        )
