"""E-mail digests: subscribe with double opt-in, send what is new, unsubscribe in one click.

Nothing is sent to an address before its owner confirms from their mailbox, except that
confirmation request. Every digest carries a signed unsubscribe link and the
List-Unsubscribe headers of RFC 8058, so mail clients offer a one-click unsubscribe.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from maillage.following.filters import FollowFilters
from maillage.following.models import Subscription
from maillage.following.sources import (
    FeedItem,
    source_count,
    source_get,
    sources,
    sources_prepare,
)

CONFIRM_SALT = "maillage.following.confirm"
UNSUBSCRIBE_SALT = "maillage.following.unsubscribe"
PERIODS = {
    Subscription.Frequency.DAILY: dt.timedelta(days=1),
    Subscription.Frequency.WEEKLY: dt.timedelta(days=7),
}
# A run a little early (cron, timers with jitter) still counts as the next day or week.
DUE_SLACK = dt.timedelta(hours=2)
# Items are sent once their transaction has surely committed: up to this long before a run.
SETTLE = dt.timedelta(minutes=30)
# Per source and digest; the rest is one link away.
DIGEST_ITEMS_PER_SOURCE = 30


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def email_normalise(email: str) -> str:
    return email.strip().lower()


def _token(subscription: Subscription, salt: str) -> str:
    return signing.dumps({"id": subscription.pk, "n": subscription.nonce}, salt=salt)


def _from_token(token: str, salt: str, max_age: int | None) -> Subscription | None:
    """The subscription of a signed link; ValidationError when the link was altered or has
    expired, None when it is genuine but its subscription no longer exists."""
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature as error:
        raise ValidationError(
            _("Ce lien n'est pas valide : il a été modifié ou a expiré.")
        ) from error
    if not isinstance(data, dict):
        raise ValidationError(_("Ce lien n'est pas valide : il a été modifié ou a expiré."))
    return Subscription.objects.filter(pk=data.get("id"), nonce=data.get("n")).first()


def confirm_url(subscription: Subscription) -> str:
    return absolute_url(reverse("following:confirm", args=[_token(subscription, CONFIRM_SALT)]))


def unsubscribe_url(subscription: Subscription) -> str:
    return absolute_url(
        reverse("following:unsubscribe", args=[_token(subscription, UNSUBSCRIBE_SALT)])
    )


def _send(
    *, template: str, subscription: Subscription, context: dict, headers=None, connection=None
):
    with translation.override(subscription.language):
        text = render_to_string(f"following/emails/{template}.txt", context)
    subject, _blank, body = text.strip().partition("\n")
    EmailMessage(
        subject=f"[Maillage] {subject.strip()}",
        body=body.strip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscription.email],
        headers=headers or {},
        connection=connection,
    ).send()


# --- subscribing -----------------------------------------------------------------------------


def subscription_request(
    *, email: str, filters: FollowFilters, frequency: str, language: str = "fr"
) -> Subscription:
    """Record an unconfirmed subscription and send its confirmation link.

    Asking again for the same address and filters sends the link again (with a new one
    when the subscription is still unconfirmed) instead of recording a second one. Call
    only after the spam checks.
    """
    email = email_normalise(email)
    stored = filters.as_params()
    with transaction.atomic():
        subscription = Subscription.objects.filter(email=email, filters=stored).first()
        if subscription is None:
            subscription = Subscription.objects.create(
                email=email, filters=stored, frequency=frequency, language=language[:8]
            )
        elif not subscription.is_confirmed:
            subscription.frequency = frequency
            subscription.language = language[:8]
            subscription.save(update_fields=["frequency", "language"])
    context = {
        "subscription": subscription,
        "description": filters.describe(),
        "frequency": subscription.get_frequency_display(),
        "confirm_url": confirm_url(subscription),
        "unsubscribe_url": unsubscribe_url(subscription),
        "days": settings.SUBSCRIPTION_PENDING_DAYS,
    }
    template = "already_subscribed" if subscription.is_confirmed else "confirm"
    transaction.on_commit(
        lambda: _send(template=template, subscription=subscription, context=context)
    )
    return subscription


def subscription_from_confirm_token(token: str) -> Subscription | None:
    return _from_token(token, CONFIRM_SALT, settings.SUBSCRIPTION_PENDING_DAYS * 24 * 3600)


def subscription_confirm(
    *, subscription: Subscription, now: dt.datetime | None = None
) -> Subscription:
    """Start the digest: only what is published from now on will be sent. A second
    confirmation changes nothing."""
    if subscription.is_confirmed:
        return subscription
    now = now or timezone.now()
    # Items already there (initiatives recorded as seen now) are not news for this reader.
    sources_prepare(now)
    subscription.confirmed_at = now
    subscription.items_since = now
    subscription.save(update_fields=["confirmed_at", "items_since"])
    return subscription


def subscription_from_unsubscribe_token(token: str) -> Subscription | None:
    return _from_token(token, UNSUBSCRIBE_SALT, None)


def subscription_delete(*, subscription: Subscription) -> None:
    """Unsubscribe: the address and its filters are deleted, not kept switched off."""
    subscription.delete()


# --- sending ---------------------------------------------------------------------------------


@dataclass
class DigestReport:
    sent: int = 0
    nothing_new: int = 0
    not_due: int = 0
    pending_removed: int = 0


def _due(subscription: Subscription, now: dt.datetime) -> bool:
    if subscription.last_digest_at is None:
        return True
    return subscription.last_digest_at <= now - PERIODS[subscription.frequency] + DUE_SLACK


@dataclass(frozen=True)
class DigestSection:
    source: str
    items: list[FeedItem]  # the newest, at most DIGEST_ITEMS_PER_SOURCE
    total: int


def digest_items(subscription: Subscription, *, until: dt.datetime) -> list[DigestSection]:
    """What is new for the subscription since its last digest, up to until: one section per
    source with something new, in the registry's order."""
    filters = FollowFilters.from_stored(subscription.filters)
    window = {"since": subscription.items_since, "until": until}
    sections = []
    for source in sources():
        items = source.items(filters, limit=DIGEST_ITEMS_PER_SOURCE, **window)
        if not items:
            continue
        total = len(items)
        if total == DIGEST_ITEMS_PER_SOURCE:
            total = source_count(source, filters, **window)
        sections.append(DigestSection(source.slug, items, total))
    return sections


def digests_send(
    *, now: dt.datetime | None = None, frequency: str | None = None, dry_run: bool = False
) -> DigestReport:
    """Send each confirmed subscription that is due its digest of what is new; a
    subscription with nothing new gets no e-mail. Also removes subscriptions left
    unconfirmed longer than SUBSCRIPTION_PENDING_DAYS."""
    now = now or timezone.now()
    until = now - SETTLE
    report = DigestReport()
    if not dry_run:
        # Items first seen by this run count as seen at the end of its window, so that
        # this run sends them.
        sources_prepare(until)
        report.pending_removed = Subscription.objects.filter(
            confirmed_at__isnull=True,
            created_at__lt=now - dt.timedelta(days=settings.SUBSCRIPTION_PENDING_DAYS),
        ).delete()[0]
    subscriptions = Subscription.objects.filter(confirmed_at__isnull=False).order_by("pk")
    if frequency:
        subscriptions = subscriptions.filter(frequency=frequency)
    connection = get_connection()
    # Read in full before writing: SQLite does not isolate a cursor from writes to its table.
    for subscription in list(subscriptions):
        if not _due(subscription, now):
            report.not_due += 1
            continue
        with translation.override(subscription.language):  # summaries name terms
            grouped = digest_items(subscription, until=until)
        if grouped:
            if not dry_run:
                _digest_send(subscription, grouped, connection=connection)
            report.sent += 1
        else:
            report.nothing_new += 1
        if not dry_run:
            Subscription.objects.filter(pk=subscription.pk).update(
                items_since=max(until, subscription.items_since or until),
                last_digest_at=now,
                last_sent_at=now if grouped else subscription.last_sent_at,
            )
    return report


def _digest_send(subscription: Subscription, grouped: list[DigestSection], *, connection):
    from maillage.following.feeds import feed_path

    link = unsubscribe_url(subscription)
    with translation.override(subscription.language):
        # Inside the override: the filters' labels are read in the subscriber's language.
        filters = FollowFilters.from_stored(subscription.filters)
        sections = [
            {
                "title": str(source_get(section.source).title),
                "items": [{"item": item, "url": absolute_url(item.path)} for item in section.items],
                "more": section.total - len(section.items),
                "feed_url": absolute_url(feed_path(section.source, filters)),
            }
            for section in grouped
        ]
        context = {
            "subscription": subscription,
            "count": sum(section.total for section in grouped),
            "sections": sections,
            "description": filters.describe(),
            "frequency": subscription.get_frequency_display(),
            "unsubscribe_url": link,
        }
    _send(
        template="digest",
        subscription=subscription,
        context=context,
        connection=connection,
        # RFC 8058: a mail client may unsubscribe with one POST to this address.
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
