"""The subscriptions in a person's data: shown on request and removed with the rest.

Connected to maillage.contributions.personal_data: a confirmed removal request deletes
every subscription of the address.
"""

from __future__ import annotations

from django.dispatch import receiver

from maillage.contributions.personal_data import person_erasing
from maillage.following.filters import FollowFilters
from maillage.following.models import Subscription
from maillage.following.services import email_normalise


def subscriptions_export(*, email: str) -> list[dict]:
    """Everything held about the address's subscriptions, as plain data."""
    return [
        {
            "email": subscription.email,
            "filters": subscription.filters,
            "description": FollowFilters.from_stored(subscription.filters).describe(),
            "frequency": subscription.frequency,
            "language": subscription.language,
            "requested_at": subscription.created_at.isoformat(),
            "confirmed_at": subscription.confirmed_at.isoformat()
            if subscription.confirmed_at
            else None,
            "last_sent_at": subscription.last_sent_at.isoformat()
            if subscription.last_sent_at
            else None,
        }
        for subscription in Subscription.objects.filter(email=email_normalise(email)).order_by(
            "created_at"
        )
    ]


def subscriptions_erase(*, email: str) -> int:
    """Delete every subscription of the address; returns how many."""
    return Subscription.objects.filter(email=email_normalise(email)).delete()[0]


@receiver(person_erasing)
def _erase_subscriptions(sender, *, email: str, request, **kwargs) -> None:
    request.subscriptions_removed = subscriptions_erase(email=email)
