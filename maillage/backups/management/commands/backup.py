from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.backups.services import BackupError, backup_create


class Command(BaseCommand):
    help = "Write a consistent backup of the whole database (SQLite online backup or pg_dump)."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", type=Path, help="Backup file to write.")

    def handle(self, *args, output, **options):
        if output is None:
            from django.conf import settings

            folder = settings.DATA_DIR / "backups"
            folder.mkdir(exist_ok=True)
            output = folder / f"maillage-{timezone.now():%Y%m%d-%H%M%S}.backup"
        try:
            result = backup_create(path=output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _("Sauvegarde écrite : %(path)s (%(size)s octets)")
            % {"path": result.path, "size": result.size}
        )
