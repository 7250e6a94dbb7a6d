from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowingConfig(AppConfig):
    name = "maillage.following"
    label = "following"
    verbose_name = _("Suivi : flux et lettres d'information")

    def ready(self) -> None:
        from maillage.following import personal_data  # noqa: F401  (connects the erasure)
