"""Remove contacts kept past their retention period (run it daily)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from maillage.contributions.personal_data import contacts_purge


class Command(BaseCommand):
    help = (
        "Remove the contacts whose consent is older than MAILLAGE_CONTACT_RETENTION_DAYS "
        "days, from the database, the history and past editions' files. Meant for a daily "
        "scheduled run."
    )

    def handle(self, *args, **options):
        result = contacts_purge()
        self.stdout.write(
            f"{result.contacts_removed} contact(s) removed (retention: "
            f"{settings.CONTACT_RETENTION_DAYS} days); {result.editions_rewritten} past "
            f"edition file(s) rewritten; {result.revisions_cleared} history record(s) cleared."
        )
