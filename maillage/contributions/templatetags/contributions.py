"""Template helpers of the contribution pages and of the structure page."""

from django import template
from django.utils.translation import gettext as _

from maillage.contributions import records, selectors, services

register = template.Library()


@register.simple_tag
def altcha_strings() -> dict:
    """The ALTCHA widget's texts in the page's language (set by altcha-setup.js)."""
    return {
        "label": _("Je ne suis pas un robot"),
        "verify": _("Vérifier"),
        "verifying": _("Vérification en cours…"),
        "verified": _("Vérifié"),
        "waitAlert": _("Vérification en cours… veuillez patienter."),
        "verificationRequired": _("Vérification requise : cochez la case."),
        "error": _("La vérification a échoué. Réessayez."),
        "expired": _("La vérification a expiré. Recommencez."),
        "loading": _("Chargement…"),
        "reload": _("Recommencer"),
        "cancel": _("Annuler"),
        "footer": "",
        "ariaLinkLabel": "ALTCHA",
        "enterCode": _("Saisissez le code"),
        "enterCodeAria": _("Saisissez le code que vous entendez."),
        "enterCodeFromImage": _("Saisissez le code de l'image ci-dessous."),
        "getAudioChallenge": _("Écouter un code"),
    }


@register.filter
def record_value(value) -> str:
    """A value of a record (edition, snapshot) as plain text."""
    return records.display(value)


@register.filter
def is_stale(structure) -> bool:
    """Not verified for STALE_AFTER_DAYS (see contributions.selectors); no query."""
    return selectors.structure_is_stale(structure)


@register.simple_tag(takes_context=True)
def can_edit_structure(context, structure) -> bool:
    """Whether the visitor may edit structure directly; no query for anonymous visitors."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return services.user_can_edit(user=user, structure=structure)


@register.simple_tag
def fallback_challenge() -> dict:
    """A fresh question for visitors without JavaScript (see contributions.spam)."""
    from maillage.contributions import spam

    return {
        **spam.fallback_create(),
        "token_field": spam.FALLBACK_TOKEN_FIELD,
        "answer_field": spam.FALLBACK_ANSWER_FIELD,
    }
