"""Remove contacts kept past their retention period (run it daily)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from maillage.contributions.personal_data import contacts_purge


class Command(BaseCommand):
    help = (
        "Remove the contacts whose consent is older than MAILLAGE_CONTACT_RETENTION_DAYS "
        "days. Meant for a daily scheduled run."
    )

    def handle(self, *args, **options):
        removed = contacts_purge()
        self.stdout.write(
            f"{removed} contact(s) removed (retention: {settings.CONTACT_RETENTION_DAYS} days)."
        )
