from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchmakingConfig(AppConfig):
    name = "maillage.matchmaking"
    verbose_name = _("Mise en relation")
