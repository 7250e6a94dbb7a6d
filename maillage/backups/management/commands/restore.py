import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.backups.services import BackupError, backup_restore


class Command(BaseCommand):
    help = "Replace the database's content with a backup written by `maillage backup`."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, path, yes, **options):
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError(
                    _("La restauration remplace toute la base : ajoutez --yes pour confirmer.")
                )
            answer = input(_("Tout le contenu de la base sera remplacé. Continuer ? [o/N] "))
            if answer.strip().lower() not in {"o", "oui", "y", "yes"}:
                raise CommandError(_("Restauration annulée."))
        try:
            backup_restore(path=path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Base restaurée depuis %(path)s.") % {"path": path})
