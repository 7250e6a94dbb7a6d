"""Remind the managers of structures not verified for a year (run it daily)."""

from django.core.management.base import BaseCommand

from maillage.contributions.selectors import stale_structures
from maillage.contributions.services import stale_managers_remind


class Command(BaseCommand):
    help = (
        "E-mail the managers of structures not verified for MAILLAGE_STALE_AFTER_DAYS days "
        "(at most once a month each). Meant for a daily scheduled run."
    )

    def handle(self, *args, **options):
        stale = stale_structures().count()
        sent = stale_managers_remind()
        self.stdout.write(f"{stale} stale structure(s); {sent} reminder(s) sent.")
