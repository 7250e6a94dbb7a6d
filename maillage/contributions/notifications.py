"""E-mails of the contribution workflow, written from templates in French (and English
when the recipient's language is known), through the configured e-mail backend."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from maillage.contributions.roles import ADMINISTRATORS, MODERATORS
from maillage.logs.events import event


def absolute_url(path: str) -> str:
    """A link for an e-mail: the site's public address (MAILLAGE_SITE_URL) and path."""
    return settings.SITE_URL.rstrip("/") + path


def admin_url(name: str, *args) -> str:
    return absolute_url(reverse(name, args=args))


def send(
    *,
    template: str,
    to: Iterable[str],
    context: dict,
    reply_to: Iterable[str] = (),
) -> int:
    """Render contributions/emails/<template>.txt (first line: subject) and send it."""
    recipients = sorted({address for address in to if address})
    if not recipients:
        return 0
    text = render_to_string(f"contributions/emails/{template}.txt", context)
    subject, _blank, body = text.strip().partition("\n")
    message = EmailMessage(
        subject=f"[Maillage] {subject.strip()}",
        body=body.strip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        # One message per recipient: no one sees the others' addresses.
        to=[],
        bcc=recipients,
        reply_to=list(reply_to),
    )
    message.send()
    event("email.sent", template=template, recipients=len(recipients))
    return len(recipients)


def moderator_addresses() -> list[str]:
    """MAILLAGE_MODERATOR_EMAILS, else every active moderator's and administrator's address."""
    if settings.MODERATOR_EMAILS:
        return list(settings.MODERATOR_EMAILS)
    users = get_user_model().objects.filter(
        is_active=True, groups__name__in=[MODERATORS, ADMINISTRATORS]
    )
    return sorted({user.email for user in users if user.email})
