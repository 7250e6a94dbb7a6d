"""maillage send_digest: e-mail each confirmed subscriber what is new since their last digest."""

from django.core.management.base import BaseCommand

from maillage.following.models import Subscription
from maillage.following.services import digests_send


class Command(BaseCommand):
    help = (
        "Send the digests that are due (daily or weekly, as each subscriber chose), with "
        "only what is new since their last one; nothing to whoever has nothing new. Run it "
        "daily (cron or systemd timer), see docs/following.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--frequency",
            choices=Subscription.Frequency.values,
            help="only the subscriptions of this frequency",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be sent, send nothing"
        )

    def handle(self, *args, frequency=None, dry_run=False, **options):
        report = digests_send(frequency=frequency, dry_run=dry_run)
        prefix = "would send" if dry_run else "sent"
        self.stdout.write(
            f"{prefix} {report.sent} digest(s); {report.nothing_new} with nothing new; "
            f"{report.not_due} not due yet; {report.pending_removed} unconfirmed "
            "subscription(s) removed"
        )
