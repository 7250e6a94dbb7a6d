"""What following keeps: when items without a date of their own were first seen, and the
e-mail digest subscriptions (the only personal data of this app)."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


def _nonce() -> str:
    return secrets.token_urlsafe(16)


class Sighting(models.Model):
    """The first time an item of a source without a date of its own was seen published.

    Resilience initiatives carry the dates of the initiative, not of their arrival in
    Maillage, and imports rewrite them with new ids: an initiative is known here by a
    natural key (its structure's stable identifier and its title), so a rewrite with the
    same content is not new again.
    """

    source = models.CharField(_("source"), max_length=30)
    key = models.CharField(_("clé"), max_length=255)
    first_seen_at = models.DateTimeField(_("vue pour la première fois le"), db_index=True)

    class Meta:
        verbose_name = _("première apparition")
        verbose_name_plural = _("premières apparitions")
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="unique_sighting_key")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.key}"


class Subscription(models.Model):
    """An e-mail digest of what is new for some filters, sent only once confirmed.

    The address serves this digest only; the row goes when its owner unsubscribes or asks
    for removal, and an unconfirmed one after SUBSCRIPTION_PENDING_DAYS.
    """

    class Frequency(models.TextChoices):
        DAILY = "daily", _("chaque jour")
        WEEKLY = "weekly", _("chaque semaine")

    email = models.EmailField(_("adresse e-mail"), db_index=True)
    filters = models.JSONField(_("filtres"), default=dict)
    frequency = models.CharField(
        _("fréquence"), max_length=6, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    language = models.CharField(_("langue"), max_length=8, default="fr")
    # Part of every signed link: a new subscription never honours an old one's links.
    nonce = models.CharField(max_length=32, default=_nonce, editable=False)
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmé le"), null=True, blank=True)
    # Items published after items_since have not been sent yet.
    items_since = models.DateTimeField(_("nouveautés depuis"), null=True, blank=True)
    last_digest_at = models.DateTimeField(_("dernier passage"), null=True, blank=True)
    last_sent_at = models.DateTimeField(_("dernier envoi"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("abonnement aux nouveautés")
        verbose_name_plural = _("abonnements aux nouveautés")

    def __str__(self) -> str:
        return f"{self.email} ({self.get_frequency_display()})"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
